/**
 * Which implementation runs training loops and gradient flows (RunAddon): the native addon
 * ('native', 'native-portable') or the WebAssembly build of the same core ('wasm'). The
 * choice follows the loader (DESIGN.md "Loader"): a backend option, else
 * SSM_POISON_BACKEND, else automatic — native, then the portable addon, then wasm, so runs
 * still work where the addon cannot load (node --no-addons, no compiler at install). The
 * pure-TypeScript backend has no run methods.
 */
import type { RunAddon } from './addon-types';
import type { Backend } from './backend';
import { type BackendChoice, defaultChoice, getBackend } from './loader';
import { loadAddon } from './native';
import { createWasmRunAddon } from './wasm-run-addon';
import { rangeError } from '../validate';

export type RunBackendName = 'native' | 'native-portable' | 'wasm';
export const RUN_BACKEND_NAMES: readonly RunBackendName[] = ['native', 'native-portable', 'wasm'];

const wasmAddons = new Map<string, RunAddon>();

/** A Backend object (e.g. createWasmBackend('plain')) passed as the choice, or undefined. */
function backendObject(choice: unknown): Backend | undefined {
  return typeof choice === 'object' && choice !== null && typeof (choice as Backend).info === 'function' ? (choice as Backend) : undefined;
}

/** The run backend a choice resolves to, loaded; throws the loader's error when it cannot load. */
export function resolveRunBackend(choice: unknown, purpose: string, option = 'options.backend'): RunBackendName {
  const object = backendObject(choice);
  const wanted = object ? object.info().name : choice === undefined ? defaultChoice() : choice;
  if (wanted !== 'auto' && !(RUN_BACKEND_NAMES as readonly unknown[]).includes(wanted)) {
    throw rangeError(`auto, native, native-portable or wasm (${purpose} runs in the native addon or its WebAssembly build)`,
      choice === undefined ? 'SSM_POISON_BACKEND' : option, wanted);
  }
  return getBackend(wanted as BackendChoice).name as RunBackendName;
}

/** The run methods for a backend choice, with the name of the backend they run on. */
export function requireRunAddon(choice: unknown, purpose: string, option = 'options.backend'): { name: RunBackendName; addon: RunAddon } {
  const name = resolveRunBackend(choice, purpose, option);
  if (name !== 'wasm') return { name, addon: loadAddon(name) };
  // a wasm Backend object runs on its own build (SIMD or plain), the name on the default one
  const variant = (backendObject(choice) ?? getBackend('wasm')).info().simd ? 'simd' : 'plain';
  let addon = wasmAddons.get(variant);
  if (!addon) wasmAddons.set(variant, (addon = createWasmRunAddon(variant)));
  return { name, addon };
}
