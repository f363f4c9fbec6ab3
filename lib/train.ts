/**
 * Gradient-descent training (SPEC §5): the typed API over the core's training loops, in
 * the native addon or its WebAssembly build (options.backend; automatic: native, then
 * wasm). One call trains several students (e.g. one per seed, each with its own data);
 * every epoch runs in the core. `trainSync` runs on the calling thread; `train` returns a
 * Promise, with throttled progress and AbortSignal cancellation (partial logs come back
 * with status 'aborted'); it runs off the main thread (native: the libuv pool; wasm: a
 * worker thread).
 */
import type { SequenceBatch } from './backends/backend';
import type { BackendChoice } from './backends/loader';
import type { NativeTrainConfig, NativeTrainResult, RunAddon } from './backends/addon-types';
import { requireRunAddon } from './backends/run-addon';
import { checkJobControl, runNativeJob } from './native-job';
import { DiagonalSSM, type DiagonalSSMParams, toSequences } from './model';
import { checkFiniteNumber, checkInteger, checkObject, rangeError, toVector, typeError } from './validate';

export type OptimizerKind = 'gd' | 'adaptive' | 'adam';
export type TrainStatus = 'converged' | 'max-epochs' | 'diverged' | 'aborted';

export interface OptimizerOptions {
  kind: OptimizerKind;
  lr: number;
  /** adaptive: averaging factor β (default 0.8) and soft constant (default 1e−6). */
  beta?: number;
  soft?: number;
  /** adam (Keras defaults): β1 0.9, β2 0.999, ε 1e−7. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 decay λ: λ‖θ‖² is added to the loss of every trained tensor (default 0). */
  weightDecay?: number;
}

export interface TrainProblem {
  student: DiagonalSSM | DiagonalSSMParams;
  inputs: unknown;
  targets: ArrayLike<number>;
  /** The MLP head's initial weights (with options.mlp): D_1, D_2 … D_depth, D_out flat. */
  mlpWeights?: ArrayLike<number>;
  /** Test sequences and their labels for the relative test error (SPEC §7). */
  test?: { inputs: unknown; targets: ArrayLike<number> };
}

/** An MLP head after the SSM (SPEC §1): width m, depth ≥ 1, ReLU, no biases. */
export interface MlpShape {
  width: number;
  depth: number;
}

export interface TrainOptions {
  optimizer: OptimizerOptions;
  /** Which parameters move (default a, b, c, and mlp with a head). */
  train?: readonly ('a' | 'b' | 'c' | 'mlp')[];
  /** An MLP head after the SSM; each problem then gives its mlpWeights. */
  mlp?: MlpShape;
  /** Set b and c to ones at the end of every epoch (official fix_B_C; they still count as trained tensors). */
  fixBC?: boolean;
  /** Minibatch size (default: full batch); rows shuffled every epoch with batchSeed. */
  batchSize?: number;
  batchSeed?: number;
  /** Stop once an epoch's train loss is ≤ eps (default 0: only maxEpochs stops). */
  eps?: number;
  /** Epochs after the stop (the official code runs 1500 or 5000). */
  epochsAfterStop?: number;
  /** Cap on all epochs (default 1 000 000). */
  maxEpochs?: number;
  /** Log every this many epochs (default 100). */
  logEvery?: number;
  /** For the extrapolation error in the logs and at the end. */
  teacher?: DiagonalSSM | DiagonalSSMParams;
  extrapolation?: { from?: number; to?: number };
  backend?: BackendChoice;
}

export interface AsyncTrainOptions extends TrainOptions {
  signal?: AbortSignal;
  /** The slowest student's epoch and loss. */
  onProgress?: (p: { epoch: number; loss: number }) => void;
  progressMs?: number;
}

/** One logged epoch e: the state θ_{e+1} it ends with (as the official LoggingCallback logs
 * it) and the step that produced it. */
export interface TrainLogRow {
  epoch: number;
  trainLoss: number;
  extrapolationError: number;
  /** |a| sorted descending. */
  absA: Float64Array;
  effectiveRank: number;
  /** γ^(k), k = 0 … κ−2 (Proposition 1). */
  gamma: Float64Array;
  learningRate: number;
  /** The adaptive rule's sum of per-tensor Frobenius norms (0 for other optimizers). */
  gradNorm: number;
  /** ‖ŷ − y*‖₂/‖y*‖₂ on the test set (NaN without one). */
  testError: number;
}

export interface TrainLog {
  epoch: Float64Array;
  trainLoss: Float64Array;
  extrapolationError: Float64Array;
  absA: Float64Array[];
  effectiveRank: Float64Array;
  gamma: Float64Array[];
  learningRate: Float64Array;
  gradNorm: Float64Array;
  testError: Float64Array;
}

export interface TrainRun {
  status: TrainStatus;
  /** Epochs run. */
  epochs: number;
  /** The epoch after whose step the train loss reached eps (null: never), as the official
   * StoppingCallback tests it. */
  stopEpoch: number | null;
  /** The epoch whose step produced a non-finite loss or parameter (null unless diverged;
   * 0 also when the initial loss is not finite); final holds the last finite parameters. */
  divergedEpoch: number | null;
  final: {
    a: Float64Array; b: Float64Array; c: Float64Array; mlp?: Float64Array;
    trainLoss: number; extrapolationError: number; testError: number;
  };
  /** What the official code reports: the last row logged after the stop (null if none). */
  reported: TrainLogRow | null;
  log: TrainLog;
  logsDropped: number;
}

const OPTIMIZERS: Record<OptimizerKind, number> = { gd: 0, adaptive: 1, adam: 2 };
const STATUS: Record<number, TrainStatus> = { 1: 'converged', 2: 'max-epochs', [-1]: 'diverged', [-5]: 'aborted' };
const TRAIN_BITS = { a: 1, b: 2, c: 4, mlp: 8 } as const;
const OPTION_KEYS = [
  'optimizer', 'train', 'fixBC', 'batchSize', 'batchSeed', 'eps', 'epochsAfterStop', 'maxEpochs', 'logEvery',
  'teacher', 'extrapolation', 'backend', 'mlp',
] as const;
/** Log rows kept per student at most (a run that would log more drops the rest, counted). */
const MAX_LOG_ROWS = 1_000_000;

function positive(value: unknown, name: string): number {
  const v = checkFiniteNumber(value, name);
  if (!(v > 0)) throw rangeError('a number > 0', name, v);
  return v;
}

function unitInterval(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const v = checkFiniteNumber(value, name);
  if (!(v >= 0 && v < 1)) throw rangeError('a number in [0, 1)', name, v);
  return v;
}

function optimizerConfig(value: unknown): NativeTrainConfig['optimizer'] {
  const o = checkObject(value, 'options.optimizer', ['kind', 'lr', 'beta', 'soft', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
  if (!(typeof o.kind === 'string' && o.kind in OPTIMIZERS)) throw rangeError('one of gd, adaptive, adam', 'options.optimizer.kind', o.kind);
  const nonNegative = (v: unknown, fallback: number, name: string) => {
    if (v === undefined) return fallback;
    const x = checkFiniteNumber(v, name);
    if (!(x >= 0)) throw rangeError('a number ≥ 0', name, x);
    return x;
  };
  return {
    kind: OPTIMIZERS[o.kind as OptimizerKind],
    lr: positive(o.lr, 'options.optimizer.lr'),
    beta: unitInterval(o.beta, 0.8, 'options.optimizer.beta'),
    soft: nonNegative(o.soft, 1e-6, 'options.optimizer.soft'),
    beta1: unitInterval(o.beta1, 0.9, 'options.optimizer.beta1'),
    beta2: unitInterval(o.beta2, 0.999, 'options.optimizer.beta2'),
    epsilon: o.epsilon === undefined ? 1e-7 : positive(o.epsilon, 'options.optimizer.epsilon'),
    weightDecay: nonNegative(o.weightDecay, 0, 'options.optimizer.weightDecay'),
  };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

function nativeConfig(problems: readonly TrainProblem[], options: TrainOptions): NativeTrainConfig {
  if (!Array.isArray(problems) || problems.length === 0) throw typeError('a non-empty array of problems', 'problems', problems);
  checkObject(options, 'options', OPTION_KEYS);
  const students: DiagonalSSM[] = [];
  const inputs: SequenceBatch[] = [];
  const targets: Float64Array[] = [];
  problems.forEach((p, s) => {
    checkObject(p, `problems[${s}]`, ['student', 'inputs', 'targets', 'mlpWeights', 'test']);
    const m = p.student instanceof DiagonalSSM ? p.student : new DiagonalSSM(p.student, `problems[${s}].student`);
    const x = toSequences(p.inputs, `problems[${s}].inputs`);
    if (s > 0 && (m.dim !== students[0].dim || x.count !== inputs[0].count || x.length !== inputs[0].length)) {
      throw rangeError(`a student of dim ${students[0].dim} and ${inputs[0].count} sequences of length ${inputs[0].length} like problems[0]`,
        `problems[${s}]`, `dim ${m.dim}, ${x.count} sequences of length ${x.length}`);
    }
    students.push(m);
    inputs.push(x);
    targets.push(Float64Array.from(toVector(p.targets, `problems[${s}].targets`, x.count)));
  });
  const fixBC = options.fixBC === undefined ? false : options.fixBC;
  if (typeof fixBC !== 'boolean') throw typeError('a boolean', 'options.fixBC', fixBC);
  const trained = options.train ?? (options.mlp ? ['a', 'b', 'c', 'mlp'] : ['a', 'b', 'c']);
  if (!Array.isArray(trained) || (trained.length === 0 && !fixBC)) throw typeError('a non-empty array of a, b, c', 'options.train', trained);
  let bits = 0;
  for (const t of trained) {
    if (!(t in TRAIN_BITS) || (t === 'mlp' && !options.mlp)) throw rangeError(options.mlp ? 'one of a, b, c, mlp' : 'one of a, b, c', 'options.train[]', t);
    bits |= TRAIN_BITS[t as keyof typeof TRAIN_BITS];
  }
  const maxEpochs = options.maxEpochs === undefined ? 1_000_000 : checkInteger(options.maxEpochs, 'options.maxEpochs', 1, 2 ** 52);
  const logEvery = options.logEvery === undefined ? 100 : checkInteger(options.logEvery, 'options.logEvery', 1, 2 ** 52);
  const after = options.epochsAfterStop === undefined ? 0 : checkInteger(options.epochsAfterStop, 'options.epochsAfterStop', 0, 2 ** 52);
  const eps = options.eps === undefined ? 0 : checkFiniteNumber(options.eps, 'options.eps');
  if (!(eps >= 0)) throw rangeError('a number ≥ 0', 'options.eps', eps);
  const n = students.length;
  const d = students[0].dim;
  const config: NativeTrainConfig = {
    students: n, dim: d, count: inputs[0].count, length: inputs[0].length,
    a: concat(students.map((m) => m.a)), b: concat(students.map((m) => m.b)), c: concat(students.map((m) => m.c)),
    x: concat(inputs.map((x) => x.x)), targets: concat(targets),
    train: bits, fixBC,
    optimizer: optimizerConfig(options.optimizer),
    batchSize: options.batchSize === undefined ? 0 : checkInteger(options.batchSize, 'options.batchSize', 1, 2 ** 31),
    batchSeed: options.batchSeed === undefined ? 0 : checkInteger(options.batchSeed, 'options.batchSeed', 0, 0xffffffff),
    eps, maxEpochs, epochsAfterStop: after, logEvery,
    // rows: one per logEvery epochs before the stop, one per logEvery after it
    maxLogs: Math.min(MAX_LOG_ROWS, Math.floor((maxEpochs - 1) / logEvery) + 1 + Math.ceil(after / logEvery) + 1),
  };
  if (options.mlp !== undefined) {
    const shape = checkObject(options.mlp, 'options.mlp', ['width', 'depth']);
    const width = checkInteger(shape.width, 'options.mlp.width', 1, 2 ** 20);
    const depth = checkInteger(shape.depth, 'options.mlp.depth', 1, 2 ** 20);
    const size = mlpSize(width, depth);
    config.mlp = {
      width, depth,
      weights: concat(problems.map((p, s) => {
        if (p.mlpWeights === undefined) throw typeError(`${size} weights (options.mlp is set)`, `problems[${s}].mlpWeights`, p.mlpWeights);
        return Float64Array.from(toVector(p.mlpWeights, `problems[${s}].mlpWeights`, size));
      })),
    };
  }
  if (problems.some((p) => p.test !== undefined)) {
    const sets = problems.map((p, s) => {
      const t = checkObject(p.test, `problems[${s}].test`, ['inputs', 'targets']);
      const x = toSequences(t.inputs, `problems[${s}].test.inputs`);
      return { x, y: Float64Array.from(toVector(t.targets, `problems[${s}].test.targets`, x.count)) };
    });
    sets.forEach((t, s) => {
      if (t.x.count !== sets[0].x.count || t.x.length !== sets[0].x.length) {
        throw rangeError(`${sets[0].x.count} test sequences of length ${sets[0].x.length} like problems[0]`, `problems[${s}].test.inputs`, `${t.x.count} of length ${t.x.length}`);
      }
    });
    Object.assign(config, {
      testCount: sets[0].x.count, testLength: sets[0].x.length,
      testX: concat(sets.map((t) => t.x.x)), testTargets: concat(sets.map((t) => t.y)),
    });
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

function rows(data: Float64Array | undefined, start: number, count: number, width: number): Float64Array[] {
  const out: Float64Array[] = [];
  if (!data || width === 0) return out;
  for (let k = 0; k < count; k++) out.push(data.subarray((start + k) * width, (start + k + 1) * width));
  return out;
}

function toRuns(r: NativeTrainResult, config: NativeTrainConfig): TrainRun[] {
  const { dim: d, length: K, maxLogs: M } = config;
  const runs: TrainRun[] = [];
  for (let s = 0; s < config.students; s++) {
    const count = r.logCount[s];
    const slice = (v: Float64Array | undefined) => (v ? v.subarray(s * M, s * M + count) : new Float64Array(0));
    const log: TrainLog = {
      epoch: slice(r.logEpoch),
      trainLoss: slice(r.logLoss),
      extrapolationError: slice(r.logExtrapolationError),
      absA: rows(r.logAbsA, s * M, count, d),
      effectiveRank: slice(r.logEffectiveRank),
      gamma: rows(r.logGamma, s * M, count, K - 1),
      learningRate: slice(r.logLearningRate),
      gradNorm: slice(r.logGradNorm),
      testError: r.logTestError ? slice(r.logTestError) : new Float64Array(count).fill(NaN),
    };
    const k = r.reported[s];
    runs.push({
      status: STATUS[r.status[s]] ?? 'diverged',
      epochs: r.epochs[s],
      stopEpoch: r.stopEpoch[s] >= 0 ? r.stopEpoch[s] : null,
      divergedEpoch: r.divergedEpoch[s] >= 0 ? r.divergedEpoch[s] : null,
      final: {
        a: r.finalA.slice(s * d, (s + 1) * d), b: r.finalB.slice(s * d, (s + 1) * d), c: r.finalC.slice(s * d, (s + 1) * d),
        ...(r.finalMlp && config.mlp ? { mlp: r.finalMlp.slice(s * mlpSize(config.mlp.width, config.mlp.depth), (s + 1) * mlpSize(config.mlp.width, config.mlp.depth)) } : {}),
        trainLoss: r.finalLoss[s], extrapolationError: r.finalExtrapolationError[s],
        testError: r.finalTestError ? r.finalTestError[s] : NaN,
      },
      reported: k >= 0 && k < count ? {
        epoch: log.epoch[k], trainLoss: log.trainLoss[k], extrapolationError: log.extrapolationError[k], absA: log.absA[k],
        effectiveRank: log.effectiveRank[k], gamma: log.gamma[k] ?? new Float64Array(0), learningRate: log.learningRate[k],
        gradNorm: log.gradNorm[k], testError: log.testError[k],
      } : null,
      log,
      logsDropped: r.logsDropped[s],
    });
  }
  return runs;
}

function trainAddon(choice: BackendChoice | undefined): RunAddon {
  return requireRunAddon(choice, 'training').addon;
}

/** Trains every problem's student on the calling thread (for short runs). */
export function trainSync(problems: readonly TrainProblem[], options: TrainOptions): TrainRun[] {
  const config = nativeConfig(problems, options);
  return toRuns(trainAddon(options.backend).train(config), config);
}

/** Trains every problem's student off the main thread; abort with options.signal. */
export async function train(problems: readonly TrainProblem[], options: AsyncTrainOptions): Promise<TrainRun[]> {
  const { signal, onProgress, progressMs, ...rest } = options;
  const control = checkJobControl({ signal, onProgress, progressMs });
  const config = nativeConfig(problems, rest);
  const addon = trainAddon(rest.backend);
  return toRuns(await runNativeJob(signal, (aborted) => addon.trainAsync(config, control.onProgress, control.interval, aborted)), config);
}

/** ‖∂L/∂A‖_F of the full recurrent kernel from e (SPEC §2), as the adaptive rule computes it. */
export function kernelGradNormFast(model: DiagonalSSMParams | DiagonalSSM, e: ArrayLike<number>, backend?: BackendChoice): number {
  const m = model instanceof DiagonalSSM ? model : new DiagonalSSM(model, 'model');
  return trainAddon(backend).kernelGradNormFast(m.a, m.b, m.c, Float64Array.from(toVector(e, 'e')));
}

/** Number of weights of an MLP head: D_1 (m), D_2 … D_depth (m×m each), D_out (m). */
export function mlpSize(width: number, depth: number): number {
  return 2 * width + (depth - 1) * width * width;
}

/** The head's outputs for SSM outputs z (native, the same arithmetic as training). */
export function mlpPredict(shape: MlpShape, weights: ArrayLike<number>, z: ArrayLike<number>, backend?: BackendChoice): Float64Array {
  const s = checkObject(shape, 'shape', ['width', 'depth']);
  const width = checkInteger(s.width, 'shape.width', 1, 2 ** 20);
  const depth = checkInteger(s.depth, 'shape.depth', 1, 2 ** 20);
  return trainAddon(backend).mlpPredict(width, depth, Float64Array.from(toVector(weights, 'weights', mlpSize(width, depth))),
    Float64Array.from(toVector(z, 'z')));
}

/** The paper's teacher MLP: D_1 = 1ᵀ, D_k = I, D_out = 0.5·1. */
export function officialTeacherMlp(shape: MlpShape): Float64Array {
  const { width: m, depth } = shape;
  const w = new Float64Array(mlpSize(m, depth));
  for (let j = 0; j < m; j++) w[j] = 1;
  for (let k = 1; k < depth; k++) for (let j = 0; j < m; j++) w[m + (k - 1) * m * m + j * m + j] = 1;
  for (let j = 0; j < m; j++) w[m + (depth - 1) * m * m + j] = 0.5;
  return w;
}
