/**
 * Picks the backend (DESIGN.md "Loader"): automatic mode tries the native addon
 * (OpenBLAS build, then the portable build), then the WebAssembly build; an explicitly
 * requested backend that cannot load throws one error listing every cause and the fixes.
 * The pure-TypeScript backend is used only when asked for. Fallbacks are silent except
 * through NODE_DEBUG=ssm-poison and backendInfo().
 */
import { debuglog } from 'node:util';

import { SsmPoisonError } from '../errors';
import type { Backend, BackendInfo, BackendName } from './backend';
import { jsBackend } from './js';
import { ADDON_FILES, createNativeBackend, loadAddon } from './native';
import { createWasmBackend, WASM_FILES } from './wasm';

const debug = debuglog('ssm-poison');

export type BackendChoice = BackendName | 'auto' | Backend;
export const BACKEND_NAMES: readonly BackendName[] = ['native', 'native-portable', 'wasm', 'js'];

export interface LoadError {
  backend: BackendName;
  message: string;
}

export interface BackendReport extends BackendInfo {
  /** Why backends tried before this one could not load (automatic mode). */
  loadErrors: LoadError[];
}

const loaded = new Map<BackendName, Backend>();
const failures = new Map<BackendName, string>();

function tryLoad(name: BackendName): Backend | undefined {
  const cached = loaded.get(name);
  if (cached) return cached;
  if (failures.has(name)) return undefined;
  try {
    let backend: Backend;
    if (name === 'js') backend = jsBackend;
    else if (name === 'native' || name === 'native-portable') backend = createNativeBackend(name, loadAddon(name));
    else backend = createWasmBackend();
    loaded.set(name, backend);
    debug('loaded backend %s%s', name, name === 'wasm' ? (backend.info().simd ? ' (SIMD build)' : ' (build without SIMD)') : '');
    return backend;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    failures.set(name, message);
    debug('backend %s failed to load: %s', name, message);
    return undefined;
  }
}

function fixesFor(name: BackendName, message: string): string[] {
  if (name === 'native' || name === 'native-portable') {
    const fixes = [];
    if (/Cannot find module|no such file/i.test(message)) {
      fixes.push(`build the addon: run "npm run build:native" in the package (needs python3, make and a C++17 compiler); expected file ${ADDON_FILES[name]}`);
    }
    if (/libopenblas/i.test(message)) fixes.push('install OpenBLAS ("apt-get install -y libopenblas-dev") or use backend "native-portable"');
    if (/NODE_MODULE_VERSION|was compiled against a different Node/i.test(message)) {
      fixes.push('rebuild for this Node.js version: "npm rebuild ssm-poison"');
    }
    if (/addons/i.test(message)) fixes.push('Node.js runs with --no-addons: use backend "wasm" or "js"');
    return fixes;
  }
  if (name === 'wasm') {
    const fixes = [];
    if (/no such file|ENOENT/i.test(message)) {
      fixes.push(`reinstall the package or rebuild the module: "npm run build:wasm" (needs clang, lld, wasi-libc, libc++-dev-wasm32, libclang-rt-dev-wasm32); expected file ${WASM_FILES.simd} or ${WASM_FILES.plain}`);
    }
    if (/not available|jitless/i.test(message)) fixes.push('run Node.js with WebAssembly enabled (without --jitless)');
    return fixes;
  }
  return [];
}

function loadFailure(tried: BackendName[]): SsmPoisonError {
  const lines = tried.map((name) => `  - ${name}: ${failures.get(name) ?? 'unknown error'}`);
  const fixes = [...new Set(tried.flatMap((name) => fixesFor(name, failures.get(name) ?? '')))];
  if (!tried.includes('wasm')) {
    fixes.push('select the WebAssembly build of the same core: { backend: "wasm" }, --backend wasm or SSM_POISON_BACKEND=wasm');
  }
  fixes.push('select the pure-TypeScript backend: { backend: "js" }, --backend js or SSM_POISON_BACKEND=js');
  return new SsmPoisonError(
    `Could not load the ssm-poison backend${tried.length > 1 ? 's' : ''}:\n${lines.join('\n')}\n` +
      `Possible solutions:\n${fixes.map((f) => `  - ${f}`).join('\n')}`,
    'ERR_SSM_BACKEND_UNAVAILABLE',
  );
}

const AUTO_ORDER: BackendName[] = ['native', 'native-portable', 'wasm'];

/** SSM_POISON_BACKEND, or 'auto' when it is unset. */
export function defaultChoice(): BackendName | 'auto' {
  const env = process.env.SSM_POISON_BACKEND?.trim();
  if (!env) return 'auto';
  if (env === 'auto' || (BACKEND_NAMES as string[]).includes(env)) return env as BackendName | 'auto';
  throw new RangeError(
    `Expected one of auto, ${BACKEND_NAMES.join(', ')} for SSM_POISON_BACKEND but received "${env}" of type string`,
  );
}

/** The backend for `choice` (default: SSM_POISON_BACKEND, else automatic). */
export function getBackend(choice: BackendChoice = defaultChoice()): Backend {
  if (typeof choice === 'object' && choice !== null) return choice;
  if (choice === 'auto') {
    for (const name of AUTO_ORDER) {
      const backend = tryLoad(name);
      if (backend) return backend;
    }
    throw loadFailure(AUTO_ORDER);
  }
  if (!(BACKEND_NAMES as string[]).includes(choice)) {
    throw new RangeError(
      `Expected one of auto, ${BACKEND_NAMES.join(', ')} for backend but received ${JSON.stringify(choice)} of type ${typeof choice}`,
    );
  }
  const backend = tryLoad(choice);
  if (!backend) throw loadFailure([choice]);
  return backend;
}

/** Every backend that loads here, in preference order (tests and benchmarks). */
export function availableBackends(): Backend[] {
  return BACKEND_NAMES.map(tryLoad).filter((b): b is Backend => b !== undefined);
}

/** Why a backend did not load, or undefined when it loads. */
export function backendLoadError(name: BackendName): string | undefined {
  return tryLoad(name) ? undefined : failures.get(name);
}

/** Name, BLAS, threads of the backend `choice` would use, and why others did not load. */
export function backendInfo(choice?: BackendChoice): BackendReport {
  const backend = getBackend(choice);
  const loadErrors: LoadError[] = [];
  for (const name of AUTO_ORDER) {
    if (name === backend.name) break;
    const message = failures.get(name);
    if (message) loadErrors.push({ backend: name, message });
  }
  return { ...backend.info(), loadErrors };
}
