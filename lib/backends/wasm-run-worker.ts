/**
 * A worker thread of the WebAssembly runs (wasm-worker-pool.ts starts it): instantiates the
 * module the main thread compiled, then for each job it receives runs the checked input
 * synchronously with the same code as the synchronous forms, posts throttled progress
 * reports, and posts the raw result (its buffers transferred) or the error. The main
 * thread's abort() sets an Int32 in a SharedArrayBuffer; every progress call of the core
 * (between chunks of epochs — at most about a millisecond apart — and after every accepted
 * ODE step) reads it and, when set, raises the run's abort flag in linear memory, so the
 * core stops at its next check with status aborted.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

import { runGradientFlowScaled } from './wasm-flow-scaled';
import { runGradientFlow } from './wasm-flow';
import { type ProgressHandler, Runtime } from './wasm-module';
import { AbortFlag, type RunControl } from './wasm-run-control';
import { runTrain } from './wasm-train';
import { type RunInputs, type RunKind, type WorkerJob, type WorkerMessage, type WorkerSetup, encodeError, resultBuffers } from './wasm-worker-messages';

const RUNS: { [K in RunKind]: (runtime: Runtime, input: RunInputs[K], control: RunControl) => object } = {
  train: runTrain,
  gradientFlow: runGradientFlow,
  gradientFlowScaled: runGradientFlowScaled,
};

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

function run(runtime: Runtime, job: WorkerJob, post: Post): void {
  const requested = new Int32Array(job.abort);
  const abort = new AbortFlag();
  const checkAbort = () => {
    if (Atomics.load(requested, 0) !== 0) abort.abort();
  };
  let last = -Infinity;
  const progress: ProgressHandler = (a, b, c, d) => {
    checkAbort();
    if (!job.report) return;
    const now = performance.now();
    if (now - last < job.progressMs) return;
    last = now;
    post({ type: 'progress', values: [a, b, c, d] });
  };
  checkAbort();
  try {
    const result = (RUNS[job.kind] as (r: Runtime, i: unknown, c: RunControl) => object)(runtime, job.input, { progress, abort });
    post({ type: 'result', result }, resultBuffers(result));
  } catch (err) {
    post({ type: 'error', error: encodeError(err) });
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { module, variant } = workerData as WorkerSetup;
  const runtime = new Runtime(module, variant);
  const post: Post = (message, transfer) => port.postMessage(message, transfer);
  port.on('message', (job: WorkerJob) => run(runtime, job, post));
}
