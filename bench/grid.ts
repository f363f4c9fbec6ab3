/**
 * What the kernel benchmarks measure: the backends, the sizes and how a case is named
 * (`evaluate-grad::<backend>:k=<κ>,d=<d>,n=<N>,s=<S>`, STYLE.md "case::backend:size").
 * Adding a backend (e.g. 'wasm') is one entry in BENCH_BACKENDS.
 */
import type { BackendName } from '../lib/backends/backend';

/** Backends benchmarked by default, in table-column order. */
export const BENCH_BACKENDS: readonly BackendName[] = ['native', 'native-portable', 'js'];

/** Speed ratios shown in the table: [faster, baseline] = baseline median / faster median. */
export const BENCH_RATIOS: readonly (readonly [BackendName, BackendName])[] = [
  ['native', 'js'],
  ['native', 'native-portable'],
];

export const KAPPAS: readonly number[] = [64, 1024, 16384, 262144];
export const QUICK_KAPPAS: readonly number[] = [64, 1024];
export const DIMS: readonly number[] = [10, 256];
export const STUDENTS: readonly number[] = [1, 64];
export const SEQUENCES = 64;

/** Per-case time budget (ms) and minimum measured iterations (tinybench needs both met). */
export const DEFAULT_TIME_MS = 1000;
export const DEFAULT_MIN_ITERATIONS = 3;

/** Acceptance (the issue): linearity in κ and the OpenBLAS speed-up over js. */
export const LINEARITY = { from: 1024, to: 262144, maxFactor: 1.5 } as const;
export const SPEEDUP = { backend: 'native', baseline: 'js', kappa: 16384, students: 64, min: 10 } as const;

export interface CaseSize {
  kappa: number;
  d: number;
  N: number;
  S: number;
}

export interface CaseSpec extends CaseSize {
  backend: BackendName;
}

export function caseName(c: CaseSpec): string {
  return `evaluate-grad::${c.backend}:k=${c.kappa},d=${c.d},n=${c.N},s=${c.S}`;
}

/** What kernels-case prints (one JSON line). */
export interface CaseResult extends CaseSpec {
  name: string;
  medianMs: number;
  meanMs: number;
  samples: number;
  evalsPerSecond: number;
  backendInfo: Record<string, unknown>;
  /** Relative error of the correctness guard against the js oracle (null for js itself). */
  guard: { reference: string; students: number[]; maxRelError: number | null; tolerance: number };
  /** Extra statistics (ms) and set-up costs, for the record. */
  minMs: number;
  maxMs: number;
  rme: number;
  setupMs: number;
  guardMs: number;
}
