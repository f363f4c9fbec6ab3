/**
 * The SSM-in-MLP poisoning experiment (notebook ssm_in_nn_poison_experiments; SPEC §1, §7,
 * §8; fixtures/official-configs.json "ssmInMlpGD"): a diagonal SSM followed by a ReLU MLP
 * without biases learns the teacher SSM a* = b* = c* = 1 followed by the paper's teacher
 * MLP (D_1 = 1ᵀ, D_k = I, D_out = 0.5·1), by Adam, without and with special sequences.
 * Generalization is the relative L2 error on 2000 Gaussian test sequences of length 40
 * (seed + 12, as the official code).
 */
import { createRandom, type RngKind } from '../data';
import { officialMlpInit } from '../init';
import { DiagonalSSM, forward } from '../model';
import { type AsyncTrainOptions, type MlpShape, type OptimizerOptions, type TrainRun, mlpPredict, officialTeacherMlp, train } from '../train';
import { type DescentConfigBase, officialSeedSetup } from './standalone';

export interface SsmInMlpConfig extends DescentConfigBase {
  mlp: MlpShape;
  sdMlp: number;
  /** The poisoned runs' optimizer (the L10 configuration lowers its rate). */
  optimizerPoisoned: OptimizerOptions;
  test: { count: number; length: number; sd: number; seedOffset: number };
}

const TEST = { count: 2000, length: 40, sd: 1, seedOffset: 12 };

/** The two published configurations. */
export const SSM_IN_MLP_CONFIGS: readonly SsmInMlpConfig[] = [
  {
    name: 'L6_d10_m15', length: 6, dim: 10, mlp: { width: 15, depth: 2 }, seeds: [4540, 4541, 4543, 4545],
    sdA: 0.01, sdBC: 0.01, sdMlp: 0.03, diffExponent: 0.5, warmInit: 0.001,
    baseline: { count: 20, positions: [0, 2], sd: 1 }, special: { count: 20, positions: [4, 5], sd: 1 },
    optimizer: { kind: 'adam', lr: 0.01 }, optimizerPoisoned: { kind: 'adam', lr: 0.01 },
    eps: 0.01, maxEpochs: 1_000_000, epochsAfterStop: 5000, logEvery: 100, test: TEST,
  },
  {
    name: 'L10_d20_m25', length: 10, dim: 20, mlp: { width: 25, depth: 2 }, seeds: [4540, 4543, 4544, 4545],
    sdA: 0.001, sdBC: 0.001, sdMlp: 0.1, diffExponent: 2, warmInit: 0.001,
    baseline: { count: 20, positions: [0, 7], sd: 1 }, special: { count: 20, positions: [8, 9], sd: 1 },
    optimizer: { kind: 'adam', lr: 0.01 }, optimizerPoisoned: { kind: 'adam', lr: 5e-5 },
    eps: 0.05, maxEpochs: 1_000_000, epochsAfterStop: 5000, logEvery: 100, test: TEST,
  },
];

const TEACHER = new DiagonalSSM({ a: [1], b: [1], c: [1] });

/** Labels of the teacher SSM followed by the teacher MLP. */
function teacherOutputs(mlp: MlpShape, inputs: unknown): Float64Array {
  return mlpPredict(mlp, officialTeacherMlp(mlp), forward(TEACHER, inputs));
}

/** The test sequences of a seed: count × length Gaussian entries from a generator seeded
 * with seed + seedOffset, like the official `np.random.seed(seed + 12)` draw (SPEC §7). */
export function gaussianTestInputs(seed: number, test: SsmInMlpConfig['test'], rng: RngKind = 'numpy'): number[][] {
  const { count, length, sd, seedOffset } = test;
  const flat = createRandom(rng, (seed + seedOffset) % 2 ** 32).normal(0, sd, count * length);
  return Array.from({ length: count }, (_, n) => Array.from(flat.subarray(n * length, (n + 1) * length)));
}

/** One seed's problem: official SSM and head init, NumPy-exact data, test set. */
export function ssmInMlpProblem(config: SsmInMlpConfig, seed: number, poisoned: boolean) {
  const { student, inputs } = officialSeedSetup(config, seed, poisoned);
  const mlpWeights = officialMlpInit({ ...config.mlp, sd: config.sdMlp, seed });
  const testInputs = gaussianTestInputs(seed, config.test);
  return {
    student, inputs, targets: teacherOutputs(config.mlp, inputs), mlpWeights,
    test: { inputs: testInputs, targets: teacherOutputs(config.mlp, testInputs) },
  };
}

export type SsmInMlpRunOptions = Omit<AsyncTrainOptions, 'optimizer' | 'mlp' | 'teacher' | 'extrapolation'>;

/** All seeds of a configuration in one native call (students in parallel). */
export async function runSsmInMlp(config: SsmInMlpConfig, poisoned: boolean, options: SsmInMlpRunOptions = {},
  seeds: readonly number[] = config.seeds): Promise<TrainRun[]> {
  return train(seeds.map((seed) => ssmInMlpProblem(config, seed, poisoned)), {
    eps: config.eps, maxEpochs: config.maxEpochs, epochsAfterStop: config.epochsAfterStop, logEvery: config.logEvery,
    ...options,
    optimizer: poisoned ? config.optimizerPoisoned : config.optimizer, mlp: config.mlp,
    teacher: TEACHER, extrapolation: { from: 0, to: 39 },
  });
}
