/**
 * Gradient flow da/dt = −∇L(a) (SPEC §6): the typed API over the core's integrators, in
 * the native addon or its WebAssembly build (options.backend; automatic: native, then
 * wasm). `gradientFlowSync` runs on the calling thread (short runs); `gradientFlow`
 * returns a Promise, with throttled progress and AbortSignal cancellation (the partial
 * result comes back with status 'aborted'); it runs off the main thread (native: the libuv
 * pool; wasm: a worker thread).
 */
import type { SequenceBatch } from './backends/backend';
import { type BackendChoice } from './backends/loader';
import type { NativeFlowConfig, NativeFlowResult, RunAddon } from './backends/addon-types';
import { requireRunAddon } from './backends/run-addon';
import { checkJobControl, runNativeJob } from './native-job';
import { DiagonalSSM, type DiagonalSSMParams, toSequences } from './model';
import {
  checkFiniteNumber,
  checkInteger,
  checkObject,
  rangeError,
  toVector,
  typeError,
} from './validate';

export type FlowMethod = 'auto' | 'dopri5' | 'rosenbrock' | 'lsoda';
export type TrainedParameter = 'a' | 'b' | 'c' | 'mlp';

/** How a run ended. */
export type FlowStatus =
  | 'converged' // the loss or gradient-norm test stopped it
  | 'until' // it reached the end time
  | 'step-too-small'
  | 'max-steps'
  | 'non-finite'
  | 'singular'
  | 'aborted';

export interface FlowProblem {
  /** Initial parameters. */
  student: DiagonalSSM | DiagonalSSMParams;
  /** Training sequences (rows or a SequenceBatch). */
  inputs: unknown;
  /** Labels (N). */
  targets: ArrayLike<number>;
  /** The MLP head's initial weights (with options.mlp): D_1, D_2 … D_depth, D_out flat. */
  mlpWeights?: ArrayLike<number>;
}

export interface GradientFlowOptions {
  method?: FlowMethod;
  rtol?: number;
  atol?: number;
  firstStep?: number;
  /** The first output time after 0 (default 0: `until`); 'lsoda' takes its initial step
   * from it, as SciPy's odeint does from t[1]. */
  firstOutput?: number;
  maxStep?: number;
  maxSteps?: number;
  /** End time (default Infinity: run until convergence). */
  until?: number;
  /** Stop when the loss falls to lossTol (default 1e−24 when until is Infinity, else off). */
  lossTol?: number;
  /** Stop when ‖∇L‖ falls to gradTol (default off). */
  gradTol?: number;
  /** Output times: a count (spaced by `spacing` over [0, until]) or explicit times. */
  outputs?: number | readonly number[];
  /** 'linear' (includes 0) or 'log' (from until·1e−6 to until); default 'linear'. */
  spacing?: 'linear' | 'log';
  /** Which parameters move (default ['a']); 'mlp' with a head. */
  train?: readonly TrainedParameter[];
  /** An MLP head after the SSM (SPEC §1); the problem gives its mlpWeights. */
  mlp?: { width: number; depth: number };
  /** Record b and c at the outputs too (a is always recorded). */
  recordBC?: boolean;
  /** Teacher for the extrapolation error at the outputs and at the end. */
  teacher?: DiagonalSSM | DiagonalSSMParams;
  /** Range of the extrapolation error (default { from: 0, to: 39 }). */
  extrapolation?: { from?: number; to?: number };
  /** 'native', 'native-portable' or 'wasm' (default: SSM_POISON_BACKEND, else automatic). */
  backend?: BackendChoice;
}

export interface AsyncFlowOptions extends GradientFlowOptions {
  signal?: AbortSignal;
  onProgress?: (p: { t: number; loss: number; steps: number }) => void;
  /** Minimum time between progress reports (default 100 ms). */
  progressMs?: number;
}

export interface FlowResult {
  status: FlowStatus;
  message: string;
  /** Times of the recorded outputs (those reached). */
  times: Float64Array;
  /** a at each output (rows of d). */
  a: Float64Array[];
  b?: Float64Array[];
  c?: Float64Array[];
  loss: Float64Array;
  gamma0: Float64Array;
  extrapolationError: Float64Array;
  final: { a: Float64Array; b: Float64Array; c: Float64Array; mlp?: Float64Array };
  /** Where the integration ended. */
  t: number;
  trainLoss: number;
  finalGamma0: number;
  finalExtrapolationError: number;
  gradNorm: number;
  nfev: number;
  njev: number;
  nlu: number;
  nsteps: number;
  nrejected: number;
  /** Clock restarts where steps fell below the round-off of t (the flow is autonomous). */
  restarts: number;
}

const METHODS: Record<FlowMethod, number> = { dopri5: 0, rosenbrock: 1, auto: 2, lsoda: 3 };
const TRAIN_BITS: Record<TrainedParameter, number> = { a: 1, b: 2, c: 4, mlp: 8 };
const STATUS: Record<number, FlowStatus> = {
  1: 'until',
  2: 'converged',
  [-1]: 'step-too-small',
  [-2]: 'max-steps',
  [-3]: 'non-finite',
  [-4]: 'singular',
  [-5]: 'aborted',
};
const OPTION_KEYS = [
  'method', 'rtol', 'atol', 'firstStep', 'firstOutput', 'maxStep', 'maxSteps', 'until', 'lossTol', 'gradTol', 'outputs',
  'spacing', 'train', 'recordBC', 'teacher', 'extrapolation', 'backend', 'mlp',
] as const;

function flowAddon(choice: BackendChoice | undefined): RunAddon {
  return requireRunAddon(choice, 'gradient flow').addon;
}

/** Output times: n points spaced linearly over [0, until] or logarithmically up to until. */
export function outputTimes(count: number, until: number, spacing: 'linear' | 'log' = 'linear'): Float64Array {
  checkInteger(count, 'outputs', 0, 1e7);
  const t = new Float64Array(count);
  if (count === 0) return t;
  if (!Number.isFinite(until)) throw rangeError('a finite until when outputs is a count', 'until', until);
  if (count === 1) {
    t[0] = until;
    return t;
  }
  if (spacing === 'linear') {
    // as numpy.linspace: start + k·step, the last point exactly `until`
    const step = until / (count - 1);
    for (let k = 0; k < count - 1; k++) t[k] = k * step;
  } else {
    const lo = Math.log10(until) - 6;
    const step = 6 / (count - 1);
    for (let k = 0; k < count - 1; k++) t[k] = 10 ** (lo + k * step);
  }
  t[count - 1] = until;
  return t;
}

function nativeConfig(problem: FlowProblem, options: GradientFlowOptions): NativeFlowConfig {
  checkObject(problem, 'problem', ['student', 'inputs', 'targets', 'mlpWeights']);
  checkObject(options, 'options', OPTION_KEYS);
  const student = problem.student instanceof DiagonalSSM ? problem.student : new DiagonalSSM(problem.student, 'student');
  const x: SequenceBatch = toSequences(problem.inputs);
  const targets = toVector(problem.targets, 'targets', x.count);
  const method = options.method ?? 'auto';
  if (!(method in METHODS)) throw rangeError('one of auto, dopri5, rosenbrock, lsoda', 'options.method', method);
  const rtol = options.rtol === undefined ? 1e-10 : checkFiniteNumber(options.rtol, 'options.rtol');
  if (!(rtol > 0 && rtol < 1)) throw rangeError('a number in (0, 1)', 'options.rtol', rtol);
  const atol = options.atol === undefined ? 1e-16 : checkFiniteNumber(options.atol, 'options.atol');
  if (!(atol > 0)) throw rangeError('a number > 0', 'options.atol', atol);
  const until = options.until === undefined ? Infinity : options.until;
  if (typeof until !== 'number') throw typeError('a number', 'options.until', until);
  if (!(until >= 0)) throw rangeError('a number ≥ 0', 'options.until', until);
  const lossTol = options.lossTol === undefined ? (Number.isFinite(until) ? 0 : 1e-24)
    : checkFiniteNumber(options.lossTol, 'options.lossTol');
  const gradTol = options.gradTol === undefined ? 0 : checkFiniteNumber(options.gradTol, 'options.gradTol');
  const firstOutput = options.firstOutput === undefined ? 0 : checkFiniteNumber(options.firstOutput, 'options.firstOutput');
  if (!(firstOutput >= 0)) throw rangeError('a number ≥ 0', 'options.firstOutput', firstOutput);
  if (!Number.isFinite(until) && !(lossTol > 0 || gradTol > 0)) {
    throw rangeError('a finite until, or lossTol or gradTol > 0', 'options.until', until);
  }
  const spacing = options.spacing ?? 'linear';
  if (spacing !== 'linear' && spacing !== 'log') throw rangeError('linear or log', 'options.spacing', spacing);
  let times: Float64Array;
  if (options.outputs === undefined) times = Number.isFinite(until) ? outputTimes(101, until, spacing) : new Float64Array(0);
  else if (typeof options.outputs === 'number') times = outputTimes(options.outputs, until, spacing);
  else times = Float64Array.from(toVector(options.outputs, 'options.outputs'));
  for (let k = 0; k < times.length; k++) {
    if (!(times[k] >= 0 && times[k] <= until) || (k > 0 && times[k] < times[k - 1])) {
      throw rangeError(`ascending times in [0, ${until}]`, `options.outputs[${k}]`, times[k]);
    }
  }
  const train = options.train ?? ['a'];
  if (!Array.isArray(train) || train.length === 0) throw typeError('a non-empty array of a, b, c', 'options.train', train);
  let bits = 0;
  for (const p of train) {
    if (!(p in TRAIN_BITS) || (p === 'mlp' && options.mlp === undefined)) {
      throw rangeError(options.mlp ? 'one of a, b, c, mlp' : 'one of a, b, c', 'options.train[]', p);
    }
    bits |= TRAIN_BITS[p as TrainedParameter];
  }
  const config: NativeFlowConfig = {
    dim: student.dim,
    count: x.count,
    length: x.length,
    a: student.a,
    b: student.b,
    c: student.c,
    x: x.x,
    targets,
    train: bits,
    ode: {
      method: METHODS[method],
      rtol,
      atol,
      firstStep: options.firstStep === undefined ? 0 : checkFiniteNumber(options.firstStep, 'options.firstStep'),
      maxStep: options.maxStep === undefined ? Infinity : options.maxStep,
      maxSteps: options.maxSteps === undefined ? 10_000_000 : checkInteger(options.maxSteps, 'options.maxSteps', 1),
      firstOutput,
    },
    until,
    lossTol,
    gradTol,
    outputTimes: times,
    record: { a: true, b: options.recordBC === true, c: options.recordBC === true },
  };
  if (options.mlp !== undefined) {
    const shape = checkObject(options.mlp, 'options.mlp', ['width', 'depth']);
    const width = checkInteger(shape.width, 'options.mlp.width', 1, 2 ** 20);
    const depth = checkInteger(shape.depth, 'options.mlp.depth', 1, 2 ** 20);
    const size = 2 * width + (depth - 1) * width * width;
    if (problem.mlpWeights === undefined) throw typeError(`${size} weights (options.mlp is set)`, 'problem.mlpWeights', problem.mlpWeights);
    config.mlp = { width, depth, weights: Float64Array.from(toVector(problem.mlpWeights, 'problem.mlpWeights', size)) };
  }
  if (options.teacher !== undefined) {
    const teacher = options.teacher instanceof DiagonalSSM ? options.teacher : new DiagonalSSM(options.teacher, 'teacher');
    const range = checkObject(options.extrapolation ?? {}, 'options.extrapolation', ['from', 'to']);
    const from = range.from === undefined ? 0 : checkInteger(range.from, 'options.extrapolation.from', 0);
    const to = range.to === undefined ? Math.max(from, 39) : checkInteger(range.to, 'options.extrapolation.to', from);
    Object.assign(config, { teacherA: teacher.a, teacherB: teacher.b, teacherC: teacher.c, extFrom: from, extTo: to });
  }
  return config;
}

function rows(data: Float64Array | undefined, d: number): Float64Array[] | undefined {
  if (!data) return undefined;
  const out: Float64Array[] = [];
  for (let k = 0; k * d < data.length; k++) out.push(data.subarray(k * d, (k + 1) * d));  // views of one buffer
  return out;
}

function toResult(r: NativeFlowResult, d: number): FlowResult {
  return {
    status: STATUS[r.status] ?? 'non-finite',
    message: r.message,
    times: r.times,
    a: rows(r.a, d) ?? [],
    ...(r.b ? { b: rows(r.b, d) } : {}),
    ...(r.c ? { c: rows(r.c, d) } : {}),
    loss: r.loss,
    gamma0: r.gamma0,
    extrapolationError: r.extrapolationError,
    final: { a: r.finalA, b: r.finalB, c: r.finalC, ...(r.finalMlp ? { mlp: r.finalMlp } : {}) },
    t: r.t,
    trainLoss: r.finalLoss,
    finalGamma0: r.finalGamma0,
    finalExtrapolationError: r.finalExtrapolationError,
    gradNorm: r.finalGradNorm,
    nfev: r.nfev,
    njev: r.njev,
    nlu: r.nlu,
    nsteps: r.nsteps,
    nrejected: r.nrejected,
    restarts: r.restarts,
  };
}

/** Integrates the gradient flow on the calling thread (for short runs). */
export function gradientFlowSync(problem: FlowProblem, options: GradientFlowOptions = {}): FlowResult {
  const config = nativeConfig(problem, options);
  return toResult(flowAddon(options.backend).gradientFlow(config), config.dim);
}

/** Integrates the gradient flow in a worker thread; abort with options.signal. */
export async function gradientFlow(problem: FlowProblem, options: AsyncFlowOptions = {}): Promise<FlowResult> {
  const { signal, onProgress, progressMs, ...rest } = options;
  const control = checkJobControl({ signal, onProgress, progressMs });
  const config = nativeConfig(problem, rest);
  const addon = flowAddon(rest.backend);
  const r = await runNativeJob(signal, (aborted) => addon.gradientFlowAsync(config, control.onProgress, control.interval, aborted));
  return toResult(r, config.dim);
}
