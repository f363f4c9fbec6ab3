/**
 * The Promise form of the WebAssembly runs, with the native binding's contract (native/
 * napi/async_job.h: fnAsync(config, onProgress?, progressMs?, aborted?) → { promise,
 * abort }): the config is checked at once (a bad one throws, nothing starts), progress is
 * throttled to one report per progressMs and a throwing progress callback is ignored,
 * abort() ends the run at its next check with status aborted.
 *
 * For now the run itself is synchronous: it starts in a later macrotask and blocks this
 * thread until it ends (timers wait; progress callbacks run synchronously from inside the
 * run, and an abort from there — e.g. an AbortSignal fired in onProgress — takes effect at
 * the run's next check). Moving it into a worker thread keeps this interface: the abort
 * flag is an int in linear memory that the progress import or another thread can set.
 */
import type { RunHandle } from './addon-types';
import { finiteNumber, expected } from './wasm-args';
import type { ProgressHandler } from './wasm-module';

/** The abort flag of one run: an int32 in linear memory once the run has placed it. */
export class AbortFlag {
  private requested = false;
  private write: (() => void) | undefined;

  /** The run's flag is at `ptr` of `memory()` (attach while the call's buffers live). */
  attach(memory: () => ArrayBuffer, ptr: number): void {
    this.write = () => {
      new Int32Array(memory(), ptr, 1)[0] = 1;
    };
    if (this.requested) this.write();
  }

  detach(): void {
    this.write = undefined;
  }

  abort(): void {
    this.requested = true;
    this.write?.();
  }
}

/** What a run needs from its caller: progress numbers and the abort flag. */
export interface RunControl {
  progress?: ProgressHandler;
  abort?: AbortFlag;
}

/** onProgress throttled to one call per `interval` ms, its four numbers named; errors dropped. */
function throttled<P>(onProgress: (p: P) => void, interval: number, named: (a: number, b: number, c: number, d: number) => P): ProgressHandler {
  let last = -Infinity;
  return (a, b, c, d) => {
    const now = performance.now();
    if (now - last < interval) return;
    last = now;
    try {
      onProgress(named(a, b, c, d));
    } catch {
      // a throwing progress callback must not end the run; the error is dropped
    }
  };
}

/**
 * fnAsync for a run: `prepare` checks the config (throwing at once), `run` does the work
 * with the control it is given.
 */
export function startRun<C, P, R>(
  prepare: (config: unknown) => C,
  run: (prepared: C, control: RunControl) => R,
  named: (a: number, b: number, c: number, d: number) => P,
  args: { config: unknown; onProgress: unknown; progressMs: unknown; aborted: unknown },
): RunHandle<R> {
  const prepared = prepare(args.config);
  const { onProgress } = args;
  if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
    throw new TypeError(expected('a function', 'onProgress', onProgress));
  }
  const interval = args.progressMs === undefined ? 100 : finiteNumber(args.progressMs, 'progressMs');
  const abort = new AbortFlag();
  if (args.aborted === true) abort.abort();
  const progress = typeof onProgress === 'function' ? throttled(onProgress as (p: P) => void, interval, named) : undefined;
  const promise = new Promise<R>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(run(prepared, { progress, abort }));
      } catch (err) {
        reject(err);
      }
    });
  });
  return { promise, abort: () => abort.abort() };
}
