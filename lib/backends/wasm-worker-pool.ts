/**
 * The worker threads of the WebAssembly runs (wasm-run-worker.ts): one per concurrent run,
 * and at most one idle worker per build kept for the next run (starting one costs about
 * 40 ms: Node's worker bootstrap, the modules, the instance — as much as a short run). An
 * idle worker is unref'd, so it never keeps the process alive; a busy one does, as the
 * native binding's pending work does. A worker that dies (it should not: errors inside a run
 * come back as messages) rejects its run with an SsmPoisonError (ERR_SSM_INTERNAL) and is
 * not reused.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { SsmPoisonError } from '../errors';
import type { Runtime, WasmVariant } from './wasm-module';
import { type WorkerJob, type WorkerMessage, type WorkerSetup, decodeError } from './wasm-worker-messages';

const WORKER_FILE = path.join(__dirname, 'wasm-run-worker.js');

const idle = new Map<WasmVariant, Worker>();

function acquire(runtime: Runtime): Worker {
  const kept = idle.get(runtime.variant);
  if (kept) {
    idle.delete(runtime.variant);
    kept.ref();
    return kept;
  }
  const setup: WorkerSetup = { module: runtime.module, variant: runtime.variant };
  const worker = new Worker(WORKER_FILE, { workerData: setup });
  worker.once('exit', () => {
    if (idle.get(runtime.variant) === worker) idle.delete(runtime.variant);
  });
  return worker;
}

/** After a run that ended with its final message: kept idle, or ended when one is kept already. */
function release(variant: WasmVariant, worker: Worker): void {
  if (idle.has(variant)) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.set(variant, worker);
}

/** Runs a job in a worker: progress values to onProgress, then the result or the error. */
export function runInWorker<R>(runtime: Runtime, job: WorkerJob, onProgress: ((values: number[]) => void) | undefined): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const worker = acquire(runtime);
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'progress') {
        onProgress?.(message.values);
        return;
      }
      stop();
      release(runtime.variant, worker);
      if (message.type === 'result') resolve(message.result as R);
      else reject(decodeError(message.error));
    };
    const died = (why: string) => {
      stop();
      void worker.terminate();
      reject(new SsmPoisonError(`${job.kind}: the WebAssembly worker ${why}`, 'ERR_SSM_INTERNAL'));
    };
    const onError = (err: unknown) => died(`failed (${err instanceof Error ? err.message : String(err)})`);
    const onExit = (code: number) => died(`exited with code ${code} before the run ended`);
    const stop = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    try {
      worker.postMessage(job);
    } catch (err) {
      stop();
      release(runtime.variant, worker);
      reject(err);
    }
  });
}
