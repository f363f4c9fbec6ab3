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
