/**
 * The WebAssembly build of native/core as a Backend (native/wasm, DESIGN.md "WASM").
 *
 * The module has no imports: it is compiled and instantiated synchronously
 * (`new WebAssembly.Module` + `new WebAssembly.Instance(module, {})` + `_initialize()`).
 * Two builds ship: ssm_poison_simd.wasm (-msimd128) when the runtime validates a tiny SIMD
 * module, ssm_poison.wasm otherwise. Both compute the same numbers (the core fixes its lane
 * order and wasm has no fused multiply-add).
 *
 * Arguments are checked here with the native binding's rules and messages
 * (native/napi/args.cc), so callers cannot tell the two apart; the core checks again.
 * Every call copies its Float64Arrays into linear memory (malloc'd, freed after the call)
 * and the results out. The module holds no state between calls (the MT19937 state lives
 * in the NumpyRandom object), so after a trap (an allocation that failed inside the core)
 * the instance is dropped and the next call starts a fresh one.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SsmPoisonError } from '../errors';
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

/** Where the built modules live, relative to the package root. */
export const WASM_FILES = {
  simd: path.join('native', 'wasm', 'ssm_poison_simd.wasm'),
  plain: path.join('native', 'wasm', 'ssm_poison.wasm'),
} as const;
export type WasmVariant = keyof typeof WASM_FILES;

const packageRoot = path.join(__dirname, '..', '..', '..');

/** The exports of native/wasm/exports.cc. Sizes are doubles, pointers offsets. */
interface WasmExports {
  memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  ssm_wasm_malloc(bytes: number): number;
  ssm_wasm_free(ptr: number): void;
  ssm_wasm_status_message(status: number): number;
  ssm_wasm_blas_name(): number;
  ssm_wasm_impulse_response(count: number, dim: number, a: number, b: number, c: number, length: number, h: number): number;
  ssm_wasm_forward(count: number, dim: number, a: number, b: number, c: number, n: number, k: number, x: number,
    y: number): number;
  ssm_wasm_scan(count: number, dim: number, a: number, b: number, c: number, n: number, k: number, x: number,
    mode: number, out: number): number;
  ssm_wasm_evaluate(count: number, dim: number, a: number, b: number, c: number, n: number, k: number, x: number,
    targets: number, out: number): number;
  ssm_wasm_extrapolation_error(count: number, dim: number, a: number, b: number, c: number, tcount: number,
    tdim: number, ta: number, tb: number, tc: number, from: number, to: number, out: number): number;
  ssm_wasm_effective_rank(count: number, dim: number, a: number, b: number, c: number, out: number): number;
  ssm_wasm_mt_state_size(): number;
  ssm_wasm_mt_seed(state: number, seed: number): void;
  ssm_wasm_mt_random_sample(state: number, n: number, out: number): void;
  ssm_wasm_mt_normal(state: number, loc: number, scale: number, n: number, out: number): void;
}

// ---------------------------------------------------------------------------------------
// Loading

/** The part of the WebAssembly JS API used here (tsconfig has no DOM lib). */
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  RuntimeError: new (message?: string) => Error;
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** `i32.const 0; i8x16.splat` in a function returning v128: valid only with SIMD. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

/** Whether this runtime has WebAssembly at all (not under --jitless, for example). */
export function hasWebAssembly(): boolean {
  return typeof WA === 'object' && WA !== null && typeof WA.Module === 'function';
}

/** Whether this runtime supports WebAssembly fixed-width SIMD (128-bit). */
export function wasmSimdSupported(): boolean {
  return hasWebAssembly() && WA!.validate(SIMD_PROBE);
}

const modules = new Map<WasmVariant, WasmModule>();

/** The compiled module of a variant (read and compiled once, synchronously). */
function loadWasmModule(variant: WasmVariant): WasmModule {
  const cached = modules.get(variant);
  if (cached) return cached;
  if (!hasWebAssembly()) throw new Error('WebAssembly is not available in this Node.js (was it started with --jitless?)');
  const file = path.join(packageRoot, WASM_FILES[variant]);
  const module = new WA!.Module(fs.readFileSync(file));
  modules.set(variant, module);
  return module;
}

function instantiate(module: WasmModule): WasmExports {
  const exports = new WA!.Instance(module, {}).exports as unknown as WasmExports;
  exports._initialize();
  return exports;
}

// ---------------------------------------------------------------------------------------
// Argument checks, with the messages of native/napi/args.cc

const MAX_ELEMENTS = 2 ** 31;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    if (v instanceof Float64Array) return 'Float64Array';
    if (v instanceof Float32Array) return 'Float32Array';
    if (v instanceof Int32Array) return 'Int32Array';
    if (v instanceof Uint8Array) return 'Uint8Array';
    return 'TypedArray';
  }
  if (Array.isArray(v)) return 'Array';
  const t = typeof v;
  return t === 'undefined' ? 'object' : t;
}

/** C's printf("%.17g", d) for a finite d. */
function g17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mantissa, exp] = d.toExponential(16).split('e');
  const x = Number(exp);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= 17) {
    const e = Math.abs(x);
    return `${trim(mantissa)}e${x < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return trim(d.toFixed(16 - x));
}

function show(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return g17(v);
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return `"${bytes.length > 40 ? `${bytes.subarray(0, 40).toString('utf8')}…` : v}"`;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return `${typeOf(v)}(${(v as Float64Array).length})`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return typeOf(v);
}

function expected(what: string, name: string, v: unknown): string {
  return `Expected ${what} for ${name} but received ${show(v)} of type ${typeOf(v)}`;
}

function float64Array(v: unknown, name: string): Float64Array {
  if (!(v instanceof Float64Array)) throw new TypeError(expected('a Float64Array', name, v));
  return v;
}

function integer(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(expected('an integer', name, v));
  if (!Number.isFinite(v) || Math.floor(v) !== v || v < min || v > max) {
    throw new RangeError(expected(`an integer between ${min} and ${max}`, name, v));
  }
  return v;
}

function finiteNumber(v: unknown, name: string): number {
  if (typeof v !== 'number') throw new TypeError(expected('a finite number', name, v));
  if (!Number.isFinite(v)) throw new RangeError(expected('a finite number', name, v));
  return v;
}

function requireShape(array: Float64Array, count: number, name: string, shape: string): void {
  if (array.length !== count) {
    throw new RangeError(
      `Expected ${count} ${count === 1 ? 'element' : 'elements'} (${shape}) for ${name} but received ` +
        `Float64Array(${array.length}) of type Float64Array`,
    );
  }
  for (let i = 0; i < count; i++) {
    const v = array[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(
        `Expected finite numbers for ${name} but received ${Number.isNaN(v) ? 'NaN' : 'an infinite value'} at index ${i} of type number`,
      );
    }
  }
}

/** The product of the factors when it is at most 2^31, else a RangeError naming `what`. */
function outputSize(factors: number[], what: string): number {
  let total = 1;
  let product = 1;
  let fits = true;
  for (const f of factors) {
    product *= f;
    if (f < 1 || total > MAX_ELEMENTS / f) fits = false;
    else total *= f;
  }
  if (!fits) throw new RangeError(`Expected at most 2^31 elements for ${what} but received ${g17(product)} of type number`);
  return total;
}

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

// ---------------------------------------------------------------------------------------
// Calls

/** Linear memory never shrinks: after a call that left more than this, a fresh instance
 * replaces it (the old one is garbage collected). */
const KEEP_MEMORY_BYTES = 256 * 2 ** 20;

const STATUS_OK = 0;
const STATUS_INVALID_ARGUMENT = 1;
const STATUS_NO_MEMORY = 2;

/** The buffers of one call in linear memory; all freed by `free()`. */
class Call {
  private readonly pointers: number[] = [];

  constructor(readonly ex: WasmExports) {}

  /** Room for n doubles (n ≥ 1). */
  alloc(n: number, what: string): number {
    const ptr = this.ex.ssm_wasm_malloc(n * 8);
    if (ptr === 0) throw new RangeError(`Could not allocate ${n} doubles for ${what}`);
    this.pointers.push(ptr);
    return ptr;
  }

  /** A copy of `array` in linear memory. */
  input(array: Float64Array, what: string): number {
    const ptr = this.alloc(Math.max(array.length, 1), what);
    new Float64Array(this.ex.memory.buffer, ptr, array.length).set(array);
    return ptr;
  }

  model(m: Models, prefix = ''): [number, number, number] {
    return [this.input(m.a, `${prefix}a`), this.input(m.b, `${prefix}b`), this.input(m.c, `${prefix}c`)];
  }

  /** n doubles at ptr, copied out of linear memory. */
  output(ptr: number, n: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, ptr, n).slice();
  }

  free(): void {
    for (const ptr of this.pointers) this.ex.ssm_wasm_free(ptr);
    this.pointers.length = 0;
  }
}

function cString(ex: WasmExports, ptr: number): string {
  const bytes = new Uint8Array(ex.memory.buffer);
  let end = ptr;
  while (bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('utf8');
}

/** The module instance, created on first use and again after a trap. */
class Runtime {
  private current: WasmExports | undefined;

  constructor(private readonly module: WasmModule) {
    this.current = instantiate(module);
  }

  get exports(): WasmExports {
    return (this.current ??= instantiate(this.module));
  }

  /** Runs body with a Call whose buffers are freed afterwards; maps statuses and traps. */
  run<T>(operation: string, body: (call: Call, check: (status: number) => void) => T): T {
    const ex = this.exports;
    const call = new Call(ex);
    const check = (status: number) => {
      if (status === STATUS_OK) return;
      const text = `${operation}: ${cString(ex, ex.ssm_wasm_status_message(status))}`;
      if (status === STATUS_INVALID_ARGUMENT || status === STATUS_NO_MEMORY) throw new RangeError(text);
      throw new SsmPoisonError(text, 'ERR_SSM_INTERNAL');
    };
    let trapped = false;
    try {
      return body(call, check);
    } catch (err) {
      if (!(err instanceof WA!.RuntimeError)) throw err;
      // abort() (a failed allocation inside the core, C++ exceptions being off) traps with
      // "unreachable"; anything else would be a bug. The heap may be inconsistent: start over.
      trapped = true;
      this.current = undefined;
      if (/unreachable/.test(err.message)) {
        throw new RangeError(`${operation}: ${cString(ex, ex.ssm_wasm_status_message(STATUS_NO_MEMORY))}`);
      }
      throw new SsmPoisonError(`${operation}: internal error in the WebAssembly module (${err.message})`, 'ERR_SSM_INTERNAL');
    } finally {
      if (!trapped) {
        call.free();
        if (ex.memory.buffer.byteLength > KEEP_MEMORY_BYTES) this.current = undefined;
      }
    }
  }
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

/** The build to use: SIMD when the runtime supports it (and the file is there). */
function defaultVariant(): WasmVariant {
  return wasmSimdSupported() && fs.existsSync(path.join(packageRoot, WASM_FILES.simd)) ? 'simd' : 'plain';
}

/** A WebAssembly backend of the given build (default: SIMD when the runtime supports it). */
export function createWasmBackend(variant: WasmVariant = defaultVariant()): Backend {
  const runtime = new Runtime(loadWasmModule(variant));
  const blas = cString(runtime.exports, runtime.exports.ssm_wasm_blas_name());
  const info: BackendInfo = { name: 'wasm', blas, openblas: false, threads: 1, blasThreads: 1, simd: variant === 'simd' };

  function impulseResponse(m: ModelBatch, length: number): Float64Array {
    const model = modelArgs(m, '');
    const L = integer(length, 'length', 1, MAX_ELEMENTS);
    const n = outputSize([model.count, L], 'the impulse response');
    return runtime.run('impulseResponse', (call, check) => {
      const h = call.alloc(n, 'the impulse response');
      check(call.ex.ssm_wasm_impulse_response(model.count, model.dim, ...call.model(model), L, h));
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
      check(call.ex.ssm_wasm_forward(model.count, model.dim, ...call.model(model), x.count, x.length,
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
      check(call.ex.ssm_wasm_scan(S, d, ...call.model(model), x.count, x.length, call.input(x.x, 'inputs'),
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
      check(ex.ssm_wasm_evaluate(S, d, ...call.model(model), N, K, call.input(x.x, 'inputs'),
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
      check(call.ex.ssm_wasm_extrapolation_error(model.count, model.dim, ...call.model(model), t.count, t.dim,
        ...call.model(t, 'teacher.'), f, last, out));
      return call.output(out, model.count);
    });
  }

  function effectiveRank(m: ModelBatch): Float64Array {
    const model = modelArgs(m, '');
    return runtime.run('effectiveRank', (call, check) => {
      const out = call.alloc(model.count, 'the effective ranks');
      check(call.ex.ssm_wasm_effective_rank(model.count, model.dim, ...call.model(model), out));
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
