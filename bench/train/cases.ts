/**
 * What the gradient-descent benchmark measures (`npm run bench:train`): training epochs per
 * second of one student, full batch, single-threaded, for two problems:
 *
 *   standalone-k6  the standalone κ = 6 configuration (STANDALONE_CONFIGS[0], L6_d10): d = 10,
 *                  8 baseline + 10 special sequences (poisoned), seed 200, NumPy-exact data
 *                  and official init, adaptive lr 0.01 (β 0.8, soft 1e−6)
 *   k1024-d64      κ = 1024, d = 64, 64 dense N(0, 1) sequences (FastRandom, seeded),
 *                  teacher a* = 0.9, b* = c* = 1; student a ~ U(0, 0.5), b = c = 0.1;
 *                  adaptive lr 1e−3
 *
 * (A teacher with a* = 1 never decays over 1024 lags: the student's leading entry
 * approaches 1 and adaptive GD diverges after ≈ 1400 epochs at lr 1e−3; a* = 0.9 trains
 * stably for ≥ 20 000 epochs.)
 *
 * Each tinybench iteration trains `epochs` epochs from the same initial student (eps 0,
 * so exactly that many; one log row per iteration), so the arithmetic is identical in
 * every iteration and on every backend. Case names follow STYLE.md "case::backend:size".
 */
import { STANDALONE_CONFIGS, standaloneProblem } from '../../lib/experiments/standalone';
import { DiagonalSSM, teacherLabels } from '../../lib/model';
import { FastRandom } from '../../lib/random/fast';
import type { OptimizerOptions } from '../../lib/train';
import type { BenchBackendName } from '../backends';
import type { Latency } from '../measure';

export type TrainCaseId = 'standalone-k6' | 'k1024-d64';

export interface TrainCaseDef {
  id: TrainCaseId;
  description: string;
  kappa: number;
  d: number;
  N: number;
  optimizer: OptimizerOptions;
  /** Epochs per tinybench iteration (≥ ~20 ms on the native build). */
  epochs: number;
  /** Epochs of the correctness guard (native against js). */
  guardEpochs: number;
  /** Backends benchmarked by default, in table-column order. */
  backends: readonly BenchBackendName[];
}

export const TRAIN_CASES: readonly TrainCaseDef[] = [
  {
    id: 'standalone-k6',
    description: 'standalone κ = 6 (L6_d10, seed 200, poisoned: 18 sequences), adaptive lr 0.01',
    kappa: 6, d: 10, N: 18, optimizer: STANDALONE_CONFIGS[0].optimizer, epochs: 100_000, guardEpochs: 2000,
    backends: ['native', 'native-portable', 'wasm-simd', 'wasm-plain', 'js'],
  },
  {
    id: 'k1024-d64',
    description: 'κ = 1024, d = 64, 64 Gaussian sequences, teacher a* = 0.9, adaptive lr 1e−3',
    kappa: 1024, d: 64, N: 64, optimizer: { kind: 'adaptive', lr: 1e-3, beta: 0.8, soft: 1e-6 }, epochs: 500, guardEpochs: 200,
    backends: ['native', 'wasm-simd', 'js'],
  },
];

/** Table columns (backends that cannot train here are skipped, with the reason) and the
 * speed ratios shown ([faster, baseline]). */
export const TRAIN_BACKENDS: readonly BenchBackendName[] = ['native', 'native-portable', 'wasm-simd', 'wasm-plain', 'js'];
export const TRAIN_RATIOS: readonly (readonly [BenchBackendName, BenchBackendName])[] = [
  ['native', 'js'],
  ['native', 'native-portable'],
  ['native', 'wasm-simd'],
  ['wasm-simd', 'js'],
];

export const DEFAULT_TIME_MS = 1000;
export const DEFAULT_MIN_ITERATIONS = 5;
export const DEFAULT_ROUNDS = 3;

/** Issue targets (epochs/s of the native build, one core). */
export const TARGETS: Readonly<Record<TrainCaseId, number>> = { 'standalone-k6': 1_000_000, 'k1024-d64': 2_000 };

export function trainCase(id: string): TrainCaseDef | undefined {
  return TRAIN_CASES.find((c) => c.id === id);
}

export function trainCaseName(c: TrainCaseDef, backend: BenchBackendName): string {
  return `train-epochs::${backend}:${c.id},k=${c.kappa},d=${c.d},n=${c.N}`;
}

export interface TrainProblemData {
  student: DiagonalSSM;
  inputs: { count: number; length: number; x: Float64Array };
  targets: Float64Array;
}

const K1024_SEED = 20261204;

/** The deterministic problem of a case (identical for every backend). */
export function buildTrainProblem(c: TrainCaseDef): TrainProblemData {
  if (c.id === 'standalone-k6') {
    const cfg = STANDALONE_CONFIGS[0];
    const p = standaloneProblem(cfg, cfg.seeds[0], true);
    const x = p.inputs;
    return { student: p.student, inputs: { count: x.count, length: x.length, x: x.x }, targets: Float64Array.from(p.targets) };
  }
  const rng = new FastRandom(K1024_SEED);
  const inputs = { count: c.N, length: c.kappa, x: rng.normal(0, 1, c.N * c.kappa) };
  const a = rng.randomSample(c.d);
  for (let i = 0; i < c.d; i++) a[i] *= 0.5;
  const student = new DiagonalSSM({ a, b: new Float64Array(c.d).fill(0.1), c: new Float64Array(c.d).fill(0.1) });
  const targets = teacherLabels({ a: [0.9], b: [1], c: [1] }, inputs, { backend: 'js' });
  return { student, inputs, targets };
}

/** What bench/train/case.ts prints (one JSON line). */
export interface TrainCaseResult extends Latency {
  name: string;
  case: TrainCaseId;
  backend: BenchBackendName;
  kappa: number;
  d: number;
  N: number;
  epochsPerIteration: number;
  /** epochsPerIteration / median iteration time. */
  epochsPerSecond: number;
  /** Status and final train loss of the timed runs (never 'diverged'). */
  status: string;
  finalLoss: number;
  /** Final a, b, c of `guard.epochs` epochs against the js loop (null for js itself). */
  guard: { reference: string; epochs: number; maxRelError: number | null; tolerance: number };
  backendInfo: Record<string, unknown>;
  env: { SSM_POISON_THREADS: string | null; OPENBLAS_NUM_THREADS: string | null };
  setupMs: number;
  guardMs: number;
}
