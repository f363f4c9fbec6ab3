/**
 * The standalone-SSM gradient-descent poisoning experiment (notebook
 * standalone_ssm_poison_experiments; SPEC §8, fixtures/official-configs.json): a student of
 * dimension d learns a teacher a* = b* = c* = 1 from baseline sequences (Gaussian entries
 * at the baseline positions) with clean labels, without and with special sequences
 * (Gaussian entry at position κ−2), by the official adaptive-LR gradient descent.
 */
import { buildSequences } from '../data';
import { officialDiff, officialInit } from '../init';
import { DiagonalSSM, teacherLabels } from '../model';
import { type AsyncTrainOptions, type OptimizerOptions, type TrainRun, train } from '../train';

/** What every published gradient-descent configuration specifies (official-configs.json). */
export interface DescentConfigBase {
  name: string;
  length: number;
  dim: number;
  seeds: readonly number[];
  sdA: number;
  sdBC: number;
  diffExponent: number;
  warmInit: number;
  baseline: { count: number; positions: [number, number]; sd: number };
  special: { count: number; positions: [number, number]; sd: number };
  optimizer: OptimizerOptions;
  eps: number;
  maxEpochs: number;
  epochsAfterStop: number;
  logEvery: number;
}

export interface StandaloneConfig extends DescentConfigBase {
  teacher: { a: number[]; b: number[]; c: number[] };
  extrapolation: { from: number; to: number };
}

const ONE = { a: [1], b: [1], c: [1] };
const ADAPTIVE = (lr: number): OptimizerOptions => ({ kind: 'adaptive', lr, beta: 0.8, soft: 1e-6 });

/** The two published configurations (official-configs.json, standaloneGD). */
export const STANDALONE_CONFIGS: readonly StandaloneConfig[] = [
  {
    name: 'L6_d10', length: 6, teacher: ONE, dim: 10, seeds: [200, 201, 204, 205], sdA: 1e-3, sdBC: 1e-3,
    diffExponent: 5, warmInit: 0.1, baseline: { count: 8, positions: [0, 2], sd: 1 },
    special: { count: 10, positions: [4, 5], sd: 1 }, optimizer: ADAPTIVE(0.01), eps: 0.01, maxEpochs: 1_000_000,
    epochsAfterStop: 1500, logEvery: 100, extrapolation: { from: 0, to: 39 },
  },
  {
    name: 'L10_d20', length: 10, teacher: ONE, dim: 20, seeds: [1200, 1201, 1203, 1204], sdA: 1e-2, sdBC: 1e-3,
    diffExponent: 3, warmInit: 0.1, baseline: { count: 8, positions: [0, 7], sd: 1 },
    special: { count: 10, positions: [8, 9], sd: 1 }, optimizer: ADAPTIVE(0.001), eps: 0.01, maxEpochs: 1_000_000,
    epochsAfterStop: 1500, logEvery: 100, extrapolation: { from: 0, to: 39 },
  },
];

/** One seed's official sequences (NumPy-exact, baseline rows then special rows; SPEC §3)
 * and initial student (SPEC §4; teacherDim picks the dim-3/4 tie-breaks). */
export function officialSeedSetup(config: DescentConfigBase, seed: number, poisoned: boolean, teacherDim = 1) {
  const data = buildSequences({
    length: config.length, baseline: config.baseline, special: poisoned ? config.special : null, seed, rng: 'numpy',
  });
  const student = officialInit({
    dim: config.dim, sdA: config.sdA, sdBC: config.sdBC, diff: officialDiff(config.sdA, config.diffExponent),
    warmInit: config.warmInit, teacherDim, seed,
  });
  return { student, inputs: data.inputs };
}

/** The training problem of one seed: official init, NumPy-exact data, teacher labels. */
export function standaloneProblem(config: StandaloneConfig, seed: number, poisoned: boolean) {
  const teacher = new DiagonalSSM(config.teacher, 'teacher');
  const { student, inputs } = officialSeedSetup(config, seed, poisoned, teacher.dim);
  return { student, inputs, targets: teacherLabels(teacher, inputs), teacher };
}

export type StandaloneRunOptions = Omit<AsyncTrainOptions, 'optimizer' | 'teacher' | 'extrapolation'>;

/** All seeds of a configuration in one native call (students in parallel). */
export async function runStandalone(config: StandaloneConfig, poisoned: boolean, options: StandaloneRunOptions = {},
  seeds: readonly number[] = config.seeds): Promise<TrainRun[]> {
  const problems = seeds.map((seed) => standaloneProblem(config, seed, poisoned));
  return train(problems.map(({ student, inputs, targets }) => ({ student, inputs, targets })), {
    eps: config.eps, maxEpochs: config.maxEpochs, epochsAfterStop: config.epochsAfterStop, logEvery: config.logEvery,
    ...options,
    optimizer: config.optimizer, teacher: problems[0].teacher, extrapolation: config.extrapolation,
  });
}
