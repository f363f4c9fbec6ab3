/**
 * Runs a "gradient-descent" experiment config (SPEC §10): every seed trained in one native
 * call (students in parallel), through the async `train` API (off the main thread,
 * abortable, progress by epoch).
 *
 * Per seed: the data from a generator seeded with the seed (NumPy's stream by default,
 * baseline rows first, then special rows, as the official code draws them); the init
 * ("official": SPEC §4's post-processing of the official Keras initializers' draws,
 * replayed from TensorFlow's stateless stream seeded with the seed (lib/init.ts
 * kerasSeededNormal); "theorem1"; or explicit); an MLP head's weights from the same
 * initializers (officialMlpInit, std mlp.sd); clean labels from the teacher (and the paper's teacher MLP). With an MLP, the test error
 * uses 2000 Gaussian sequences of length 40 seeded with seed + 12, as the official code.
 */
import type { BackendChoice } from '../backends/loader';
import { buildSequences } from '../data';
import { officialDiff, officialInit, officialMlpInit, theorem1Init } from '../init';
import { DiagonalSSM, forward } from '../model';
import type { GradientDescentConfig } from '../config/schema';
import { type TrainProblem, type TrainRun, type TrainStatus, mlpPredict, officialTeacherMlp, train } from '../train';
import { gaussianTestInputs } from './ssm-in-mlp';

/** The official test set of the SSM-in-MLP experiments (SPEC §7). */
export const MLP_TEST_SET = { count: 2000, length: 40, sd: 1, seedOffset: 12 } as const;

export interface DescentRunReport {
  seed: number;
  initial: { a: number[]; b: number[]; c: number[] };
  final: { a: number[]; b: number[]; c: number[]; mlp?: number[] };
  /** What the official code reports (the last row logged after the stop); the final values
   * when there is none. */
  trainLoss: number;
  extrapolationError: number;
  /** With an MLP head: ‖ŷ − y*‖₂/‖y*‖₂ on the test set. */
  testError: number | null;
  /** After the very last epoch. */
  finalValues: { trainLoss: number; extrapolationError: number; testError: number | null };
  status: TrainStatus;
  epochs: number;
  stopEpoch: number | null;
  divergedEpoch: number | null;
}

export interface DescentSummary {
  /** Runs that reached eps (status converged): the means are over these. */
  completed: number;
  meanTrainLoss: number | null;
  meanExtrapolationError: number | null;
  meanTestError: number | null;
  statusCounts: Partial<Record<TrainStatus, number>>;
}

export interface DescentExperimentResult {
  runs: DescentRunReport[];
  summary: DescentSummary;
  interrupted: boolean;
}

export interface DescentExperimentOptions {
  backend?: BackendChoice;
  signal?: AbortSignal;
  /** The slowest seed's epoch. */
  onProgress?: (p: { epoch: number; loss: number }) => void;
}

function configDiff(config: GradientDescentConfig): number {
  const s = config.student;
  return s.diffExponent !== undefined ? officialDiff(s.sdA, s.diffExponent) : s.diff ?? 0;
}

function initialStudent(config: GradientDescentConfig, seed: number): DiagonalSSM {
  const s = config.student;
  if (typeof s.init === 'object') return new DiagonalSSM(s.init, 'config.student.init');
  if (s.init === 'official') {
    return officialInit({
      dim: s.dim, sdA: s.sdA, sdBC: s.sdBC, diff: configDiff(config), warmInit: s.warmInit,
      teacherDim: config.teacher.a.length, seed,
    });
  }
  const drawn = theorem1Init({ dim: s.dim, sdA: s.sdA, diff: configDiff(config), seed, rng: config.data.rng });
  const fixed = (v: 'ones' | number[]) => (v === 'ones' ? new Array<number>(s.dim).fill(1) : v);
  return new DiagonalSSM({ a: Array.from(drawn.a, (v) => v + s.warmInit), b: fixed(s.b), c: fixed(s.c) });
}

/** Init, data, clean labels (and head weights, test set) of one seed. */
export function descentProblem(config: GradientDescentConfig, seed: number): TrainProblem & { student: DiagonalSSM } {
  const student = initialStudent(config, seed);
  const { inputs } = buildSequences({
    length: config.length, baseline: config.data.baseline, special: config.data.special, seed, rng: config.data.rng,
  });
  const teacher = new DiagonalSSM(config.teacher, 'config.teacher');
  if (config.mlp === null) return { student, inputs, targets: forward(teacher, inputs) };
  const shape = { width: config.mlp.width, depth: config.mlp.depth };
  const head = officialTeacherMlp(shape);
  const label = (x: unknown) => mlpPredict(shape, head, forward(teacher, x));
  const mlpWeights = officialMlpInit({ ...shape, sd: config.mlp.sd, seed });
  const testInputs = gaussianTestInputs(seed, MLP_TEST_SET, config.data.rng);
  return { student, inputs, targets: label(inputs), mlpWeights, test: { inputs: testInputs, targets: label(testInputs) } };
}

const list = (v: ArrayLike<number>) => Array.from(v);

function report(seed: number, initial: DiagonalSSM, r: TrainRun, withHead: boolean): DescentRunReport {
  const head = (v: number) => (withHead ? v : null);
  const shown = r.reported ?? { trainLoss: r.final.trainLoss, extrapolationError: r.final.extrapolationError, testError: r.final.testError };
  return {
    seed,
    initial: initial.toJSON(),
    final: { a: list(r.final.a), b: list(r.final.b), c: list(r.final.c), ...(r.final.mlp ? { mlp: list(r.final.mlp) } : {}) },
    trainLoss: shown.trainLoss,
    extrapolationError: shown.extrapolationError,
    testError: head(shown.testError),
    finalValues: { trainLoss: r.final.trainLoss, extrapolationError: r.final.extrapolationError, testError: head(r.final.testError) },
    status: r.status,
    epochs: r.epochs,
    stopEpoch: r.stopEpoch,
    divergedEpoch: r.divergedEpoch,
  };
}

export function summarizeDescent(runs: readonly DescentRunReport[]): DescentSummary {
  const done = runs.filter((r) => r.status === 'converged');
  const mean = (f: (r: DescentRunReport) => number | null) => {
    const v = done.map(f).filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
  };
  const statusCounts: Partial<Record<TrainStatus, number>> = {};
  for (const r of runs) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
  return {
    completed: done.length,
    meanTrainLoss: mean((r) => r.trainLoss),
    meanExtrapolationError: mean((r) => r.extrapolationError),
    meanTestError: mean((r) => r.testError),
    statusCounts,
  };
}

/** Trains every seed of a gradient-descent config (one native call, students in parallel). */
export async function runDescentExperiment(config: GradientDescentConfig, options: DescentExperimentOptions = {}): Promise<DescentExperimentResult> {
  const problems = config.seeds.map((seed) => descentProblem(config, seed));
  const o = config.optimizer;
  const runs = await train(problems, {
    optimizer: { kind: o.kind, lr: o.lr, beta: o.beta, soft: o.soft, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon },
    train: config.student.train as ('a' | 'b' | 'c' | 'mlp')[],
    ...(config.mlp ? { mlp: { width: config.mlp.width, depth: config.mlp.depth } } : {}),
    eps: config.stop.eps,
    maxEpochs: config.stop.maxEpochs,
    epochsAfterStop: config.stop.epochsAfterStop,
    logEvery: config.eval.logEvery,
    teacher: config.teacher,
    extrapolation: config.eval.extrapolation,
    backend: options.backend,
    signal: options.signal,
    onProgress: options.onProgress,
    progressMs: 250,
  });
  const reports = runs.map((r, k) => report(config.seeds[k], problems[k].student, r, config.mlp !== null));
  return { runs: reports, summary: summarizeDescent(reports), interrupted: runs.some((r) => r.status === 'aborted') };
}
