/**
 * The fast default generator (SPEC §3 "besides a fast default RNG"): xoshiro128** seeded
 * through SplitMix32, 53-bit doubles, and Gaussians by the polar method. Not NumPy's
 * stream; use the NumPy-exact generator to reproduce the official code.
 */
import type { NumpyRandom } from '../backends/backend';
import { checkInteger } from '../validate';

export type Gaussians = NumpyRandom;

export class FastRandom implements Gaussians {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    checkInteger(seed, 'seed', 0, 0xffffffff);
    let x = seed >>> 0;
    const next = () => {
      // SplitMix32 (Vigna), fills the 128-bit state from one 32-bit seed.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  private nextDouble(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  private gauss(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.spare = f * x1;
    this.hasSpare = true;
    return f * x2;
  }

  randomSample(n: number): Float64Array {
    const out = new Float64Array(checkInteger(n, 'n', 0));
    for (let i = 0; i < out.length; i++) out[i] = this.nextDouble();
    return out;
  }

  normal(loc: number, scale: number, n: number): Float64Array {
    const out = new Float64Array(checkInteger(n, 'n', 0));
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.gauss();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
