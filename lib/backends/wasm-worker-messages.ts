/**
 * The messages between the main thread (wasm-worker-pool.ts) and a worker thread
 * (wasm-run-worker.ts): the build in workerData; per run, the job, then from the worker
 * progress reports and one final message (the raw result, or the error the run threw,
 * encoded so that its class, message and code survive the structured clone).
 */
import { SsmPoisonError } from '../errors';
import type { ScaledInput } from './wasm-flow-scaled';
import type { FlowInput } from './wasm-flow';
import type { WasmModule, WasmVariant } from './wasm-module';
import type { TrainInput } from './wasm-train';

/** The long runs a worker can do, with their checked inputs. */
export interface RunInputs {
  train: TrainInput;
  gradientFlow: FlowInput;
  gradientFlowScaled: ScaledInput;
}
export type RunKind = keyof RunInputs;

/** workerData: the build a worker instantiates (once, for all its runs). */
export interface WorkerSetup {
  module: WasmModule;
  variant: WasmVariant;
}

/** One run, posted to an idle worker. `abort` holds one Int32 the main thread sets to 1. */
export interface WorkerJob<K extends RunKind = RunKind> {
  kind: K;
  input: RunInputs[K];
  /** Post progress reports (the caller gave onProgress), at most one per progressMs. */
  report: boolean;
  progressMs: number;
  abort: SharedArrayBuffer;
}

export interface EncodedError {
  name: string;
  message: string;
  code?: string;
}

export type WorkerMessage =
  | { type: 'progress'; values: [number, number, number, number] }
  | { type: 'result'; result: object }
  | { type: 'error'; error: EncodedError };

export function encodeError(err: unknown): EncodedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** The error again, with its class: RangeError, TypeError, SsmPoisonError (and its code), else Error. */
export function decodeError(e: EncodedError): Error {
  if (e.name === 'RangeError') return new RangeError(e.message);
  if (e.name === 'TypeError') return new TypeError(e.message);
  if (e.name === 'SsmPoisonError') return new SsmPoisonError(e.message, e.code);
  return new Error(e.message);
}

/** The ArrayBuffers of a raw result's typed arrays (moved, not copied, to the main thread). */
export function resultBuffers(result: object): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const value of Object.values(result)) {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
  }
  return [...buffers];
}
