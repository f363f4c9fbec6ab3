/**
 * Gradient flow for large κ (SPEC §6, "large κ"): the same trajectory as `gradientFlow`
 * (da/dt = −∇L(a), only a trained, b and c fixed), integrated in arc length
 * ds = ‖∇L‖ dt with physical time tracked in log scale, and with powers, residual terms
 * and the gradient in scaled (mantissa + binary exponent) arithmetic, so runs whose
 * plateau lasts 10^4000 time units and whose gradients underflow float64 still converge.
 * Physical time is reported as `log10Time`. The method is in native/core/flow_scaled.cc.
 *
 * `gradientFlowLargeKappaSync` runs on the calling thread; `gradientFlowLargeKappa` returns
 * a Promise, with throttled progress and AbortSignal cancellation (the partial result comes
 * back with status 'aborted'); it runs off the main thread (native: the libuv pool; the
 * WebAssembly build — backend 'wasm', or automatic without the addon: a worker thread).
 */
import type { SequenceBatch } from './backends/backend';
import type { BackendChoice } from './backends/loader';
import type { NativeScaledFlowConfig, NativeScaledFlowResult, RunAddon, ScaledFlowProgress } from './backends/addon-types';
import { requireRunAddon } from './backends/run-addon';
import { SsmPoisonError } from './errors';
import type { FlowProblem } from './flow';
import { checkJobControl, runNativeJob } from './native-job';
import { DiagonalSSM, toSequences } from './model';
import { checkFiniteNumber, checkInteger, checkObject, rangeError, toVector, typeError } from './validate';

export type { ScaledFlowProgress } from './backends/addon-types';

/** Integrators usable in arc length ('rosenbrock', RODAS4 with the exact scaled Jacobian,
 * is the default; 'dopri5' is not stiff and fails honestly on poisoned runs). */
export type LargeKappaMethod = 'rosenbrock' | 'auto' | 'dopri5';

/** How a large-κ run ended. */
export type LargeKappaStatus =
  | 'converged' // the loss (or gradient-norm) test stopped it
  | 'until' // it reached maxLog10Time
  | 'stationary' // the gradient is exactly zero: the flow never leaves the state
  | 'step-too-small'
  | 'max-steps'
  | 'non-finite'
  | 'singular'
  | 'aborted';

export interface LargeKappaOptions {
  method?: LargeKappaMethod;
  /** Relative tolerance (default 1e−10); it also controls the physical time variable. */
  rtol?: number;
  /** Absolute tolerance on a (default 1e−16). */
  atol?: number;
  /** Step limits, in arc length (default: chosen by the solver / unbounded). */
  firstStep?: number;
  maxStep?: number;
  /** Accepted + rejected steps over all segments (default 1e6). */
  maxSteps?: number;
  /** Stop when L ≤ lossTol (default 1e−24 when maxLog10Time is Infinity, else off). */
  lossTol?: number;
  /** Stop when ‖∇L‖ ≤ gradTol, compared in log form so tiny values work (default off).
   * On a large-κ plateau ‖∇L‖ is astronomically small (~1e−184 at κ = 64 from sd_A = 1e−3
   * init), so a gradTol above that stops at once. */
  gradTol?: number;
  /** Stop at this log10 of physical time (default Infinity). */
  maxLog10Time?: number;
  /** Physical times (log10, ascending) at which to record a, loss, γ^(0), extrapolation error. */
  outputs?: readonly number[];
  /** Also record the state every `recordEvery` accepted steps (default 0: off) … */
  recordEvery?: number;
  /** … up to this many rows, the initial state first (default 10000). */
  maxRecords?: number;
  /** Segment restart when ln ‖∇L‖ drifts by more than this from the segment's scale
   * (natural log, default 50, range [1, 600]). */
  rescale?: number;
  /** Teacher for the extrapolation error at the outputs and at the end. */
  teacher?: DiagonalSSM | { a: ArrayLike<number>; b: ArrayLike<number>; c: ArrayLike<number> };
  /** Range of the extrapolation error (default { from: 0, to: 39 }). */
  extrapolation?: { from?: number; to?: number };
  /** 'native', 'native-portable' or 'wasm' (default: SSM_POISON_BACKEND, else automatic); 'js' is not supported. */
  backend?: BackendChoice;
}

export interface AsyncLargeKappaOptions extends LargeKappaOptions {
  signal?: AbortSignal;
  onProgress?: (p: ScaledFlowProgress) => void;
  /** Minimum time between progress reports (default 100 ms). */
  progressMs?: number;
}

export interface LargeKappaResult {
  status: LargeKappaStatus;
  message: string;
  converged: boolean;
  /** log10 of the physical time where the run ended (−Infinity at t = 0). */
  log10Time: number;
  /** Arc length ∫‖da‖ travelled. */
  arcLength: number;
  trainLoss: number;
  finalGamma0: number;
  /** NaN without a teacher. */
  finalExtrapolationError: number;
  /** log10 ‖∇L‖ at the end (−Infinity when exactly zero). */
  log10GradNorm: number;
  final: { a: Float64Array; b: Float64Array; c: Float64Array };
  /** At the requested physical times that were reached. */
  outputs: {
    log10Time: Float64Array;
    a: Float64Array[];
    loss: Float64Array;
    gamma0: Float64Array;
    extrapolationError: Float64Array;
    arcLength: Float64Array;
  };
  /** Every recordEvery-th accepted step (empty unless asked for). */
  history: {
    log10Time: Float64Array;
    arcLength: Float64Array;
    a: Float64Array[];
    loss: Float64Array;
    gamma0: Float64Array;
    extrapolationError: Float64Array;
    log10GradNorm: Float64Array;
    /** 1 where the step was on a slow manifold (a sequence's residual slaved), else 0. */
    constrained: Float64Array;
  };
  nfev: number;
  njev: number;
  nlu: number;
  nsteps: number;
  nrejected: number;
  /** Restarts of the autonomous system with a new time scale (see flow_scaled.cc). */
  segments: number;
  physicalSegments: number;
  constrainedSegments: number;
}

const METHODS: Record<LargeKappaMethod, number> = { dopri5: 0, rosenbrock: 1, auto: 2 };
const STATUS: Record<number, LargeKappaStatus> = {
  1: 'until',
  2: 'converged',
  [-1]: 'step-too-small',
  [-2]: 'max-steps',
  [-3]: 'non-finite',
  [-4]: 'singular',
  [-5]: 'aborted',
};
const OPTION_KEYS = [
  'method', 'rtol', 'atol', 'firstStep', 'maxStep', 'maxSteps', 'lossTol', 'gradTol', 'maxLog10Time', 'outputs',
  'recordEvery', 'maxRecords', 'rescale', 'teacher', 'extrapolation', 'backend',
] as const;

function scaledAddon(choice: BackendChoice | undefined): RunAddon {
  if (choice === 'js') {
    throw new SsmPoisonError(
      "The large-κ gradient flow is not supported by the js backend; use backend 'native', 'native-portable' or 'wasm'",
      'ERR_SSM_NOT_SUPPORTED',
    );
  }
  return requireRunAddon(choice, 'the large-κ gradient flow').addon;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const v = checkFiniteNumber(value, name);
  if (!(v > 0)) throw rangeError('a number > 0', name, v);
  return v;
}

function nativeConfig(problem: FlowProblem, options: LargeKappaOptions): NativeScaledFlowConfig {
  checkObject(problem, 'problem', ['student', 'inputs', 'targets']);
  checkObject(options, 'options', OPTION_KEYS);
  const student = problem.student instanceof DiagonalSSM ? problem.student : new DiagonalSSM(problem.student, 'student');
  const x: SequenceBatch = toSequences(problem.inputs);
  const targets = toVector(problem.targets, 'targets', x.count);
  const method = options.method ?? 'rosenbrock';
  if (typeof method !== 'string') throw typeError('one of rosenbrock, auto, dopri5', 'options.method', method);
  if (!Object.prototype.hasOwnProperty.call(METHODS, method)) {
    throw rangeError('one of rosenbrock, auto, dopri5', 'options.method', method);
  }
  const rtol = options.rtol === undefined ? 1e-10 : checkFiniteNumber(options.rtol, 'options.rtol');
  if (!(rtol > 0 && rtol < 1)) throw rangeError('a number in (0, 1)', 'options.rtol', rtol);
  const atol = positive(options.atol, 'options.atol', 1e-16);
  const firstStep = options.firstStep === undefined ? 0 : checkFiniteNumber(options.firstStep, 'options.firstStep');
  if (!(firstStep >= 0)) throw rangeError('a number ≥ 0 (0: automatic)', 'options.firstStep', firstStep);
  let maxStep = Infinity;
  if (options.maxStep !== undefined) {
    if (typeof options.maxStep !== 'number') throw typeError('a number', 'options.maxStep', options.maxStep);
    if (!(options.maxStep > 0)) throw rangeError('a number > 0', 'options.maxStep', options.maxStep);
    maxStep = options.maxStep;
  }
  const maxSteps = options.maxSteps === undefined ? 1_000_000 : checkInteger(options.maxSteps, 'options.maxSteps', 1);
  const maxLog10Time = options.maxLog10Time === undefined ? Infinity : options.maxLog10Time;
  if (typeof maxLog10Time !== 'number') throw typeError('a number', 'options.maxLog10Time', maxLog10Time);
  if (Number.isNaN(maxLog10Time) || maxLog10Time === -Infinity) {
    throw rangeError('a finite number or Infinity', 'options.maxLog10Time', maxLog10Time);
  }
  const lossTol = options.lossTol === undefined ? (Number.isFinite(maxLog10Time) ? 0 : 1e-24)
    : checkFiniteNumber(options.lossTol, 'options.lossTol');
  const gradTol = options.gradTol === undefined ? 0 : checkFiniteNumber(options.gradTol, 'options.gradTol');
  if (!Number.isFinite(maxLog10Time) && !(lossTol > 0 || gradTol > 0)) {
    throw rangeError('a finite maxLog10Time, or lossTol or gradTol > 0', 'options.maxLog10Time', maxLog10Time);
  }
  const times = options.outputs === undefined ? new Float64Array(0)
    : Array.isArray(options.outputs) && options.outputs.length === 0 ? new Float64Array(0)
      : Float64Array.from(toVector(options.outputs, 'options.outputs'));
  for (let k = 1; k < times.length; k++) {
    if (times[k] < times[k - 1]) throw rangeError('ascending log10 times', `options.outputs[${k}]`, times[k]);
  }
  const recordEvery = options.recordEvery === undefined ? 0 : checkInteger(options.recordEvery, 'options.recordEvery', 0, 1e9);
  const maxRecords = options.maxRecords === undefined ? (recordEvery > 0 ? 10_000 : 0)
    : checkInteger(options.maxRecords, 'options.maxRecords', 0, 1e6);
  let rescale = 0;
  if (options.rescale !== undefined) {
    rescale = checkFiniteNumber(options.rescale, 'options.rescale');
    if (!(rescale >= 1 && rescale <= 600)) throw rangeError('a number in [1, 600]', 'options.rescale', rescale);
  }
  const config: NativeScaledFlowConfig = {
    dim: student.dim,
    count: x.count,
    length: x.length,
    a: student.a,
    b: student.b,
    c: student.c,
    x: x.x,
    targets,
    ode: { method: METHODS[method as LargeKappaMethod], rtol, atol, firstStep, maxStep, maxSteps },
    lossTol,
    gradTol,
    maxLog10Time,
    rescale,
    outputLog10Times: times,
    recordEvery,
    maxRecords,
  };
  if (options.teacher !== undefined) {
    const teacher = options.teacher instanceof DiagonalSSM ? options.teacher : new DiagonalSSM(options.teacher, 'teacher');
    const range = checkObject(options.extrapolation ?? {}, 'options.extrapolation', ['from', 'to']);
    const from = range.from === undefined ? 0 : checkInteger(range.from, 'options.extrapolation.from', 0, 1e7);
    const to = range.to === undefined ? Math.max(from, 39) : checkInteger(range.to, 'options.extrapolation.to', from, 1e7);
    Object.assign(config, { teacherA: teacher.a, teacherB: teacher.b, teacherC: teacher.c, extFrom: from, extTo: to });
  } else if (options.extrapolation !== undefined) {
    throw rangeError('a teacher together with options.extrapolation', 'options.teacher', options.teacher);
  }
  return config;
}

function rows(data: Float64Array, d: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let k = 0; (k + 1) * d <= data.length; k++) out.push(data.slice(k * d, (k + 1) * d));
  return out;
}

function toResult(r: NativeScaledFlowResult, config: NativeScaledFlowConfig): LargeKappaResult {
  const d = config.dim;
  let status: LargeKappaStatus = STATUS[r.status] ?? 'non-finite';
  if (r.stationary) status = 'stationary';
  if (status === 'converged' && !r.converged) status = 'non-finite'; // never claim what was not tested
  return {
    status,
    message: r.message,
    converged: status === 'converged',
    log10Time: r.finalLog10Time,
    arcLength: r.finalArcLength,
    trainLoss: r.finalLoss,
    finalGamma0: r.finalGamma0,
    finalExtrapolationError: r.finalExtrapolationError,
    log10GradNorm: r.finalLog10GradNorm,
    final: { a: r.finalA, b: config.b.slice(), c: config.c.slice() },
    outputs: {
      log10Time: r.log10Times,
      a: rows(r.a, d),
      loss: r.loss,
      gamma0: r.gamma0,
      extrapolationError: r.extrapolationError,
      arcLength: r.arcLength,
    },
    history: {
      log10Time: r.recLog10Time,
      arcLength: r.recArcLength,
      a: rows(r.recA, d),
      loss: r.recLoss,
      gamma0: r.recGamma0,
      extrapolationError: r.recExtrapolationError,
      log10GradNorm: r.recLog10GradNorm,
      constrained: r.recConstrained,
    },
    nfev: r.nfev,
    njev: r.njev,
    nlu: r.nlu,
    nsteps: r.nsteps,
    nrejected: r.nrejected,
    segments: r.segments,
    physicalSegments: r.physicalSegments,
    constrainedSegments: r.constrainedSegments,
  };
}

/** The large-κ gradient flow on the calling thread (milliseconds for Theorem-1 problems). */
export function gradientFlowLargeKappaSync(problem: FlowProblem, options: LargeKappaOptions = {}): LargeKappaResult {
  const config = nativeConfig(problem, options);
  return toResult(scaledAddon(options.backend).gradientFlowScaled(config), config);
}

/** The large-κ gradient flow in a worker thread; abort with options.signal. */
export async function gradientFlowLargeKappa(problem: FlowProblem, options: AsyncLargeKappaOptions = {}): Promise<LargeKappaResult> {
  const { signal, onProgress, progressMs, ...rest } = options;
  const control = checkJobControl({ signal, onProgress, progressMs });
  const config = nativeConfig(problem, rest);
  const addon = scaledAddon(rest.backend);
  const r = await runNativeJob(signal, (aborted) => addon.gradientFlowScaledAsync(config, control.onProgress, control.interval, aborted));
  return toResult(r, config);
}
