/**
 * The Promise form of the WebAssembly runs, with the native binding's contract (native/
 * napi/async_job.h: fnAsync(config, onProgress?, progressMs?, aborted?) → { promise,
 * abort }): the config is checked here at once (a bad one throws, nothing starts); the run
 * itself happens in a worker thread (wasm-worker-pool.ts, wasm-run-worker.ts), so this
 * thread's event loop keeps running. Progress is throttled to one report per
 * progressMs and a throwing progress callback is ignored; abort() sets a shared flag the
 * worker reads at the core's next progress call, and the run ends with status aborted.
 * An error thrown in the worker rejects the promise with its class and message.
 */
import type { RunHandle } from './addon-types';
import { expected, finiteNumber } from './wasm-args';
import type { Runtime } from './wasm-module';
import type { RunInputs, RunKind, WorkerJob } from './wasm-worker-messages';
import { runInWorker } from './wasm-worker-pool';

type Named<P> = (a: number, b: number, c: number, d: number) => P;

/** onProgress with its numbers named; a throwing callback must not end the run (the error is dropped). */
function progressCallback<P>(onProgress: unknown, named: Named<P>): ((values: number[]) => void) | undefined {
  if (onProgress === undefined || onProgress === null) return undefined;
  if (typeof onProgress !== 'function') throw new TypeError(expected('a function', 'onProgress', onProgress));
  return (v) => {
    try {
      (onProgress as (p: P) => void)(named(v[0], v[1], v[2], v[3]));
    } catch {
      // dropped, as the native binding does
    }
  };
}

/** fnAsync for a run of `kind`: `prepare` checks the config (throwing at once). */
export function startRun<K extends RunKind, P, R>(
  runtime: Runtime,
  kind: K,
  prepare: (config: unknown) => RunInputs[K],
  named: Named<P>,
  args: { config: unknown; onProgress: unknown; progressMs: unknown; aborted: unknown },
): RunHandle<R> {
  const input = prepare(args.config);
  const onProgress = progressCallback(args.onProgress, named);
  const progressMs = args.progressMs === undefined ? 100 : finiteNumber(args.progressMs, 'progressMs');
  const abort = new SharedArrayBuffer(4);
  const requested = new Int32Array(abort);
  if (args.aborted === true) requested[0] = 1;
  const job: WorkerJob<K> = { kind, input, report: onProgress !== undefined, progressMs, abort };
  const promise = runInWorker<R>(runtime, job, onProgress);
  return { promise, abort: () => void Atomics.store(requested, 0, 1) };
}
