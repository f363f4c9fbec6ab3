/**
 * The WebAssembly build of native/core as a kernel Backend (native/wasm, DESIGN.md "WASM").
 * Loading, the instance and call buffers are in wasm-module.ts; the training loops and
 * gradient flows of the same module in wasm-run-addon.ts.
 *
 * Arguments are checked here with the native binding's rules and messages
 * (native/napi/args.cc, wasm-args.ts), so callers cannot tell the two apart; the core
 * checks again.
 */
import type {
  Backend,
  BackendInfo,
  EvaluateRequest,
  Evaluation,
  ModelBatch,
  NumpyRandom,
  ScanMode,
  SequenceBatch,
} from './backend';
import { MAX_ELEMENTS, expected, finiteNumber, float64Array, integer, outputSize, requireShape } from './wasm-args';
import { type Call, type Runtime, type WasmExports, type WasmVariant, cString, defaultVariant, wasmRuntime } from './wasm-module';

export { WASM_FILES, type WasmVariant, hasWebAssembly, wasmSimdSupported } from './wasm-module';

interface Models {
  count: number;
  dim: number;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

function modelArgs(m: ModelBatch, prefix: string): Models {
  const a = float64Array(m.a, `${prefix}a`);
  const b = float64Array(m.b, `${prefix}b`);
  const c = float64Array(m.c, `${prefix}c`);
  const count = integer(m.count, `${prefix}count`, 1, MAX_ELEMENTS);
  const dim = integer(m.dim, `${prefix}dim`, 1, MAX_ELEMENTS);
  const n = outputSize([count, dim], 'the model (count×dim)');
  requireShape(a, n, `${prefix}a`, 'count×dim');
  requireShape(b, n, `${prefix}b`, 'count×dim');
  requireShape(c, n, `${prefix}c`, 'count×dim');
  return { count, dim, a, b, c };
}

function sequenceArgs(xs: SequenceBatch): { count: number; length: number; x: Float64Array } {
  const x = float64Array(xs.x, 'inputs');
  const count = integer(xs.count, 'inputs count', 1, MAX_ELEMENTS);
  const length = integer(xs.length, 'length', 1, MAX_ELEMENTS);
  requireShape(x, outputSize([count, length], 'the inputs (count×length)'), 'inputs', 'count×length');
  return { count, length, x };
}

/** a, b, c of a model copied into the call's memory. */
function modelInput(call: Call, m: Models, prefix = ''): [number, number, number] {
  return [call.input(m.a, `${prefix}a`), call.input(m.b, `${prefix}b`), call.input(m.c, `${prefix}c`)];
}

// ---------------------------------------------------------------------------------------
// The backend

const SCAN_MODES: Record<ScanMode, number> = { final: 0, outputs: 1, states: 2 };

/** Output fields of evaluate in ssm_evaluation order (native/core/ssm.h). */
const EVALUATION_FIELDS = [
  'loss',
  'outputs',
  'residuals',
  'e',
  'gradA',
  'gradB',
  'gradC',
  'gamma',
  'hessian',
  'kernelGrad',
  'kernelGradNorm',
] as const satisfies readonly (keyof Evaluation)[];

class WasmNumpyRandom implements NumpyRandom {
  private readonly state: Uint8Array;

  constructor(private readonly runtime: Runtime, seed: unknown) {
    const s = integer(seed, 'seed', 0, 4294967295);
    this.state = new Uint8Array(runtime.exports.ssm_wasm_mt_state_size());
    this.withState('NumpyRandom', 0, (ex, state) => ex.ssm_wasm_mt_seed(state, s));
  }

  /** Runs fn with the state copied into linear memory (and back) and room for n doubles. */
  private withState(operation: string, n: number, fn: (ex: WasmExports, state: number, out: number) => void,
    what = ''): Float64Array {
    return this.runtime.run(operation, (call) => {
      const ex = call.ex;
      const state = call.alloc(Math.ceil(this.state.length / 8), 'the generator state');
      new Uint8Array(ex.memory.buffer, state, this.state.length).set(this.state);
      const out = n > 0 ? call.alloc(n, what) : 0;
      fn(ex, state, out);
      this.state.set(new Uint8Array(ex.memory.buffer, state, this.state.length));
      return n > 0 ? call.output(out, n) : new Float64Array(0);
    });
  }

  randomSample(n: number): Float64Array {
    const count = integer(n, 'n', 0, MAX_ELEMENTS);
    if (count === 0) return new Float64Array(0);
    return this.withState('randomSample', count, (ex, state, out) => ex.ssm_wasm_mt_random_sample(state, count, out),
      'random samples');
  }

  normal(loc: number, scale: number, n: number): Float64Array {
    const l = finiteNumber(loc, 'loc');
    const s = finiteNumber(scale, 'scale');
    if (s < 0 || Object.is(s, -0)) throw new RangeError(expected('a finite number ≥ 0', 'scale', scale));
    const count = integer(n, 'n', 0, MAX_ELEMENTS);
    if (count === 0) return new Float64Array(0);
    return this.withState('normal', count, (ex, state, out) => ex.ssm_wasm_mt_normal(state, l, s, count, out),
      'normal samples');
  }
}

/** A WebAssembly backend of the given build (default: SIMD when the runtime supports it). */
export function createWasmBackend(variant: WasmVariant = defaultVariant()): Backend {
  const runtime = wasmRuntime(variant);
  const blas = cString(runtime.exports, runtime.exports.ssm_wasm_blas_name());
  const info: BackendInfo = { name: 'wasm', blas, openblas: false, threads: 1, blasThreads: 1, simd: variant === 'simd' };

  function impulseResponse(m: ModelBatch, length: number): Float64Array {
    const model = modelArgs(m, '');
    const L = integer(length, 'length', 1, MAX_ELEMENTS);
    const n = outputSize([model.count, L], 'the impulse response');
    return runtime.run('impulseResponse', (call, check) => {
      const h = call.alloc(n, 'the impulse response');
      check(call.ex.ssm_wasm_impulse_response(model.count, model.dim, ...modelInput(call, model), L, h));
      return call.output(h, n);
    });
  }

  function forward(m: ModelBatch, xs: SequenceBatch): Float64Array {
    const model = modelArgs(m, '');
    const x = sequenceArgs(xs);
    outputSize([model.count, x.length], 'the impulse responses (count×length)');
    const n = outputSize([model.count, x.count], 'the outputs');
    return runtime.run('forward', (call, check) => {
      const y = call.alloc(n, 'the outputs');
      check(call.ex.ssm_wasm_forward(model.count, model.dim, ...modelInput(call, model), x.count, x.length,
        call.input(x.x, 'inputs'), y));
      return call.output(y, n);
    });
  }

  function scan(m: ModelBatch, xs: SequenceBatch, mode: ScanMode): Float64Array {
    const model = modelArgs(m, '');
    const x = sequenceArgs(xs);
    const modeNumber = integer(Object.hasOwn(SCAN_MODES, mode) ? SCAN_MODES[mode] : undefined, 'mode', 0, 2);
    const { count: S, dim: d } = model;
    const n =
      modeNumber === 0 ? outputSize([S, x.count], 'the scan output')
        : modeNumber === 1 ? outputSize([S, x.count, x.length], 'the scan outputs')
          : outputSize([S, x.count, x.length, d], 'the scan states');
    return runtime.run('scan', (call, check) => {
      const out = call.alloc(n, 'the scan result');
      check(call.ex.ssm_wasm_scan(S, d, ...modelInput(call, model), x.count, x.length, call.input(x.x, 'inputs'),
        modeNumber, out));
      return call.output(out, n);
    });
  }

  function evaluate(m: ModelBatch, xs: SequenceBatch, targets: Float64Array, request: EvaluateRequest): Evaluation {
    const model = modelArgs(m, '');
    const x = sequenceArgs(xs);
    const t = float64Array(targets, 'targets');
    requireShape(t, x.count, 'targets', 'inputs count');
    const req = request ?? {};
    const S = model.count, d = model.dim, N = x.count, K = x.length;
    outputSize([S, K], 'the impulse responses (count×length)');
    // Sizes of the requested outputs, checked in the native binding's order.
    const sizes = new Map<(typeof EVALUATION_FIELDS)[number], number>();
    const want = (key: (typeof EVALUATION_FIELDS)[number], on: boolean | undefined, shape: number[]) => {
      if (on) sizes.set(key, outputSize(shape, key));
    };
    want('loss', true, [S]);
    want('outputs', req.outputs, [S, N]);
    want('residuals', req.residuals, [S, N]);
    want('e', req.e, [S, K]);
    want('gradA', req.gradA, [S, d]);
    want('gradB', req.gradB, [S, d]);
    want('gradC', req.gradC, [S, d]);
    if (req.gamma) sizes.set('gamma', K > 1 ? outputSize([S, K - 1], 'gamma') : 0);
    if (req.hessian) outputSize([N, d], "the Hessian's Jacobian (inputs count×dim)");
    want('hessian', req.hessian, [S, d, d]);
    want('kernelGrad', req.kernelGrad, [S, d, d]);
    want('kernelGradNorm', req.kernelGradNorm, [S]);

    return runtime.run('evaluate', (call, check) => {
      const ex = call.ex;
      const pointers = new Map<string, number>();
      for (const [key, n] of sizes) pointers.set(key, n > 0 ? call.alloc(n, key) : 0);
      const struct = call.alloc(Math.ceil(EVALUATION_FIELDS.length / 2), 'the evaluation request');
      new Uint32Array(ex.memory.buffer, struct, EVALUATION_FIELDS.length).set(
        EVALUATION_FIELDS.map((key) => pointers.get(key) ?? 0),
      );
      check(ex.ssm_wasm_evaluate(S, d, ...modelInput(call, model), N, K, call.input(x.x, 'inputs'),
        call.input(t, 'targets'), struct));
      const result: Evaluation = { loss: new Float64Array(0) };
      for (const [key, n] of sizes) result[key] = n > 0 ? call.output(pointers.get(key)!, n) : new Float64Array(0);
      return result;
    });
  }

  function extrapolationError(m: ModelBatch, teacher: ModelBatch, from: number, to: number): Float64Array {
    const model = modelArgs(m, '');
    const t = modelArgs(teacher, 'teacher.');
    if (t.count !== 1) throw new RangeError(expected('1', 'teacher.count', teacher.count));
    const f = integer(from, 'from', 0, MAX_ELEMENTS - 1);
    const last = integer(to, 'to', f, MAX_ELEMENTS - 1);
    return runtime.run('extrapolationError', (call, check) => {
      const out = call.alloc(model.count, 'the extrapolation errors');
      check(call.ex.ssm_wasm_extrapolation_error(model.count, model.dim, ...modelInput(call, model), t.count, t.dim,
        ...modelInput(call, t, 'teacher.'), f, last, out));
      return call.output(out, model.count);
    });
  }

  function effectiveRank(m: ModelBatch): Float64Array {
    const model = modelArgs(m, '');
    return runtime.run('effectiveRank', (call, check) => {
      const out = call.alloc(model.count, 'the effective ranks');
      check(call.ex.ssm_wasm_effective_rank(model.count, model.dim, ...modelInput(call, model), out));
      return call.output(out, model.count);
    });
  }

  return {
    name: 'wasm',
    info: () => ({ ...info }),
    impulseResponse,
    forward,
    scan,
    evaluate,
    extrapolationError,
    effectiveRank,
    numpyRandom: (seed: number) => new WasmNumpyRandom(runtime, seed),
  };
}
