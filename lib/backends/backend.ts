/**
 * The one interface every backend (native addon, WebAssembly, pure TypeScript) implements.
 * Arguments are flat Float64Arrays plus integers, already validated by the caller
 * (lib/validate.ts); backends check again where a bad value could corrupt memory.
 * Shapes follow native/core/ssm.h: S students × d, N sequences × K (row-major).
 */

export type BackendName = 'native' | 'native-portable' | 'wasm' | 'js';

/** A batch of S diagonal SSMs of dimension d; a, b, c are S×d row-major. */
export interface ModelBatch {
  readonly count: number;
  readonly dim: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
}

/** N sequences of length K, row-major N×K. */
export interface SequenceBatch {
  readonly count: number;
  readonly length: number;
  readonly x: Float64Array;
}

/** `final`: S×N; `outputs`: S×N×K (output after each step); `states`: S×N×K×d. */
export type ScanMode = 'final' | 'outputs' | 'states';

/** What `evaluate` should compute besides the loss. */
export interface EvaluateRequest {
  outputs?: boolean;
  residuals?: boolean;
  e?: boolean;
  gradA?: boolean;
  gradB?: boolean;
  gradC?: boolean;
  gamma?: boolean;
  hessian?: boolean;
  kernelGrad?: boolean;
  kernelGradNorm?: boolean;
}

/** Shapes: loss S; outputs/residuals S×N; e S×K; grads S×d; gamma S×(K−1); hessian and
 * kernelGrad S×d×d; kernelGradNorm S. Only requested fields are present. */
export interface Evaluation {
  loss: Float64Array;
  outputs?: Float64Array;
  residuals?: Float64Array;
  e?: Float64Array;
  gradA?: Float64Array;
  gradB?: Float64Array;
  gradC?: Float64Array;
  gamma?: Float64Array;
  hessian?: Float64Array;
  kernelGrad?: Float64Array;
  kernelGradNorm?: Float64Array;
}

/** NumPy legacy generator (np.random.seed(int) / RandomState), bit-exact. */
export interface NumpyRandom {
  /** Like np.random.rand(n) / random_sample(n). */
  randomSample(n: number): Float64Array;
  /** Like np.random.normal(loc, scale, n) (legacy polar method, cached second value). */
  normal(loc: number, scale: number, n: number): Float64Array;
}

export interface BackendInfo {
  name: BackendName;
  /** "openblas", "portable" or "none" (js). */
  blas: string;
  openblas: boolean;
  /** Threads for independent students. */
  threads: number;
  /** Threads OpenBLAS uses for large products (1 without OpenBLAS). */
  blasThreads: number;
  /** wasm only: whether the SIMD build (-msimd128) runs. */
  simd?: boolean;
}

export interface Backend {
  readonly name: BackendName;
  info(): BackendInfo;
  /** h (S×L), h_{s,l} = Σ_i c_i b_i a_i^l. */
  impulseResponse(m: ModelBatch, length: number): Float64Array;
  /** Final outputs (S×N) through the impulse form. */
  forward(m: ModelBatch, x: SequenceBatch): Float64Array;
  /** The recurrence; see ScanMode for the shapes. */
  scan(m: ModelBatch, x: SequenceBatch, mode: ScanMode): Float64Array;
  /** MSE loss (S) and what `request` asks for; targets has N entries. */
  evaluate(m: ModelBatch, x: SequenceBatch, targets: Float64Array, request: EvaluateRequest): Evaluation;
  /** Extrapolation error of every student (S) against the teacher (count 1), j ∈ [from, to]. */
  extrapolationError(m: ModelBatch, teacher: ModelBatch, from: number, to: number): Float64Array;
  /** Effective rank of |a| for every student (S). */
  effectiveRank(m: ModelBatch): Float64Array;
  /** A NumPy-exact MT19937 stream seeded like np.random.seed(seed), 0 ≤ seed < 2^32. */
  numpyRandom(seed: number): NumpyRandom;
  /** Threads for independent students (0: the default). Backends without threads omit it. */
  setThreads?(threads: number): void;
}
