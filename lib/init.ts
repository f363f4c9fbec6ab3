/** Initializations of SPEC §4. */
import { DiagonalSSM } from './model';
import { createRandom, type RngKind } from './data';
import { tensorflowStatelessNormal } from './random/tensorflow';
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
  /** The run's seed: the official code seeds every Keras initializer with it. */
  seed: number;
  /** Generator of the Gaussian draws (default 'tensorflow': the official draws). */
  rng?: InitRng;
}

/** Where the official init's Gaussian draws come from: 'tensorflow' replays the official
 * Keras initializers (default); 'numpy' or 'fast' draw the same distribution from those
 * streams. */
export type InitRng = 'tensorflow' | RngKind;

/**
 * A tensor of the official model's Keras initializers, `RandomNormal(0, sd, seed=seed)`,
 * flat in row-major order. Every initializer of the official `create_ssm` gets the run's
 * seed, and TensorFlow's seeded initializers are stateless (init_ops_v2._RandomGenerator
 * calls stateless_random_normal with [seed, 0]): each tensor is sd × a prefix of one and
 * the same standard-normal stream. So C equals B, A's first row is B rescaled, and the
 * MLP's D_out equals its D_1. 'tensorflow' replays that stream (lib/random/tensorflow.ts);
 * 'numpy' and 'fast' substitute their own stream, shared between tensors the same way.
 */
export function kerasSeededNormal(rng: InitRng, seed: number, sd: number, count: number): Float64Array {
  if (rng === 'tensorflow') {
    checkInteger(seed, 'seed', 0, 2 ** 53 - 1);
    return tensorflowStatelessNormal(seed, 0, count, 0, sd);
  }
  return createRandom(rng, seed).normal(0, sd, count);
}

/**
 * The official `train_helper` init (SPEC §4): B (1×d, sdBC), A (d×d, sdA, diagonal kept),
 * C (d×1, sdBC) from the seeded Keras initializers (kerasSeededNormal: C = B); a = |diag A|
 * sorted descending, b = |B| sorted descending, c = |C| reversed (the official flip of an
 * unsortable d×1 array); then
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
  const rng = options.rng ?? 'tensorflow';
  const B = kerasSeededNormal(rng, options.seed, sdBC, dim);
  const A = kerasSeededNormal(rng, options.seed, sdA, dim * dim);
  const C = kerasSeededNormal(rng, options.seed, sdBC, dim);
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

export interface OfficialMlpInitOptions {
  width: number;
  depth: number;
  /** The std of every MLP weight (official sd_D). */
  sd: number;
  /** The run's seed, the same as the SSM's (officialInit), as in the official code. */
  seed: number;
  /** Default 'tensorflow' (the official draws). */
  rng?: InitRng;
}

/**
 * The official MLP head's initial weights (SPEC §1, §4), flat in the engine's order D_1 (1×m),
 * D_2 … D_depth (m×m, row-major: input index first, as Keras' Dense kernels), D_out (m×1),
 * each from the seeded Keras initializer (kerasSeededNormal): every layer starts from the
 * same stream, so D_out = D_1 and D_k's first row is D_1.
 */
export function officialMlpInit(options: OfficialMlpInitOptions): Float64Array {
  const m = checkInteger(options.width, 'width', 1);
  const depth = checkInteger(options.depth, 'depth', 1);
  const sd = checkFiniteNumber(options.sd, 'sd');
  if (!(sd > 0)) throw rangeError('a number > 0', 'sd', sd);
  const rng = options.rng ?? 'tensorflow';
  const first = kerasSeededNormal(rng, options.seed, sd, m);
  const hidden = depth > 1 ? kerasSeededNormal(rng, options.seed, sd, m * m) : new Float64Array(0);
  const w = new Float64Array(2 * m + (depth - 1) * m * m);
  w.set(first, 0);
  for (let k = 1; k < depth; k++) w.set(hidden, m + (k - 1) * m * m);
  w.set(first, m + (depth - 1) * m * m);
  return w;
}
