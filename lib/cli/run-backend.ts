/**
 * The --backend of the commands that train or integrate (run, reproduce): native, the
 * portable addon or WebAssembly (automatic: native, then wasm, as the loader picks); the
 * TypeScript backend has no training loops or gradient flows, so it is a usage error.
 */
import type { BackendChoice } from '../backends/loader';
import { type RunBackendName, resolveRunBackend } from '../backends/run-addon';
import { UsageError } from './io';

/** The run backend of a --backend choice (loaded), or a UsageError naming the option. */
export function cliRunBackend(choice: BackendChoice | undefined, what: string): RunBackendName {
  try {
    return resolveRunBackend(choice, what, '--backend');
  } catch (err) {
    if (err instanceof RangeError) {
      throw new UsageError(`Expected auto, native, native-portable or wasm for --backend but received ${JSON.stringify(choice ?? process.env.SSM_POISON_BACKEND)}: ${what} run in the native addon or its WebAssembly build`);
    }
    throw err;
  }
}
