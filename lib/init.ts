/** Initializations of SPEC §4. */
import { DiagonalSSM } from './model';
import { createRandom, type RngKind } from './data';
import { checkFiniteNumber, checkInteger, rangeError } from './validate';

/** The tie-breaking difference of the official code: 0.05 / exp(exponent · log10(1/sdA)). */
export function officialDiff(sdA: number, exponent: number): number {
  return 0.05 / Math.exp(exponent * Math.log10(1 / sdA));
}

export interface Theorem1InitOptions {
  dim: number;
  sdA: number;
  diff: number;
  seed: number;
  /** 'numpy' (default): np.random.seed(seed); sdA · np.random.rand(dim). */
  rng?: RngKind;
}

/** Theorem-1 init: a0 = flip(sort(sdA · rand(d))), a0[1] = a0[0] − diff, b = c = 1. */
export function theorem1Init(options: Theorem1InitOptions): DiagonalSSM {
  const dim = checkInteger(options.dim, 'dim', 2);
  const sdA = checkFiniteNumber(options.sdA, 'sdA');
  if (!(sdA > 0)) throw rangeError('a number > 0', 'sdA', sdA);
  const diff = checkFiniteNumber(options.diff, 'diff');
  const u = createRandom(options.rng ?? 'numpy', options.seed).randomSample(dim);
  const a = Array.from(u, (v) => sdA * v).sort((p, q) => q - p);
  a[1] = a[0] - diff;
  const ones = new Array<number>(dim).fill(1);
  return new DiagonalSSM({ a, b: ones, c: ones });
}

export interface OfficialInitOptions {
  dim: number;
  sdA: number;
  sdBC: number;
  diff: number;
  /** Added to a and b after the tie-breaks (official warm_init; default 0). */
  warmInit?: number;
  /** Teacher dimension: 3 and 4 add the official extra tie-breaks (default 1). */
  teacherDim?: number;
  seed: number;
  /** Generator of the Gaussian draws (Keras' RandomNormal draws cannot be replayed without
   * TensorFlow: same distribution, documented). Default 'numpy'. */
  rng?: RngKind;
}

/**
 * The official `train_helper` init (SPEC §4): Gaussian B (1×d, sdBC), A (d×d, sdA, diagonal
 * kept), C (d×1, sdBC) in Keras build order; a = |diag A| sorted descending, b = |B| sorted
 * descending, c = |C| reversed (the official flip of an unsortable d×1 array); then
 * a₂ = a₁ − diff (b likewise), for 3/4-dimensional teachers a₃ = a₁ − 1.01·diff and
 * a₄ = a₁ − 1.05·diff; then a += warmInit, b += warmInit.
 */
export function officialInit(options: OfficialInitOptions): DiagonalSSM {
  const dim = checkInteger(options.dim, 'dim', 1);
  const sdA = checkFiniteNumber(options.sdA, 'sdA');
  const sdBC = checkFiniteNumber(options.sdBC, 'sdBC');
  if (!(sdA > 0)) throw rangeError('a number > 0', 'sdA', sdA);
  if (!(sdBC > 0)) throw rangeError('a number > 0', 'sdBC', sdBC);
  const diff = checkFiniteNumber(options.diff, 'diff');
  const warm = options.warmInit === undefined ? 0 : checkFiniteNumber(options.warmInit, 'warmInit');
  const teacherDim = options.teacherDim === undefined ? 1 : checkInteger(options.teacherDim, 'teacherDim', 1);
  const rng = createRandom(options.rng ?? 'numpy', options.seed);
  const B = rng.normal(0, sdBC, dim);
  const A = rng.normal(0, sdA, dim * dim);
  const C = rng.normal(0, sdBC, dim);
  const descending = (v: number[]) => v.sort((p, q) => q - p);
  const a = descending(Array.from({ length: dim }, (_, i) => Math.abs(A[i * dim + i])));
  const b = descending(Array.from(B, Math.abs));
  const c = Array.from(C, Math.abs).reverse();
  const breaks: [number, number][] = [[1, 1]];
  if (teacherDim >= 3) breaks.push([2, 1.01]);
  if (teacherDim >= 4) breaks.push([3, 1.05]);
  for (const [i, f] of breaks) {
    if (i < dim) {
      a[i] = a[0] - f * diff;
      b[i] = b[0] - f * diff;
    }
  }
  return new DiagonalSSM({ a: a.map((v) => v + warm), b: b.map((v) => v + warm), c });
}
