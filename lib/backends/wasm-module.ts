/**
 * The WebAssembly build of native/core (native/wasm, DESIGN.md "WASM"): loading, the
 * instance, linear-memory buffers of one call, status and trap mapping. Shared by the
 * kernel backend (wasm.ts) and the runs (wasm-run-addon.ts).
 *
 * The module imports one function, env.ssm_wasm_progress (native/wasm/exports_run.cc): long
 * runs call it with their progress; the Runtime forwards it to the running call's handler.
 * It is compiled and instantiated synchronously (`new WebAssembly.Module` + `new
 * WebAssembly.Instance` + `_initialize()`). Two builds ship: ssm_poison_simd.wasm
 * (-msimd128) when the runtime validates a tiny SIMD module, ssm_poison.wasm otherwise.
 * Both compute the same numbers (the core fixes its lane order, wasm has no fused
 * multiply-add).
 *
 * Every call copies its inputs into linear memory (malloc'd, freed after the call) and the
 * results out. The module holds no state between calls, so after a trap (an allocation
 * that failed inside the core) the instance is dropped and the next call starts a fresh one.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SsmPoisonError } from '../errors';
import { type Layouts, readLayouts } from './wasm-layout';

/** Where the built modules live, relative to the package root. */
export const WASM_FILES = {
  simd: path.join('native', 'wasm', 'ssm_poison_simd.wasm'),
  plain: path.join('native', 'wasm', 'ssm_poison.wasm'),
} as const;
export type WasmVariant = keyof typeof WASM_FILES;

const packageRoot = path.join(__dirname, '..', '..', '..');

/** The exports of native/wasm (exports.cc, exports_run.cc, layouts.cc). Sizes are
 * doubles, pointers offsets into linear memory. */
export interface WasmExports {
  memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  ssm_wasm_malloc(bytes: number): number;
  ssm_wasm_calloc(bytes: number): number;
  ssm_wasm_free(ptr: number): void;
  ssm_wasm_status_message(status: number): number;
  ssm_wasm_blas_name(): number;
  ssm_wasm_layouts(): number;
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
  ssm_wasm_train(config: number, out: number, progress: number): number;
  ssm_wasm_gradient_flow(config: number, out: number, progress: number): number;
  ssm_wasm_gradient_flow_scaled(config: number, out: number, progress: number): number;
  ssm_wasm_flow_scaled_field(config: number, a: number, log2Scale: number, out: number): number;
  ssm_wasm_ode_solve_problem(problem: number, params: number, nparams: number, n: number, y0: number, t0: number,
    tEnd: number, tEval: number, nEval: number, options: number, y: number, stats: number): number;
  ssm_wasm_kernel_grad_norm_fast(d: number, length: number, a: number, b: number, c: number, e: number,
    norm: number): number;
  ssm_wasm_mlp_size(width: number, depth: number): number;
  ssm_wasm_mlp_predict(width: number, depth: number, weights: number, n: number, z: number, y: number): number;
}

// ---------------------------------------------------------------------------------------
// Loading

/** The part of the WebAssembly JS API used here (tsconfig has no DOM lib). */
export interface WasmModule {
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

/** The build to use: SIMD when the runtime supports it (and the file is there). */
export function defaultVariant(): WasmVariant {
  return wasmSimdSupported() && fs.existsSync(path.join(packageRoot, WASM_FILES.simd)) ? 'simd' : 'plain';
}

// ---------------------------------------------------------------------------------------
// Calls

/** Linear memory never shrinks: after a call that left more than this, a fresh instance
 * replaces it (the old one is garbage collected). */
const KEEP_MEMORY_BYTES = 256 * 2 ** 20;

/** ssm_status (native/core/ssm.h). */
const STATUS_OK = 0;
const STATUS_INVALID_ARGUMENT = 1;
const STATUS_NO_MEMORY = 2;

/** The buffers of one call in linear memory; all freed by `free()`. */
export class Call {
  private readonly pointers: number[] = [];

  constructor(readonly ex: WasmExports, readonly layouts: Layouts) {}

  /** Room for n doubles (n ≥ 1). */
  alloc(n: number, what: string): number {
    const ptr = this.ex.ssm_wasm_malloc(n * 8);
    if (ptr === 0) throw new RangeError(`Could not allocate ${n} doubles for ${what}`);
    this.pointers.push(ptr);
    return ptr;
  }

  /** `bytes` zeroed bytes (≥ 1). */
  zeroed(bytes: number, what: string): number {
    const ptr = this.ex.ssm_wasm_calloc(bytes);
    if (ptr === 0) throw new RangeError(`Could not allocate ${bytes} bytes for ${what}`);
    this.pointers.push(ptr);
    return ptr;
  }

  /** Room for n doubles (or int64s), every one 0 (outputs as the binding's zeroed vectors). */
  zeros(n: number, what: string): number {
    return this.zeroed(Math.max(n, 1) * 8, what);
  }

  /** Room for n doubles, every one NaN (outputs the core may leave untouched). */
  nans(n: number, what: string): number {
    const ptr = this.alloc(Math.max(n, 1), what);
    new Float64Array(this.ex.memory.buffer, ptr, n).fill(NaN);
    return ptr;
  }

  /** A copy of `array` in linear memory. */
  input(array: Float64Array, what: string): number {
    const ptr = this.alloc(Math.max(array.length, 1), what);
    new Float64Array(this.ex.memory.buffer, ptr, array.length).set(array);
    return ptr;
  }

  /** n doubles at ptr, copied out of linear memory. */
  output(ptr: number, n: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, ptr, n).slice();
  }

  /** n int64 values at ptr, as numbers (exact below 2^53). */
  int64s(ptr: number, n: number): number[] {
    return Array.from(new BigInt64Array(this.ex.memory.buffer, ptr, n), Number);
  }

  /** n int32 values at ptr. */
  int32s(ptr: number, n: number): number[] {
    return Array.from(new Int32Array(this.ex.memory.buffer, ptr, n));
  }

  free(): void {
    for (const ptr of this.pointers) this.ex.ssm_wasm_free(ptr);
    this.pointers.length = 0;
  }
}

export function cString(ex: WasmExports, ptr: number, maxBytes = Infinity): string {
  const bytes = new Uint8Array(ex.memory.buffer);
  let end = ptr;
  while (end - ptr < maxBytes && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('utf8');
}

/** Receives a long run's progress numbers (exports_run.cc says which are which). */
export type ProgressHandler = (a: number, b: number, c: number, d: number) => void;

interface Instance {
  exports: WasmExports;
  layouts: Layouts;
}

/** The module instance, created on first use and again after a trap. */
export class Runtime {
  private current: Instance | undefined;
  private progress: ProgressHandler | undefined;

  /** `module`: the compiled build (shared with worker threads, which instantiate it again). */
  constructor(readonly module: WasmModule, readonly variant: WasmVariant) {
    this.current = this.instantiate();
  }

  private instantiate(): Instance {
    const env = { ssm_wasm_progress: (a: number, b: number, c: number, d: number) => this.progress?.(a, b, c, d) };
    const exports = new WA!.Instance(this.module, { env }).exports as unknown as WasmExports;
    exports._initialize();
    return { exports, layouts: readLayouts(exports) };
  }

  get exports(): WasmExports {
    return (this.current ??= this.instantiate()).exports;
  }

  /**
   * Runs body with a Call whose buffers are freed afterwards; maps statuses and traps.
   * `progress` receives the env.ssm_wasm_progress calls made while body runs.
   */
  run<T>(operation: string, body: (call: Call, check: (status: number) => void) => T, progress?: ProgressHandler): T {
    const instance = (this.current ??= this.instantiate());
    const ex = instance.exports;
    const call = new Call(ex, instance.layouts);
    const check = (status: number) => {
      if (status === STATUS_OK) return;
      const text = `${operation}: ${cString(ex, ex.ssm_wasm_status_message(status))}`;
      if (status === STATUS_INVALID_ARGUMENT || status === STATUS_NO_MEMORY) throw new RangeError(text);
      throw new SsmPoisonError(text, 'ERR_SSM_INTERNAL');
    };
    const outer = this.progress;
    this.progress = progress;
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
      this.progress = outer;
      if (!trapped) {
        call.free();
        if (ex.memory.buffer.byteLength > KEEP_MEMORY_BYTES && this.current?.exports === ex) this.current = undefined;
      }
    }
  }
}

const runtimes = new Map<WasmVariant, Runtime>();

/** The runtime of a build, shared by the kernel backend and the runs of this thread. */
export function wasmRuntime(variant: WasmVariant = defaultVariant()): Runtime {
  let runtime = runtimes.get(variant);
  if (!runtime) {
    runtime = new Runtime(loadWasmModule(variant), variant);
    runtimes.set(variant, runtime);
  }
  return runtime;
}
