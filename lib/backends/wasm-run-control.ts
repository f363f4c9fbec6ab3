/**
 * What a WebAssembly run takes from its caller besides the config (wasm-train.ts,
 * wasm-flow.ts, wasm-flow-scaled.ts): a progress handler (env.ssm_wasm_progress calls) and
 * the abort flag, an int32 in the run's linear memory that the core reads at every check
 * (every epoch, every ODE step). The worker (wasm-run-worker.ts) sets it from its progress
 * handler when the main thread asks.
 */
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
