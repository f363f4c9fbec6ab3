/**
 * Training runs (SPEC §5) in the WebAssembly module: train's raw config checked like
 * native/napi/train.cc (TrainJob), laid out as an ssm_train_config in linear memory, run
 * by ssm_train, and the ssm_train_output read back into train's raw result. Also the
 * adaptive rule's kernel-gradient norm and the MLP head's outputs.
 */
import type { NativeTrainConfig, NativeTrainResult } from './addon-types';
import { MAX_ELEMENTS, expected, float64Array, integer, outputSize, requireShape } from './wasm-args';
import {
  type ConfigObject,
  type MlpFields,
  type TeacherFields,
  arrayField,
  boolField,
  configObject,
  integerField,
  isObject,
  mlpFields,
  numberField,
  teacherFields,
} from './wasm-config-fields';
import { Struct } from './wasm-layout';
import type { Call, Runtime } from './wasm-module';
import type { RunControl } from './wasm-run-control';

/** A checked training config (everything TrainJob reads, in its order). */
export interface TrainInput {
  S: number; d: number; N: number; K: number;
  a: Float64Array; b: Float64Array; c: Float64Array; x: Float64Array; targets: Float64Array;
  fixBC: boolean;
  train: number;
  mlp?: MlpFields;
  test?: { count: number; length: number; x: Float64Array; targets: Float64Array };
  optimizer: NativeTrainConfig['optimizer'];
  batchSize: number; batchSeed: number; eps: number; maxEpochs: number; epochsAfterStop: number; logEvery: number;
  M: number;
  teacher?: TeacherFields;
  /** Log rows: students × maxLogs, × dim for |a|, × (length − 1) for γ. */
  rows: number; rowsD: number; rowsG: number;
}

function testSet(o: ConfigObject, S: number): TrainInput['test'] {
  if (o.testX === undefined) return undefined;
  const count = integerField(o, 'testCount', 1, MAX_ELEMENTS);
  const length = integerField(o, 'testLength', 1, MAX_ELEMENTS);
  const x = arrayField(o, 'testX', outputSize([S, count, length], 'the test inputs'), 'students×testCount×testLength');
  const targets = arrayField(o, 'testTargets', outputSize([S, count], 'the test targets'), 'students×testCount');
  return { count, length, x, targets };
}

function optimizer(o: ConfigObject): NativeTrainConfig['optimizer'] {
  const v = o.optimizer;
  if (!isObject(v)) throw new TypeError(expected('an object', 'config.optimizer', v));
  return {
    kind: integerField(v, 'kind', 0, 2),
    lr: numberField(v, 'lr'),
    beta: numberField(v, 'beta'),
    soft: numberField(v, 'soft'),
    beta1: numberField(v, 'beta1'),
    beta2: numberField(v, 'beta2'),
    epsilon: numberField(v, 'epsilon'),
    weightDecay: numberField(v, 'weightDecay'),
  };
}

/** Checks train's config with TrainJob's rules and messages. */
export function trainInput(value: unknown): TrainInput {
  const o = configObject(value);
  const S = integerField(o, 'students', 1, MAX_ELEMENTS);
  const d = integerField(o, 'dim', 1, MAX_ELEMENTS);
  const N = integerField(o, 'count', 1, MAX_ELEMENTS);
  const K = integerField(o, 'length', 1, MAX_ELEMENTS);
  const sd = outputSize([S, d], 'the students (students×dim)');
  const nx = outputSize([S, N, K], 'the inputs (students×count×length)');
  const nt = outputSize([S, N], 'the targets (students×count)');
  const a = arrayField(o, 'a', sd, 'students×dim');
  const b = arrayField(o, 'b', sd, 'students×dim');
  const c = arrayField(o, 'c', sd, 'students×dim');
  const x = arrayField(o, 'x', nx, 'students×count×length');
  const targets = arrayField(o, 'targets', nt, 'students×count');
  const fixBC = boolField(o, 'fixBC');
  const train = integerField(o, 'train', fixBC ? 0 : 1, 15);
  const mlp = mlpFields(o, S, train);
  const test = testSet(o, S);
  const opt = optimizer(o);
  const batchSize = integerField(o, 'batchSize', 0, MAX_ELEMENTS);
  const batchSeed = integerField(o, 'batchSeed', 0, 4294967295);
  const eps = numberField(o, 'eps');
  if (!(eps >= 0)) throw new RangeError(expected('a number ≥ 0', 'config.eps', o.eps));
  const maxEpochs = integerField(o, 'maxEpochs', 1, 2 ** 52);
  const epochsAfterStop = integerField(o, 'epochsAfterStop', 0, 2 ** 52);
  const logEvery = integerField(o, 'logEvery', 1, 2 ** 52);
  const M = integerField(o, 'maxLogs', 0, MAX_ELEMENTS);
  const teacher = teacherFields(o);
  const rows = M > 0 ? outputSize([S, M], 'the log (students×maxLogs)') : 0;
  const rowsD = M > 0 ? outputSize([S, M, d], 'the |a| log (students×maxLogs×dim)') : 0;
  const rowsG = M > 0 && K > 1 ? outputSize([S, M, K - 1], 'the γ log (students×maxLogs×(length−1))') : 0;
  return {
    S, d, N, K, a, b, c, x, targets, fixBC, train, mlp, test, optimizer: opt, batchSize, batchSeed, eps, maxEpochs,
    epochsAfterStop, logEvery, M, teacher, rows, rowsD, rowsG,
  };
}

/** Room for n values of 8 bytes (doubles or int64), zeroed, or NULL when n is 0. */
const buffer = (call: Call, n: number, what: string) => (n > 0 ? call.zeros(n, what) : 0);

/**
 * A log of S students × M rows × width values out of linear memory: the buffer is zeroed
 * and the core writes rows 0 … count_s − 1 of each student, so only those are copied (the
 * γ log of an aborted long-sequence run is mostly unwritten: copying its whole capacity
 * would delay the result by tens of milliseconds). Same values as copying everything.
 */
function writtenRows(call: Call, ptr: number, S: number, M: number, width: number, counts: number[], int64 = false): Float64Array {
  const out = new Float64Array(S * M * width);
  for (let s = 0; s < S; s++) {
    const start = s * M * width;
    const n = Math.min(counts[s], M) * width;
    if (n <= 0) continue;
    const at = ptr + start * 8;
    if (int64) out.set(Array.from(new BigInt64Array(call.ex.memory.buffer, at, n), Number), start);
    else out.set(new Float64Array(call.ex.memory.buffer, at, n), start);
  }
  return out;
}

/** Runs ssm_train on a checked config; throws on a failed status as the binding does. */
export function runTrain(runtime: Runtime, t: TrainInput, control: RunControl = {}): NativeTrainResult {
  return runtime.run('train', (call, check) => {
    const { S, d, M } = t;
    const config = new Struct(call, 'ssm_train_config')
      .setAll({ count: S, dim: d, a: call.input(t.a, 'a'), b: call.input(t.b, 'b'), c: call.input(t.c, 'c') }, 'students.')
      .setAll({
        count: t.N, length: t.K, x: call.input(t.x, 'x'), targets: call.input(t.targets, 'targets'), train: t.train,
        fix_bc: t.fixBC ? 1 : 0, batch_size: t.batchSize, batch_seed: t.batchSeed, eps: t.eps, max_epochs: t.maxEpochs,
        epochs_after_stop: t.epochsAfterStop, log_every: t.logEvery, max_logs: M,
      })
      .setAll({
        kind: t.optimizer.kind, lr: t.optimizer.lr, beta: t.optimizer.beta, soft: t.optimizer.soft,
        beta1: t.optimizer.beta1, beta2: t.optimizer.beta2, epsilon: t.optimizer.epsilon,
        weight_decay: t.optimizer.weightDecay,
      }, 'optimizer.');
    if (t.mlp) config.setAll({ width: t.mlp.width, depth: t.mlp.depth, weights: call.input(t.mlp.weights, 'the MLP weights') }, 'mlp.');
    if (t.test) {
      config.setAll({
        test_count: t.test.count, test_length: t.test.length, test_x: call.input(t.test.x, 'testX'),
        test_targets: call.input(t.test.targets, 'testTargets'),
      });
    }
    if (t.teacher) {
      const { a, b, c, from, to } = t.teacher;
      config.setAll({ count: 1, dim: a.length, a: call.input(a, 'teacherA'), b: call.input(b, 'teacherB'), c: call.input(c, 'teacherC') }, 'teacher.');
      config.setAll({ ext_from: from, ext_to: to });
    }
    const abort = call.zeroed(8, 'the abort flag');
    config.set('abort', abort);

    const sd = S * d;
    const P = t.mlp ? t.mlp.size : 0;
    const out = new Struct(call, 'ssm_train_output');
    const ptr: Record<string, number> = {
      final_a: call.zeros(sd, 'finalA'), final_b: call.zeros(sd, 'finalB'), final_c: call.zeros(sd, 'finalC'),
      final_loss: call.zeros(S, 'finalLoss'), final_ext_error: call.zeros(S, 'finalExtrapolationError'),
      final_mlp: P > 0 ? call.zeros(S * P, 'finalMlp') : 0,
      final_test_error: t.test ? call.zeros(S, 'finalTestError') : 0,
      status: call.zeros(Math.ceil(S / 2), 'status'), epochs: call.zeros(S, 'epochs'), stop_epoch: call.zeros(S, 'stopEpoch'),
      diverged_epoch: call.zeros(S, 'divergedEpoch'), log_count: call.zeros(S, 'logCount'),
      logs_dropped: call.zeros(S, 'logsDropped'), reported: call.zeros(S, 'reported'),
      log_epoch: buffer(call, t.rows, 'logEpoch'), log_loss: buffer(call, t.rows, 'logLoss'),
      log_ext_error: buffer(call, t.rows, 'logExtrapolationError'), log_abs_a: buffer(call, t.rowsD, 'logAbsA'),
      log_eff_rank: buffer(call, t.rows, 'logEffectiveRank'), log_gamma: buffer(call, t.rowsG, 'logGamma'),
      log_lr: buffer(call, t.rows, 'logLearningRate'), log_grad_norm: buffer(call, t.rows, 'logGradNorm'),
      log_test_error: t.test ? buffer(call, t.rows, 'logTestError') : 0,
    };
    out.setAll(ptr);

    control.abort?.attach(() => call.ex.memory.buffer, abort);
    let status: number;
    try {
      status = call.ex.ssm_wasm_train(config.ptr, out.ptr, control.progress ? 1 : 0);
    } finally {
      control.abort?.detach();
    }
    check(status);

    const f64 = (key: string, n: number) => (n > 0 ? call.output(ptr[key], n) : new Float64Array(0));
    const result: NativeTrainResult = {
      finalA: f64('final_a', sd), finalB: f64('final_b', sd), finalC: f64('final_c', sd),
      finalLoss: f64('final_loss', S), finalExtrapolationError: f64('final_ext_error', S),
      ...(P > 0 ? { finalMlp: f64('final_mlp', S * P) } : {}),
      ...(t.test ? { finalTestError: f64('final_test_error', S) } : {}),
      status: call.int32s(ptr.status, S), epochs: call.int64s(ptr.epochs, S), stopEpoch: call.int64s(ptr.stop_epoch, S),
      divergedEpoch: call.int64s(ptr.diverged_epoch, S), logCount: call.int64s(ptr.log_count, S),
      logsDropped: call.int64s(ptr.logs_dropped, S), reported: call.int64s(ptr.reported, S),
    };
    if (M > 0) {
      const rows = (key: string, width = 1) => writtenRows(call, ptr[key], S, M, width, result.logCount);
      Object.assign(result, {
        logEpoch: writtenRows(call, ptr.log_epoch, S, M, 1, result.logCount, true),
        logLoss: rows('log_loss'), logExtrapolationError: rows('log_ext_error'),
        logAbsA: rows('log_abs_a', d), logEffectiveRank: rows('log_eff_rank'),
        logGamma: t.rowsG > 0 ? rows('log_gamma', t.K - 1) : new Float64Array(0), logLearningRate: rows('log_lr'),
        logGradNorm: rows('log_grad_norm'),
        ...(t.test ? { logTestError: rows('log_test_error') } : {}),
      });
    }
    return result;
  }, control.progress);
}

/** kernelGradNormFast(a, b, c, e) with train.cc's checks. */
export function kernelGradNormFast(runtime: Runtime, ...args: unknown[]): number {
  const a = float64Array(args[0], 'a');
  const d = a.length;
  const b = float64Array(args[1], 'b');
  const c = float64Array(args[2], 'c');
  const e = float64Array(args[3], 'e');
  requireShape(a, d, 'a', 'dim');
  requireShape(b, d, 'b', 'dim');
  requireShape(c, d, 'c', 'dim');
  const K = e.length;
  requireShape(e, K, 'e', 'length');
  if (d < 1 || K < 1) throw new RangeError(expected('non-empty arrays', 'a', args[0]));
  outputSize([d, d], 'the kernel gradient (dim×dim)');
  return runtime.run('kernelGradNormFast', (call, check) => {
    const norm = call.zeros(1, 'the norm');
    check(call.ex.ssm_wasm_kernel_grad_norm_fast(d, K, call.input(a, 'a'), call.input(b, 'b'), call.input(c, 'c'),
      call.input(e, 'e'), norm));
    return call.output(norm, 1)[0];
  });
}

/** mlpPredict(width, depth, weights, z) with train.cc's checks. */
export function mlpPredict(runtime: Runtime, ...args: unknown[]): Float64Array {
  const width = integer(args[0], 'width', 1, 2 ** 20);
  const depth = integer(args[1], 'depth', 1, 2 ** 20);
  outputSize([width, width, depth], 'the MLP weights');
  const w = float64Array(args[2], 'weights');
  requireShape(w, runtime.exports.ssm_wasm_mlp_size(width, depth), 'weights', '2·width + (depth−1)·width²');
  const z = float64Array(args[3], 'z');
  const n = z.length;
  requireShape(z, n, 'z', 'n');
  if (n < 1) throw new RangeError(expected('at least one value', 'z', args[3]));
  return runtime.run('mlpPredict', (call, check) => {
    const y = call.zeros(n, 'the MLP outputs');
    check(call.ex.ssm_wasm_mlp_predict(width, depth, call.input(w, 'weights'), n, call.input(z, 'z'), y));
    return call.output(y, n);
  });
}
