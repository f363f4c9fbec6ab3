/**
 * The backends a benchmark can measure: the loader's native builds and js, and the two
 * WebAssembly builds as separate backends (`wasm-simd`, `wasm-plain`; the library's
 * `wasm` picks one of them by itself). Which of them a suite can run is its own question
 * (selectBackends takes the suite's reason a backend cannot run).
 */
import type { Backend } from '../lib/backends/backend';
import { getBackend } from '../lib/backends/loader';
import { createWasmBackend, type WasmVariant } from '../lib/backends/wasm';
import { SsmPoisonError } from '../lib/errors';
import { rangeError } from '../lib/validate';

export const BENCH_BACKEND_NAMES = ['native', 'native-portable', 'wasm-simd', 'wasm-plain', 'js'] as const;
export type BenchBackendName = (typeof BENCH_BACKEND_NAMES)[number];

const WASM_VARIANTS: Partial<Record<BenchBackendName, WasmVariant>> = { 'wasm-simd': 'simd', 'wasm-plain': 'plain' };

const loaded = new Map<BenchBackendName, Backend>();

/** The backend behind a benchmark name (loaded once per process); throws when it cannot load. */
export function loadBenchBackend(name: BenchBackendName): Backend {
  let backend = loaded.get(name);
  if (!backend) {
    const variant = WASM_VARIANTS[name];
    backend = variant ? createWasmBackend(variant) : getBackend(name as Exclude<BenchBackendName, 'wasm-simd' | 'wasm-plain'>);
    loaded.set(name, backend);
  }
  return backend;
}

/** Why the backend does not load here, or undefined when it loads. */
export function benchBackendLoadError(name: BenchBackendName): string | undefined {
  try {
    loadBenchBackend(name);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

export function benchBackendName(value: string | undefined, option: string): BenchBackendName {
  if (value === undefined || !(BENCH_BACKEND_NAMES as readonly string[]).includes(value)) {
    throw rangeError(`one of ${BENCH_BACKEND_NAMES.join(', ')}`, option, value);
  }
  return value as BenchBackendName;
}

export function benchBackendList(value: string, option: string): BenchBackendName[] {
  const names = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (names.length === 0) throw rangeError(`a comma-separated list of ${BENCH_BACKEND_NAMES.join(', ')}`, option, value);
  return [...new Set(names.map((v) => benchBackendName(v, option)))];
}

export interface SkippedBackend {
  backend: BenchBackendName;
  reason: string;
}

/**
 * The requested backends that can run (`cannotRun` gives the reason one cannot, or
 * undefined). Backends asked for explicitly that cannot run are an error; default ones
 * are skipped, with the reason.
 */
export function selectBackends(requested: readonly BenchBackendName[], explicit: boolean,
  cannotRun: (name: BenchBackendName) => string | undefined): { backends: BenchBackendName[]; skipped: SkippedBackend[] } {
  const backends: BenchBackendName[] = [];
  const skipped: SkippedBackend[] = [];
  for (const backend of requested) {
    const reason = cannotRun(backend);
    if (reason === undefined) backends.push(backend);
    else skipped.push({ backend, reason });
  }
  if (explicit && skipped.length > 0) {
    throw new SsmPoisonError(
      `Cannot benchmark the requested backend${skipped.length > 1 ? 's' : ''}:\n` +
        skipped.map((s) => `  - ${s.backend}: ${s.reason}`).join('\n'),
      'ERR_SSM_BACKEND_UNAVAILABLE',
    );
  }
  return { backends, skipped };
}
