/**
 * The Promise form shared by long native runs (gradient flow, large-κ flow, training):
 * the options checked once, the job started with the signal's state (an already aborted
 * signal ends the run at its first check, without racing it), abort() wired to the signal
 * while the job runs.
 */
import { checkFiniteNumber, rangeError, typeError } from './validate';

export interface NativeJobHandle<R> {
  promise: Promise<R>;
  abort(): void;
}

export interface JobControl<P> {
  signal?: AbortSignal;
  onProgress?: (p: P) => void;
  progressMs?: number;
}

/** Checks signal, onProgress and progressMs (default 100 ms). */
export function checkJobControl<P>(control: JobControl<P>): { signal?: AbortSignal; onProgress?: (p: P) => void; interval: number } {
  const { signal, onProgress, progressMs } = control;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError('an AbortSignal', 'options.signal', signal);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw typeError('a function', 'options.onProgress', onProgress);
  const interval = progressMs === undefined ? 100 : checkFiniteNumber(progressMs, 'options.progressMs');
  if (!(interval >= 0)) throw rangeError('a number ≥ 0', 'options.progressMs', interval);
  return { signal, onProgress, interval };
}

/** Starts a job (told whether the signal has already fired) and awaits it, aborting it when the signal fires. */
export async function runNativeJob<R>(signal: AbortSignal | undefined, start: (aborted: boolean) => NativeJobHandle<R>): Promise<R> {
  const handle = start(signal?.aborted === true);
  const abort = () => handle.abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await handle.promise;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
