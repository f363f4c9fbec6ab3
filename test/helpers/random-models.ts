/**
 * Seeded random models and sequences for tests. The generator is a small deterministic
 * PRNG of our own (mulberry32), so every test sees the same numbers on every machine and
 * never depends on Math.random.
 */
import type { ModelBatch, SequenceBatch } from '../../lib/backends/backend';

/** mulberry32: 32-bit state, period 2^32, good enough for test data. */
export class TestRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  /** A uniform double in [lo, hi) with 53 random bits. */
  uniform(lo = 0, hi = 1): number {
    const hi27 = this.nextUint32() >>> 5;
    const lo26 = this.nextUint32() >>> 6;
    const u = (hi27 * 67108864 + lo26) / 9007199254740992;
    return lo + (hi - lo) * u;
  }

  /** A standard normal variate (Box–Muller, one value per call). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** +1 or −1 with equal probability. */
  sign(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** A uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }
}

/** A seed for a named test case, so cases do not share streams (FNV-1a of the key). */
export function seedFor(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface RandomModelOptions {
  /** Students S. */
  count: number;
  /** State dimension d. */
  dim: number;
  /** |a_i| is uniform in [aMin, aMax], with a random sign (default 0.2 … 0.95). */
  aMin?: number;
  aMax?: number;
  /** |b_i| is uniform in [0.5, 1.5]·bScale (default 1). */
  bScale?: number;
  /** |c_i| is uniform in [0.5, 1.5]·cScale (default 1/√d, so outputs stay O(1)). */
  cScale?: number;
}

/**
 * S random diagonal SSMs. The defaults keep every power a_i^l informative up to l ≈ 256
 * (|a| ≤ 0.95: 0.95^256 ≈ 2e−6) while no entry is negligible (|a| ≥ 0.2), and keep b, c
 * away from zero so no gradient component vanishes.
 */
export function randomModels(rng: TestRng, options: RandomModelOptions): ModelBatch {
  const { count, dim } = options;
  const aMin = options.aMin ?? 0.2;
  const aMax = options.aMax ?? 0.95;
  const bScale = options.bScale ?? 1;
  const cScale = options.cScale ?? 1 / Math.sqrt(dim);
  const n = count * dim;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.sign() * rng.uniform(aMin, aMax);
    b[i] = rng.sign() * rng.uniform(0.5, 1.5) * bScale;
    c[i] = rng.sign() * rng.uniform(0.5, 1.5) * cScale;
  }
  return { count, dim, a, b, c };
}

/** N standard-normal sequences of length K (times `scale`). */
export function randomSequences(rng: TestRng, count: number, length: number, scale = 1): SequenceBatch {
  const x = new Float64Array(count * length);
  for (let i = 0; i < x.length; i++) x[i] = scale * rng.normal();
  return { count, length, x };
}

/** n standard-normal values (times `scale`), e.g. regression targets. */
export function randomVector(rng: TestRng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * rng.normal();
  return v;
}

/** A deep copy of a model batch (fresh arrays). */
export function copyModels(m: ModelBatch): ModelBatch {
  return { count: m.count, dim: m.dim, a: m.a.slice(), b: m.b.slice(), c: m.c.slice() };
}

/** Student s of a batch as a batch of one (fresh arrays). */
export function studentOf(m: ModelBatch, s: number): ModelBatch {
  const d = m.dim;
  return {
    count: 1,
    dim: d,
    a: m.a.slice(s * d, (s + 1) * d),
    b: m.b.slice(s * d, (s + 1) * d),
    c: m.c.slice(s * d, (s + 1) * d),
  };
}

/** The first `length` steps of every sequence (x[n][0 … length−1]). */
export function prefixOf(x: SequenceBatch, length: number): SequenceBatch {
  const K = x.length;
  const out = new Float64Array(x.count * length);
  for (let n = 0; n < x.count; n++) out.set(x.x.subarray(n * K, n * K + length), n * length);
  return { count: x.count, length, x: out };
}
