/**
 * What the kernel benchmarks measure: the backends, the sizes and how a case is named
 * (`evaluate-grad::<backend>:k=<κ>,d=<d>,n=<N>,s=<S>`, STYLE.md "case::backend:size").
 * Adding a backend is one entry in BENCH_BACKENDS (names: bench/backends.ts).
 */
import type { BenchBackendName } from './backends';
import type { Latency } from './measure';

/** Backends benchmarked by default, in table-column order. */
export const BENCH_BACKENDS: readonly BenchBackendName[] = ['native', 'native-portable', 'wasm-simd', 'wasm-plain', 'js'];

/** Speed ratios shown in the table: [faster, baseline] = baseline median / faster median. */
export const BENCH_RATIOS: readonly (readonly [BenchBackendName, BenchBackendName])[] = [
  ['native', 'js'],
  ['native', 'native-portable'],
  ['native', 'wasm-simd'],
  ['wasm-simd', 'js'],
  ['wasm-simd', 'wasm-plain'],
];

export const KAPPAS: readonly number[] = [64, 1024, 16384, 262144];
export const QUICK_KAPPAS: readonly number[] = [64, 1024];
export const DIMS: readonly number[] = [10, 256];
export const STUDENTS: readonly number[] = [1, 64];
export const SEQUENCES = 64;

/** Per-case time budget (ms) and minimum measured iterations (tinybench needs both met). */
export const DEFAULT_TIME_MS = 1000;
export const DEFAULT_MIN_ITERATIONS = 3;

/** Acceptance (the issues): linearity in κ of native, and speed-ups at κ = 16384, S = 64, every d. */
export const LINEARITY = { from: 1024, to: 262144, maxFactor: 1.5 } as const;

export interface Speedup {
  backend: BenchBackendName;
  baseline: BenchBackendName;
  kappa: number;
  students: number;
  /** baseline median / backend median must be at least this. */
  min: number;
}

export const SPEEDUPS: readonly Speedup[] = [
  { backend: 'native', baseline: 'js', kappa: 16384, students: 64, min: 10 },
  { backend: 'native', baseline: 'wasm-simd', kappa: 16384, students: 64, min: 2 },
  { backend: 'wasm-simd', baseline: 'js', kappa: 16384, students: 64, min: 3 },
];

export interface CaseSize {
  kappa: number;
  d: number;
  N: number;
  S: number;
}

export interface CaseSpec extends CaseSize {
  backend: BenchBackendName;
}

export function caseName(c: CaseSpec): string {
  return `evaluate-grad::${c.backend}:k=${c.kappa},d=${c.d},n=${c.N},s=${c.S}`;
}

/** What kernels-case prints (one JSON line). */
export interface CaseResult extends CaseSpec, Latency {
  name: string;
  evalsPerSecond: number;
  backendInfo: Record<string, unknown>;
  /** Relative error of the correctness guard against the js oracle (null for js itself). */
  guard: { reference: string; students: number[]; maxRelError: number | null; tolerance: number };
  /** Set-up costs (ms), for the record. */
  setupMs: number;
  guardMs: number;
}
