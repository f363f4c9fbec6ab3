/**
 * Training sequences of the official families (SPEC §3): Gaussian values at a half-open
 * range of positions, zeros elsewhere; baseline rows first, then special rows. With
 * rng 'numpy' the draws are NumPy's (`np.random.seed(seed)`, then for each sequence
 * `np.random.normal(0, sd, size=(to − from, 1))`), bit for bit.
 */
import type { NumpyRandom, SequenceBatch } from './backends/backend';
import { getBackend } from './backends/loader';
import { FastRandom } from './random/fast';
import { checkFiniteNumber, checkInteger, checkObject, rangeError, toMatrix, typeError } from './validate';

export type RngKind = 'numpy' | 'fast';

export interface FamilySpec {
  /** Number of sequences. */
  count: number;
  /** Half-open range [from, to) of the non-zero positions. */
  positions: readonly [number, number];
  /** Standard deviation of the Gaussian values (default 1). */
  sd?: number;
  /** Explicit non-zero values, one row of (to − from) numbers per sequence, instead of draws. */
  values?: readonly (readonly number[])[];
}

export interface SequenceSetSpec {
  length: number;
  baseline: FamilySpec;
  special?: FamilySpec | null;
  seed?: number;
  rng?: RngKind;
}

export interface SequenceSet {
  inputs: SequenceBatch;
  baselineCount: number;
  specialCount: number;
}

/** The official position ranges of SPEC §3 for a sequence length κ. */
export const officialPositions = {
  /** [0, 2) for κ = 6 and [0, κ−3) for κ = 10 (the paper's settings). */
  baseline: (length: number): [number, number] => (length === 6 ? [0, 2] : [0, length - 3]),
  /** Special sequences of the poisoning experiments: [κ−2, κ−1). */
  specialPoison: (length: number): [number, number] => [length - 2, length - 1],
  /** Special sequences of the dynamics experiments: [κ−2, κ). */
  specialDynamics: (length: number): [number, number] => [length - 2, length],
};

/** The generator a data spec asks for ('numpy': the selected backend's NumPy stream). */
export function createRandom(kind: RngKind, seed: number): NumpyRandom {
  checkInteger(seed, 'seed', 0, 0xffffffff);
  if (kind === 'numpy') return getBackend().numpyRandom(seed);
  if (kind === 'fast') return new FastRandom(seed);
  throw new RangeError(`Expected one of numpy, fast for rng but received ${JSON.stringify(kind)} of type ${typeof kind}`);
}

function checkFamily(spec: unknown, name: string, length: number): Required<Omit<FamilySpec, 'values'>> & { values?: Float64Array } {
  const f = checkObject(spec, name, ['count', 'positions', 'sd', 'values']);
  const count = checkInteger(f.count, `${name}.count`, 0, 1e7);
  if (!Array.isArray(f.positions) || f.positions.length !== 2) {
    throw typeError('an array [from, to)', `${name}.positions`, f.positions);
  }
  const from = checkInteger(f.positions[0], `${name}.positions[0]`, 0, length - 1);
  const to = checkInteger(f.positions[1], `${name}.positions[1]`, from + 1, length);
  const sd = f.sd === undefined ? 1 : checkFiniteNumber(f.sd, `${name}.sd`);
  if (sd < 0) throw rangeError('a number ≥ 0', `${name}.sd`, sd);
  let values: Float64Array | undefined;
  if (f.values !== undefined) {
    const m = toMatrix(f.values, `${name}.values`);
    if (m.rows !== count) throw rangeError(`${count} rows (one per sequence)`, `${name}.values`, f.values);
    if (m.cols !== to - from) throw rangeError(`rows of ${to - from} numbers (positions ${from}…${to - 1})`, `${name}.values[0]`, (f.values as unknown[])[0]);
    values = m.data;
  }
  return { count, positions: [from, to], sd, values };
}

/** Builds the training sequences of a spec (validated). */
export function buildSequences(spec: SequenceSetSpec): SequenceSet {
  const s = checkObject(spec, 'data', ['length', 'baseline', 'special', 'seed', 'rng']);
  const length = checkInteger(s.length, 'data.length', 1, 2 ** 31);
  const families = [checkFamily(s.baseline, 'data.baseline', length)];
  if (s.special !== undefined && s.special !== null) families.push(checkFamily(s.special, 'data.special', length));
  const total = families.reduce((n, f) => n + f.count, 0);
  if (total < 1) throw rangeError('at least one sequence in total', 'data.baseline.count', 0);
  if (total * length > 2 ** 31) throw rangeError('at most 2^31 input values', 'data', total * length);
  const needsDraws = families.some((f) => f.values === undefined && f.count > 0);
  const seed = s.seed === undefined ? 0 : checkInteger(s.seed, 'data.seed', 0, 0xffffffff);
  const rng = needsDraws ? createRandom((s.rng ?? 'numpy') as RngKind, seed) : undefined;
  const x = new Float64Array(total * length);
  let row = 0;
  for (const f of families) {
    const [from, to] = f.positions;
    const width = to - from;
    for (let k = 0; k < f.count; k++, row++) {
      const values = f.values ? f.values.subarray(k * width, (k + 1) * width) : rng!.normal(0, f.sd, width);
      x.set(values, row * length + from);
    }
  }
  return {
    inputs: { count: total, length, x },
    baselineCount: families[0].count,
    specialCount: families.length > 1 ? families[1].count : 0,
  };
}
