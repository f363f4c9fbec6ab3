/**
 * Runs a "gradient-flow" experiment config (SPEC §10): one gradient-flow integration per
 * seed, through the async `gradientFlow` API (off the main thread, abortable).
 *
 * A Theorem-1 config (the teacher, data, init and extrapolation range of the paper's
 * Theorem-1 experiment, with `diffExponent`) goes through the `runTheorem1` preset, so its
 * numbers are those of the preset; any other config builds its problem from the config:
 * init (SPEC §4), data (SPEC §3, lib/data.ts), clean labels from the teacher.
 *
 * Seeding: for each seed, the init and the data each draw from a generator freshly seeded
 * with it (`np.random.seed(seed)` before `rand(d)`, and again before the data, as the
 * official code does), with `data.rng` choosing NumPy's stream or the fast one.
 */
import type { SequenceBatch } from '../backends/backend';
import { type BackendChoice, getBackend } from '../backends/loader';
import { buildSequences } from '../data';
import { type FlowResult, type FlowStatus, type TrainedParameter, gradientFlow, outputTimes } from '../flow';
import { type LargeKappaResult, gradientFlowLargeKappa } from '../flow-scaled';
import { officialDiff, theorem1Init } from '../init';
import { DiagonalSSM } from '../model';
import type { GradientFlowConfig } from '../config/schema';
import { THEOREM1_EXTRAPOLATION, type Theorem1Config, runTheorem1 } from './theorem1';

export interface FlowRunReport {
  seed: number;
  initial: { a: number[]; b: number[]; c: number[] };
  final: { a: number[]; b: number[]; c: number[] };
  trainLoss: number;
  extrapolationError: number;
  status: FlowStatus;
  message: string;
  /** Flow time reached (t = flow.until when the run completed; may be Infinity in float64
   * for "arc-length" runs: see log10Time). */
  time: number;
  /** log10 of the flow time reached. */
  log10Time: number;
  /** Wall-clock seconds of the integration. */
  seconds: number;
  counters: { nfev: number; njev: number; nlu: number; nsteps: number; nrejected: number; restarts: number };
  /** Which code path built the problem: the Theorem-1 preset or the generic builder. */
  path: 'theorem1-preset' | 'generic';
}

export interface FlowSummary {
  /** Runs that produced a result (status "until" or "converged"): the means are over these. */
  completed: number;
  meanTrainLoss: number | null;
  meanExtrapolationError: number | null;
  statusCounts: Partial<Record<FlowStatus, number>>;
}

export interface FlowExperimentResult {
  runs: FlowRunReport[];
  summary: FlowSummary;
  /** Set when the signal stopped the experiment: the seed that was running (null if none
   * was), the flow time it had reached, and the seeds never started. */
  interrupted: { seed: number | null; time: number; notStarted: number[] } | null;
}

export interface FlowExperimentOptions {
  backend?: BackendChoice;
  signal?: AbortSignal;
  /** Called before each seed's run. */
  onRunStart?: (seed: number, index: number) => void;
  onProgress?: (seed: number, p: { t: number; loss: number; steps: number }) => void;
  onRunEnd?: (run: FlowRunReport, index: number) => void;
}

/** The diff of a Theorem-1 init: given, or 0.05 / exp(diffExponent · log10(1/sdA)). */
export function configDiff(config: GradientFlowConfig): number {
  const s = config.student;
  return s.diffExponent !== undefined ? officialDiff(s.sdA, s.diffExponent) : s.diff ?? 0;
}

const isOnes = (v: 'ones' | number[]) => v === 'ones' || v.every((x) => x === 1);
const same = <T>(p: readonly T[], q: readonly T[]) => p.length === q.length && p.every((x, i) => x === q[i]);

function isUnitFamily(f: GradientFlowConfig['data']['baseline'] | null, position: number): boolean {
  return f !== null && f.count === 1 && f.positions[0] === position && f.positions[1] === position + 1
    && f.values !== undefined && f.values[0][0] === 1;
}

/**
 * Whether a config is the paper's Theorem-1 experiment (any κ, d, sdA, diffExponent): then
 * 'clean' or 'poisoned', else null.
 */
export function theorem1Kind(config: GradientFlowConfig): 'clean' | 'poisoned' | null {
  const { student: s, teacher: t, data, length } = config;
  const root = Math.sqrt(s.dim - 1);
  const ok = s.init === 'theorem1' && s.diffExponent !== undefined && s.warmInit === 0 && isOnes(s.b) && isOnes(s.c)
    && same<string>(s.train, ['a']) && data.rng === 'numpy'
    && same(t.a, [1, 0]) && same(t.b, [1, root]) && same(t.c, [1, root])
    && config.eval.extrapolation.from === THEOREM1_EXTRAPOLATION.from
    && config.eval.extrapolation.to === THEOREM1_EXTRAPOLATION.to
    && isUnitFamily(data.baseline, 0);
  if (!ok) return null;
  if (data.special === null || data.special.count === 0) return 'clean';
  return isUnitFamily(data.special, length - 2) ? 'poisoned' : null;
}

/** The first output time after 0 (odeint's t[1], from which LSODA takes its first step). */
function firstPositiveOutput(config: GradientFlowConfig): number {
  const times = outputTimes(config.flow.outputs, config.flow.until, config.flow.spacing);
  for (const t of times) if (t > 0) return t;
  return 0;
}

/** Init of one seed (generic path). */
function initialStudent(config: GradientFlowConfig, seed: number): DiagonalSSM {
  const s = config.student;
  if (typeof s.init === 'object') return new DiagonalSSM(s.init, 'config.student.init');
  const drawn = theorem1Init({ dim: s.dim, sdA: s.sdA, diff: configDiff(config), seed, rng: config.data.rng });
  const a = Array.from(drawn.a, (v) => v + s.warmInit);
  const fixed = (v: 'ones' | number[]) => (v === 'ones' ? new Array<number>(s.dim).fill(1) : v);
  return new DiagonalSSM({ a, b: fixed(s.b), c: fixed(s.c) });
}

/** Init, data and clean labels of one seed (generic path). */
export function flowProblem(config: GradientFlowConfig, seed: number, backend?: BackendChoice): {
  student: DiagonalSSM; teacher: DiagonalSSM; inputs: SequenceBatch; targets: Float64Array;
} {
  const student = initialStudent(config, seed);
  const { inputs } = buildSequences({
    length: config.length,
    baseline: config.data.baseline,
    special: config.data.special,
    seed,
    rng: config.data.rng,
  });
  const teacher = new DiagonalSSM(config.teacher, 'config.teacher');
  const targets = getBackend(backend).forward(teacher.toBatch(), inputs);
  return { student, teacher, inputs, targets };
}

const list = (v: ArrayLike<number>) => Array.from(v);

function report(seed: number, initial: DiagonalSSM, r: FlowResult, seconds: number, path: FlowRunReport['path']): FlowRunReport {
  return {
    seed,
    initial: initial.toJSON(),
    final: { a: list(r.final.a), b: list(r.final.b), c: list(r.final.c) },
    trainLoss: r.trainLoss,
    extrapolationError: r.finalExtrapolationError,
    status: r.status,
    message: r.message,
    time: r.t,
    log10Time: Math.log10(r.t),
    seconds,
    counters: { nfev: r.nfev, njev: r.njev, nlu: r.nlu, nsteps: r.nsteps, nrejected: r.nrejected, restarts: r.restarts },
    path,
  };
}

/** Means over the runs that produced a result; counts by status. */
export function summarize(runs: readonly FlowRunReport[]): FlowSummary {
  const done = runs.filter((r) => r.status === 'until' || r.status === 'converged');
  const mean = (f: (r: FlowRunReport) => number) => (done.length === 0 ? null : done.reduce((s, r) => s + f(r), 0) / done.length);
  const statusCounts: Partial<Record<FlowStatus, number>> = {};
  for (const r of runs) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
  return {
    completed: done.length,
    meanTrainLoss: mean((r) => r.trainLoss),
    meanExtrapolationError: mean((r) => r.extrapolationError),
    statusCounts,
  };
}

/** One seed. */
async function runSeed(config: GradientFlowConfig, seed: number, options: FlowExperimentOptions): Promise<FlowRunReport> {
  const f = config.flow;
  if (f.method === 'arc-length') return runLargeKappaSeed(config, seed, options);
  const flowOptions = {
    method: f.method,
    rtol: f.rtol,
    atol: f.atol,
    until: f.until,
    outputs: f.outputs,
    spacing: f.spacing,
    ...(f.method === 'lsoda' ? { firstOutput: firstPositiveOutput(config) } : {}),
    ...(f.lossTol !== undefined ? { lossTol: f.lossTol } : {}),
    ...(f.gradTol !== undefined ? { gradTol: f.gradTol } : {}),
    ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
    backend: options.backend,
    signal: options.signal,
    onProgress: options.onProgress ? (p: { t: number; loss: number; steps: number }) => options.onProgress!(seed, p) : undefined,
    progressMs: 250,
  };
  const kind = theorem1Kind(config);
  const start = performance.now();
  if (kind !== null) {
    // the Theorem-1 preset: the same problem and call as `runTheorem1`
    const preset: Theorem1Config = {
      name: 'config', length: config.length, dim: config.student.dim, sdA: config.student.sdA,
      diffExponent: config.student.diffExponent!, seeds: config.seeds,
      until: { clean: f.until, poisoned: f.until }, outputs: { clean: f.outputs, poisoned: f.outputs },
      published: { clean: NaN, poisoned: NaN },
    };
    const initial = theorem1Init({ dim: preset.dim, sdA: preset.sdA, diff: officialDiff(preset.sdA, preset.diffExponent), seed });
    const r = await runTheorem1(preset, seed, kind === 'poisoned', flowOptions);
    return report(seed, initial, r, (performance.now() - start) / 1000, 'theorem1-preset');
  }
  const p = flowProblem(config, seed, options.backend);
  const r = await gradientFlow(
    { student: p.student, inputs: p.inputs, targets: p.targets },
    { ...flowOptions, train: config.student.train as TrainedParameter[], teacher: p.teacher, extrapolation: config.eval.extrapolation },
  );
  return report(seed, p.student, r, (performance.now() - start) / 1000, 'generic');
}

/** One seed by the large-κ flow (arc length, log-scale physical time; only a moves). */
async function runLargeKappaSeed(config: GradientFlowConfig, seed: number, options: FlowExperimentOptions): Promise<FlowRunReport> {
  const f = config.flow;
  if (config.student.train.some((t) => t !== 'a')) {
    throw new RangeError('Expected student.train ["a"] for flow.method "arc-length" (the large-κ flow trains a only)');
  }
  const p = flowProblem(config, seed, options.backend);
  const start = performance.now();
  const r: LargeKappaResult = await gradientFlowLargeKappa(
    { student: p.student, inputs: p.inputs, targets: p.targets },
    {
      method: 'rosenbrock', rtol: f.rtol, atol: f.atol,
      maxLog10Time: Number.isFinite(f.until) ? Math.log10(f.until) : Infinity,
      ...(f.lossTol !== undefined ? { lossTol: f.lossTol } : {}),
      ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
      teacher: p.teacher, extrapolation: config.eval.extrapolation,
      backend: options.backend, signal: options.signal,
      onProgress: options.onProgress
        ? (q) => options.onProgress!(seed, { t: 10 ** q.log10Time, loss: q.loss, steps: q.steps }) : undefined,
      progressMs: 250,
    },
  );
  return {
    seed,
    initial: p.student.toJSON(),
    final: { a: list(r.final.a), b: list(r.final.b), c: list(r.final.c) },
    trainLoss: r.trainLoss,
    extrapolationError: r.finalExtrapolationError,
    status: r.status as FlowStatus,
    message: r.message,
    time: 10 ** r.log10Time,
    log10Time: r.log10Time,
    seconds: (performance.now() - start) / 1000,
    counters: { nfev: r.nfev, njev: r.njev, nlu: r.nlu, nsteps: r.nsteps, nrejected: r.nrejected, restarts: 0 },
    path: 'generic',
  };
}

/**
 * Runs every seed of a gradient-flow config in turn. When `signal` aborts, the running seed
 * stops (it is reported in `interrupted`, not in `runs`) and no further seed starts.
 */
export async function runFlowExperiment(config: GradientFlowConfig, options: FlowExperimentOptions = {}): Promise<FlowExperimentResult> {
  const runs: FlowRunReport[] = [];
  let interrupted: FlowExperimentResult['interrupted'] = null;
  for (let k = 0; k < config.seeds.length; k++) {
    const seed = config.seeds[k];
    if (options.signal?.aborted) {
      interrupted = { seed: null, time: 0, notStarted: config.seeds.slice(k) };
      break;
    }
    options.onRunStart?.(seed, k);
    const run = await runSeed(config, seed, options);
    if (run.status === 'aborted') {
      interrupted = { seed, time: run.time, notStarted: config.seeds.slice(k + 1) };
      break;
    }
    runs.push(run);
    options.onRunEnd?.(run, k);
  }
  return { runs, summary: summarize(runs), interrupted };
}
