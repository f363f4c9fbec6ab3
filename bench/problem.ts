/**
 * The deterministic data of one benchmark case, identical for every backend: S students
 * with a ∈ [0.5, 0.99] (powers stay informative over long κ), b, c ∈ [0, 1]; N dense
 * standard-normal sequences of length κ; clean labels of a fixed two-mode teacher,
 * computed by the js backend so every backend sees the same targets.
 */
import type { ModelBatch, SequenceBatch } from '../lib/backends/backend';
import { jsBackend } from '../lib/backends/js';
import { FastRandom } from '../lib/random/fast';
import type { CaseSize } from './grid';

export interface Problem {
  models: ModelBatch;
  sequences: SequenceBatch;
  targets: Float64Array;
}

/** The teacher of the labels: one slow and one fast mode. */
export const TEACHER: ModelBatch = {
  count: 1,
  dim: 2,
  a: Float64Array.of(0.95, 0.6),
  b: Float64Array.of(1, 1),
  c: Float64Array.of(1, -0.5),
};

const SEED = 20240611;

function scaled(u: Float64Array, lo: number, hi: number): Float64Array {
  for (let i = 0; i < u.length; i++) u[i] = lo + (hi - lo) * u[i];
  return u;
}

export function buildProblem({ kappa, d, N, S }: CaseSize): Problem {
  const rng = new FastRandom(SEED);
  const models: ModelBatch = {
    count: S,
    dim: d,
    a: scaled(rng.randomSample(S * d), 0.5, 0.99),
    b: rng.randomSample(S * d),
    c: rng.randomSample(S * d),
  };
  const sequences: SequenceBatch = { count: N, length: kappa, x: rng.normal(0, 1, N * kappa) };
  const targets = jsBackend.forward(TEACHER, sequences);
  return { models, sequences, targets };
}

/** Students `indices` of a batch, as a smaller batch. */
export function selectStudents(m: ModelBatch, indices: readonly number[]): ModelBatch {
  const d = m.dim;
  const pick = (v: Float64Array) => {
    const out = new Float64Array(indices.length * d);
    indices.forEach((s, k) => out.set(v.subarray(s * d, (s + 1) * d), k * d));
    return out;
  };
  return { count: indices.length, dim: d, a: pick(m.a), b: pick(m.b), c: pick(m.c) };
}
