/**
 * The dynamics experiments of the paper (Figs 2–8; notebooks standalone_ssm_dynamics_experiments
 * and standalone_ssm_dim={2,3,4}_dynamics_experiments; SPEC §8): one seed per configuration,
 * trained by the official adaptive-LR gradient descent without and with special sequences,
 * logging every 100 epochs the |a_i| sorted descending, the effective rank and γ^(0).
 * Without special sequences the largest entries of |a| rise one at a time (greedy low-rank
 * learning); with them they rise together.
 *
 * Teacher of dimension 1 (standalone_*): no warm init, a tiny tie-break (diff exponent 20),
 * special sequences at positions [κ−2, κ) (the last two), 5000 epochs after the stop.
 * Teachers of dimension 2, 3, 4 (dimK_*): B and C fixed to ones (fix_B_C), the dim-3/4
 * tie-breaks of officialInit, special sequences at [κ−2, κ−1), 1500 epochs after the stop,
 * and at κ = 6 the poisoned run's rate lowered to 0.001.
 *
 * The configurations are transcribed from the notebooks' cells (commit 3ddc1512 of the
 * official repository). fixtures/official-configs.json gives dim3_L6_d10 special sequences
 * at [4, 6) and rate 0.01 for its poisoned run; the notebook's cells say [4, 5) and 0.001,
 * and with them our run reproduces the notebook's printed results
 * (data/official-notebooks-dynamics.json), so the notebook's values are used.
 */
import { type AsyncTrainOptions, type OptimizerOptions, type TrainRun, train } from '../train';
import { type StandaloneConfig, standaloneProblem } from './standalone';

export interface DynamicsConfig extends StandaloneConfig {
  /** Set b and c to ones at the end of every epoch (official fix_B_C). */
  fixBC: boolean;
  /** The poisoned run's optimizer when it differs from `optimizer`. */
  optimizerPoisoned?: OptimizerOptions;
  /** How many of the largest |a_i| the figures follow. */
  tracked: number;
}

const ADAPTIVE = (lr: number): OptimizerOptions => ({ kind: 'adaptive', lr, beta: 0.8, soft: 1e-6 });
const ONE = { a: [1], b: [1], c: [1] };
const COMMON = {
  optimizer: ADAPTIVE(0.01), maxEpochs: 1_000_000, logEvery: 100, extrapolation: { from: 0, to: 39 }, tracked: 7,
} as const;

/** Teachers a* = (0.99, 0.8, 0.5, 0.3)[:k], b* = c* = 1. */
function teacherOfDim(k: number) {
  const ones = new Array<number>(k).fill(1);
  return { a: [0.99, 0.8, 0.5, 0.3].slice(0, k), b: ones, c: ones };
}

/** The dim-k notebooks' two configurations (κ = 6, d = 10 and κ = 10, d = 20). */
function dimConfigs(k: number, seedL6: number, seedL10: number): DynamicsConfig[] {
  const shared = { ...COMMON, teacher: teacherOfDim(k), sdA: 0.01, warmInit: 0, fixBC: true, eps: 0.01, epochsAfterStop: 1500 };
  return [
    {
      ...shared, name: `dim${k}_L6_d10`, length: 6, dim: 10, seeds: [seedL6], sdBC: 0.01, diffExponent: 2,
      baseline: { count: 8, positions: [0, 2], sd: 1 }, special: { count: 10, positions: [4, 5], sd: 1 },
      optimizerPoisoned: ADAPTIVE(0.001),
    },
    {
      ...shared, name: `dim${k}_L10_d20`, length: 10, dim: 20, seeds: [seedL10], sdBC: 0.001, diffExponent: 3,
      baseline: { count: 8, positions: [0, 7], sd: 1 }, special: { count: 10, positions: [8, 9], sd: 1 },
      optimizer: ADAPTIVE(0.001),
    },
  ];
}

/** The published configurations: the dimension-1 teacher's two, then two per dim-k notebook. */
export const DYNAMICS_CONFIGS: readonly DynamicsConfig[] = [
  {
    ...COMMON, name: 'standalone_L6_d10', length: 6, teacher: ONE, dim: 10, seeds: [105], sdA: 0.01, sdBC: 0.01,
    diffExponent: 20, warmInit: 0, fixBC: false, baseline: { count: 8, positions: [0, 2], sd: 1 },
    special: { count: 10, positions: [4, 6], sd: 1 }, eps: 0.01, epochsAfterStop: 5000,
  },
  {
    ...COMMON, name: 'standalone_L10_d20', length: 10, teacher: ONE, dim: 20, seeds: [4000], sdA: 0.001, sdBC: 0.05,
    diffExponent: 20, warmInit: 0, fixBC: false, baseline: { count: 8, positions: [0, 7], sd: 1 },
    special: { count: 10, positions: [8, 10], sd: 1 }, eps: 0.05, epochsAfterStop: 5000,
  },
  ...dimConfigs(2, 302, 1202),
  ...dimConfigs(3, 401, 1201),
  ...dimConfigs(4, 403, 1201),
];

/** The training problem of one seed: official init (dim-3 tie-break for the dim-3 teacher), NumPy-exact data. */
/** One seed's problem: the standalone experiment's (official init, NumPy-exact data, teacher labels). */
export const dynamicsProblem = (config: DynamicsConfig, seed: number, poisoned: boolean) => standaloneProblem(config, seed, poisoned);

/** The logged curves of one run (one entry per logged epoch). */
export interface DynamicsSeries {
  epoch: number[];
  /** absA[i][k]: the (i+1)-th largest |a| at epoch[k] (rank-major), the `tracked` largest. */
  absA: number[][];
  effectiveRank: number[];
  gamma0: number[];
  trainLoss: number[];
  extrapolationError: number[];
}

/** The series of a run, keeping the `tracked` largest |a_i| (rank-major: absA[rank][row]). */
export function dynamicsSeries(run: TrainRun, tracked: number): DynamicsSeries {
  const n = run.log.epoch.length;
  const width = n > 0 ? Math.min(tracked, run.log.absA[0].length) : 0;
  return {
    epoch: Array.from(run.log.epoch),
    absA: Array.from({ length: width }, (_, i) => run.log.absA.map((row) => row[i])),
    effectiveRank: Array.from(run.log.effectiveRank),
    gamma0: run.log.gamma.map((g) => g[0]),
    trainLoss: Array.from(run.log.trainLoss),
    extrapolationError: Array.from(run.log.extrapolationError),
  };
}

/** Every `step`-th row of a series (and always the last): for compact results.json. */
export function subsampleSeries(s: DynamicsSeries, maxRows: number): DynamicsSeries {
  const n = s.epoch.length;
  if (n <= maxRows) return s;
  const step = Math.ceil(n / maxRows);
  const keep: number[] = [];
  for (let k = 0; k < n; k += step) keep.push(k);
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  const pick = (v: number[]) => keep.map((k) => v[k]);
  return {
    epoch: pick(s.epoch), absA: s.absA.map(pick), effectiveRank: pick(s.effectiveRank), gamma0: pick(s.gamma0),
    trainLoss: pick(s.trainLoss), extrapolationError: pick(s.extrapolationError),
  };
}

export type DynamicsRunOptions = Omit<AsyncTrainOptions, 'optimizer' | 'teacher' | 'extrapolation' | 'fixBC'>;

/** All seeds of a configuration in one native call (students in parallel). */
export async function runDynamics(config: DynamicsConfig, poisoned: boolean, options: DynamicsRunOptions = {},
  seeds: readonly number[] = config.seeds): Promise<TrainRun[]> {
  const problems = seeds.map((seed) => dynamicsProblem(config, seed, poisoned));
  return train(problems.map(({ student, inputs, targets }) => ({ student, inputs, targets })), {
    eps: config.eps, maxEpochs: config.maxEpochs, epochsAfterStop: config.epochsAfterStop, logEvery: config.logEvery,
    ...options,
    optimizer: poisoned ? config.optimizerPoisoned ?? config.optimizer : config.optimizer, teacher: problems[0].teacher,
    extrapolation: config.extrapolation, fixBC: config.fixBC,
  });
}

/** The curves of one run as reproduce keeps them for results.json and the figures. */
export interface DynamicsPlotSeries extends DynamicsSeries {
  status: TrainRun['status'];
  stopEpoch: number | null;
  /** Epochs run. */
  epochs: number;
  /** Rows logged in all; the series holds at most PLOT_ROWS of them, evenly spaced. */
  rowsLogged: number;
  /** The last epoch kept: the end of the run, or for a run that never reached eps and
   * settled (loss and |a| unchanging), three times the epoch it settled at. */
  horizonEpoch: number;
  /** How the entries rose (riseSummary of the full series). */
  rise: RiseSummary;
}

/** Rows kept per curve in results.json and the figures. */
export const PLOT_ROWS = 400;

/** The logged epoch after which the loss and the tracked |a_i| no longer change (to 1e−6 relative). */
export function settledEpoch(s: DynamicsSeries): number {
  const n = s.epoch.length;
  if (n === 0) return 0;
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(y), 1e-12);
  let k = n - 1;
  while (k > 0 && close(s.trainLoss[k - 1], s.trainLoss[n - 1]) && s.absA.every((v) => close(v[k - 1], v[n - 1]))) k--;
  return s.epoch[k];
}

/** A run's series cropped (runs that never reached eps, once settled) and subsampled to PLOT_ROWS. */
export function plotSeries(run: TrainRun, tracked: number): DynamicsPlotSeries {
  const full = dynamicsSeries(run, tracked);
  const last = full.epoch.length > 0 ? full.epoch[full.epoch.length - 1] : 0;
  const horizon = run.stopEpoch === null ? Math.min(last, Math.max(3 * settledEpoch(full), 20 * (full.epoch[1] ?? 1))) : last;
  const n = full.epoch.findIndex((e) => e > horizon);
  const crop = (v: number[]) => (n < 0 ? v : v.slice(0, n));
  const cropped: DynamicsSeries = {
    epoch: crop(full.epoch), absA: full.absA.map(crop), effectiveRank: crop(full.effectiveRank), gamma0: crop(full.gamma0),
    trainLoss: crop(full.trainLoss), extrapolationError: crop(full.extrapolationError),
  };
  return {
    ...subsampleSeries(cropped, PLOT_ROWS), status: run.status, stopEpoch: run.stopEpoch, epochs: run.epochs,
    rowsLogged: full.epoch.length, horizonEpoch: cropped.epoch[cropped.epoch.length - 1] ?? 0,
    rise: riseSummary(full, run.stopEpoch),
  };
}

/**
 * The epoch at which each tracked entry first reaches `fraction` of its value at the stop
 * (the epoch whose train loss reached eps; the last logged row if none), by linear
 * interpolation between logged rows — "when did entry i rise". NaN when it never does.
 */
export function riseEpochs(series: DynamicsSeries, stopEpoch: number | null, fraction = 0.5): number[] {
  const { epoch } = series;
  let ref = epoch.length - 1;
  if (stopEpoch !== null) {
    const k = epoch.findIndex((e) => e >= stopEpoch);
    if (k >= 0) ref = k;
  }
  return series.absA.map((v) => {
    const target = fraction * v[ref];
    for (let k = 0; k <= ref; k++) {
      if (v[k] >= target) {
        if (k === 0) return epoch[0];
        const t = (target - v[k - 1]) / (v[k] - v[k - 1]);
        return epoch[k - 1] + t * (epoch[k] - epoch[k - 1]);
      }
    }
    return NaN;
  });
}

/** An entry "rises" when its value at the stop reaches this (10× the init scale sd_A = 0.01). */
export const RISE_THRESHOLD = 0.1;

/**
 * Whether the largest |a_i| rise one at a time or together, in numbers. The reference row
 * is the first logged at or after the stop (the last row if the run never reached eps).
 *
 * - `risen`: how many tracked entries reach RISE_THRESHOLD at the reference row;
 * - `riseEpochs`: for those, the epoch each first reached half its reference value;
 * - `riseSpread`: the latest over the earliest of the first three risen entries' rise
 *   epochs (null with fewer than two risen): ≫ 1 one at a time, ≈ 1 together;
 * - `secondToFirst`: |a|_(2) / |a|_(1) at the first logged row where |a|_(1) has reached half
 *   its reference value: small when the first entry is learnt alone.
 */
export interface RiseSummary {
  risen: number;
  riseEpochs: number[];
  riseSpread: number | null;
  secondToFirst: number;
}

export function riseSummary(series: DynamicsSeries, stopEpoch: number | null): RiseSummary {
  const { epoch, absA } = series;
  let ref = epoch.length - 1;
  if (stopEpoch !== null) {
    const k = epoch.findIndex((e) => e >= stopEpoch);
    if (k >= 0) ref = k;
  }
  const rises = riseEpochs(series, stopEpoch, 0.5);
  const risenIdx = absA.map((v, i) => (v[ref] >= RISE_THRESHOLD ? i : -1)).filter((i) => i >= 0);
  const first = risenIdx.slice(0, 3).map((i) => rises[i]);
  const half = absA.length > 0 ? absA[0].findIndex((x) => x >= 0.5 * absA[0][ref]) : -1;
  return {
    risen: risenIdx.length,
    riseEpochs: risenIdx.map((i) => rises[i]),
    riseSpread: first.length >= 2 ? Math.max(...first) / Math.min(...first) : null,
    secondToFirst: absA.length > 1 && half >= 0 ? absA[1][half] / absA[0][half] : NaN,
  };
}
