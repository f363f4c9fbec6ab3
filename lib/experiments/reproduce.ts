/**
 * The paper's experiments as one registry (SPEC §8): Theorem 1 (gradient flow), the
 * standalone SSM and the SSM inside an MLP (gradient descent), each without and with
 * special sequences, per seed, with summaries and the published values where the paper
 * prints them; and the dynamics runs behind Figs 2–8 (one seed each), whose logged curves
 * come with the result (`series`) for the figures. `reproduce` runs a selection of them.
 */
import type { BackendChoice } from '../backends/loader';
import type { FlowStatus } from '../flow';
import type { TrainRun, TrainStatus } from '../train';
import { DYNAMICS_CONFIGS, type DynamicsConfig, type DynamicsPlotSeries, plotSeries, runDynamics } from './dynamics';
import { type PrintedMlpRun, type PrintedRun, printedDynamicsRun, printedMlpRun } from './official-notebooks';
import { SSM_IN_MLP_CONFIGS, type SsmInMlpConfig, runSsmInMlp } from './ssm-in-mlp';
import { STANDALONE_CONFIGS, type StandaloneConfig, runStandalone } from './standalone';
import { ODEINT_TOLERANCE, THEOREM1_CONFIGS, type Theorem1Config, runTheorem1 } from './theorem1';

export type ExperimentGroup = 'theorem1' | 'standalone' | 'mlp' | 'dynamics';
export const EXPERIMENT_GROUPS: readonly ExperimentGroup[] = ['theorem1', 'standalone', 'mlp', 'dynamics'];

/** One side (clean or poisoned) of one seed. */
export interface SideResult {
  trainLoss: number;
  extrapolationError: number;
  /** SSM in MLP: ‖ŷ − y*‖/‖y*‖ on the test set (SPEC §7). */
  testError?: number;
  status: FlowStatus | TrainStatus;
  /** Gradient descent: the epoch that reached eps and the epochs run. */
  stopEpoch?: number | null;
  epochs?: number;
  seconds: number;
}

export interface SeedResult {
  seed: number;
  clean: SideResult;
  poisoned: SideResult;
  /** SSM in MLP: what the official notebook printed for this seed (float32 Keras), where it ran it. */
  official?: { clean: PrintedMlpRun | null; poisoned: PrintedMlpRun | null };
}

export interface SideSummary {
  meanTrainLoss: number;
  meanExtrapolationError: number;
  meanTestError?: number;
}

export interface ExperimentResult {
  /** e.g. "theorem1/L7_d10" */
  name: string;
  group: ExperimentGroup;
  /** The generalization metric compared: the extrapolation error, or the test error (MLP). */
  metric: 'extrapolationError' | 'testError';
  config: Theorem1Config | StandaloneConfig | SsmInMlpConfig | DynamicsConfig;
  runs: SeedResult[];
  /**
   * Dynamics experiments: per seed, the logged curves of both sides (epoch, the `tracked`
   * largest |a_i|, effective rank, γ^(0), train loss, extrapolation error) — at most
   * PLOT_ROWS rows each, evenly subsampled, cropped once a run that never reached eps has
   * settled — and how the entries rose (RiseSummary). The figures are drawn from these.
   */
  series?: {
    seed: number; clean: DynamicsPlotSeries; poisoned: DynamicsPlotSeries;
    /** What the official notebook printed for this run (null where it has none). */
    official: { clean: PrintedRun | null; poisoned: PrintedRun | null };
    /** Our reported train loss and |a| (sorted descending), to set beside the printed ones. */
    reported: { clean: ReportedValues | null; poisoned: ReportedValues | null };
  }[];
  summary: {
    clean: SideSummary;
    poisoned: SideSummary;
    /** poisoned mean / clean mean of the metric. */
    ratio: number;
    /** The paper's printed means (Theorem 1), else null. */
    published: { clean: number; poisoned: number } | null;
    /** Every seed's poisoned metric exceeds its clean one. */
    poisonedWorseOnEverySeed: boolean;
  };
}

export interface ExperimentPlan {
  name: string;
  group: ExperimentGroup;
  seeds: readonly number[];
  run(options: RunOptions): Promise<ExperimentResult>;
}

export interface RunOptions {
  backend?: BackendChoice;
  signal?: AbortSignal;
  /** Seeds to run instead of the configuration's. */
  seeds?: readonly number[];
  /** Called with a short text as the work advances. */
  onProgress?: (text: string) => void;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

function summarize(group: ExperimentGroup, runs: SeedResult[], published: ExperimentResult['summary']['published']): ExperimentResult['summary'] {
  const metric = group === 'mlp' ? 'testError' : 'extrapolationError';
  const side = (k: 'clean' | 'poisoned'): SideSummary => ({
    meanTrainLoss: mean(runs.map((r) => r[k].trainLoss)),
    meanExtrapolationError: mean(runs.map((r) => r[k].extrapolationError)),
    ...(group === 'mlp' ? { meanTestError: mean(runs.map((r) => r[k].testError ?? NaN)) } : {}),
  });
  const clean = side('clean');
  const poisoned = side('poisoned');
  const pick = (s: SideSummary) => (metric === 'testError' ? s.meanTestError! : s.meanExtrapolationError);
  return {
    clean,
    poisoned,
    ratio: pick(poisoned) / pick(clean),
    published,
    poisonedWorseOnEverySeed: runs.every((r) => (r.poisoned[metric] ?? NaN) > (r.clean[metric] ?? NaN)),
  };
}

function theorem1Plan(config: Theorem1Config): ExperimentPlan {
  const name = `theorem1/${config.name}`;
  return {
    name, group: 'theorem1', seeds: config.seeds,
    async run(options) {
      const runs: SeedResult[] = [];
      for (const seed of options.seeds ?? config.seeds) {
        const side = async (poisoned: boolean): Promise<SideResult> => {
          options.onProgress?.(`${name} seed ${seed} ${poisoned ? 'poisoned' : 'clean'}`);
          const start = performance.now();
          // the official integration: LSODA at odeint's default tolerances (SPEC §6)
          const r = await runTheorem1(config, seed, poisoned, { method: 'lsoda', backend: options.backend, signal: options.signal });
          return { trainLoss: r.trainLoss, extrapolationError: r.finalExtrapolationError, status: r.status, seconds: (performance.now() - start) / 1000 };
        };
        runs.push({ seed, clean: await side(false), poisoned: await side(true) });
      }
      return { name, group: 'theorem1', metric: 'extrapolationError', config, runs, summary: summarize('theorem1', runs, { ...config.published }) };
    },
  };
}

/** A GD result side as the official code reports it (the last row logged after the stop). */
function descentSide(r: TrainRun, seconds: number, withTest: boolean): SideResult {
  const shown = r.reported ?? { trainLoss: r.final.trainLoss, extrapolationError: r.final.extrapolationError, testError: r.final.testError };
  return {
    trainLoss: shown.trainLoss, extrapolationError: shown.extrapolationError,
    ...(withTest ? { testError: shown.testError } : {}),
    status: r.status, stopEpoch: r.stopEpoch, epochs: r.epochs, seconds,
  };
}

export interface ReportedValues { trainLoss: number; absA: number[] }

const reportedValues = (run: TrainRun): ReportedValues | null =>
  (run.reported ? { trainLoss: run.reported.trainLoss, absA: Array.from(run.reported.absA) } : null);

function descentPlan<C extends StandaloneConfig | SsmInMlpConfig | DynamicsConfig>(group: 'standalone' | 'mlp' | 'dynamics', config: C,
  train: (config: C, poisoned: boolean, options: { backend?: BackendChoice; signal?: AbortSignal }, seeds: readonly number[]) => Promise<TrainRun[]>): ExperimentPlan {
  const name = `${group}/${config.name}`;
  return {
    name, group, seeds: config.seeds,
    async run(options) {
      const seeds = options.seeds ?? config.seeds;
      const side = async (poisoned: boolean) => {
        options.onProgress?.(`${name} ${poisoned ? 'poisoned' : 'clean'} (${seeds.length} seed${seeds.length === 1 ? '' : 's in parallel'})`);
        const start = performance.now();
        const runs = await train(config, poisoned, { backend: options.backend, signal: options.signal }, seeds);
        const seconds = (performance.now() - start) / 1000;
        return { sides: runs.map((r) => descentSide(r, seconds, group === 'mlp')), runs };
      };
      const clean = await side(false);
      const poisoned = await side(true);
      const runs: SeedResult[] = seeds.map((seed, k) => ({
        seed, clean: clean.sides[k], poisoned: poisoned.sides[k],
        ...(group === 'mlp' ? { official: { clean: printedMlpRun(config.name, seed, false), poisoned: printedMlpRun(config.name, seed, true) } } : {}),
      }));
      const tracked = 'tracked' in config ? config.tracked : 0;
      return {
        name, group, metric: group === 'mlp' ? 'testError' : 'extrapolationError', config, runs,
        summary: summarize(group, runs, null),
        ...(group === 'dynamics' ? {
          series: seeds.map((seed, k) => ({
            seed, clean: plotSeries(clean.runs[k], tracked), poisoned: plotSeries(poisoned.runs[k], tracked),
            official: {
              clean: printedDynamicsRun(config as DynamicsConfig, seed, false),
              poisoned: printedDynamicsRun(config as DynamicsConfig, seed, true),
            },
            reported: { clean: reportedValues(clean.runs[k]), poisoned: reportedValues(poisoned.runs[k]) },
          })),
        } : {}),
      };
    },
  };
}

/** Every experiment, in the order reproduce runs them. */
export function experimentPlans(): ExperimentPlan[] {
  return [
    ...THEOREM1_CONFIGS.map(theorem1Plan),
    ...STANDALONE_CONFIGS.map((c) => descentPlan('standalone', c, runStandalone)),
    ...SSM_IN_MLP_CONFIGS.map((c) => descentPlan('mlp', c, runSsmInMlp)),
    ...DYNAMICS_CONFIGS.map((c) => descentPlan('dynamics', c, runDynamics)),
  ];
}

/** The integration of the official Theorem-1 runs (for the record in results). */
export const THEOREM1_INTEGRATION = { method: 'lsoda', rtol: ODEINT_TOLERANCE, atol: ODEINT_TOLERANCE } as const;
