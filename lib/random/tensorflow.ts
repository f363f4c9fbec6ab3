/**
 * TensorFlow's stateless normal draws, float32 on the CPU: what a seeded Keras initializer
 * (`RandomNormal(mean, stddev, seed=s)` in TF 2.x, init_ops_v2._RandomGenerator) returns.
 * The official experiments draw every initial weight this way (SPEC §4), so replaying it
 * gives their initial models, not only the same distribution.
 *
 * The pipeline (tensorflow/core/kernels/stateless_random_ops.cc, lib/random/philox_random.h,
 * random_distributions.h):
 *  - seed [s, 0] is scrambled: one Philox4x32-10 block of counter (s_lo, s_hi, 0, 0) under
 *    key (0x3ec8f720, 0x02461e29) gives the key (mix0, mix1) and counter (0, 0, mix2, mix3);
 *  - element k comes from block ⌊k/4⌋ (the 128-bit counter advanced by that many), lane k % 4;
 *  - lanes (0, 1) and (2, 3) go through BoxMullerFloat: u1 = max(mantissa/2^23, 1e−7f),
 *    v = (float)(2π · mantissa'/2^23), r = sqrtf(−2 logf u1), (sin v · r, cos v · r);
 *  - then · stddev + mean in float32.
 * Philox is checked against Random123's known answers; logf/sinf/cosf are taken as the
 * correctly rounded float32 values (glibc's are within one unit in the last place of them).
 */

const KEY_SCRAMBLE: readonly [number, number] = [0x3ec8f720, 0x02461e29];
const M0 = 0xd2511f53, M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32. */
function mulHi(a: number, b: number): number {
  const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
  const lh = aL * bH, hl = aH * bL;
  const mid = ((aL * bL) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: 10 rounds of counter `c` under key `k`. */
export function philox4x32(c: readonly number[], k: readonly number[]): [number, number, number, number] {
  let c0 = c[0] >>> 0, c1 = c[1] >>> 0, c2 = c[2] >>> 0, c3 = c[3] >>> 0;
  let k0 = k[0] >>> 0, k1 = k[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    const lo0 = Math.imul(M0, c0) >>> 0, hi0 = mulHi(M0, c0);
    const lo1 = Math.imul(M1, c2) >>> 0, hi1 = mulHi(M1, c2);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The 128-bit counter (little-endian words) plus n < 2^32. */
function advance(c: readonly number[], n: number): number[] {
  const out = c.slice();
  let carry = n;
  for (let w = 0; w < 4 && carry > 0; w++) {
    const sum = out[w] + carry;
    out[w] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
  return out;
}

/** A uint32's low 23 bits as a float in [0, 1) (Uint32ToFloat). */
function uint32ToFloat(x: number): number {
  return (x & 0x7fffff) / 0x800000;
}

const EPSILON_F = Math.fround(1e-7);

/** Box–Muller in float32 (BoxMullerFloat); writes two values at out[at], out[at + 1]. */
function boxMullerFloat(x0: number, x1: number, out: Float64Array, at: number): void {
  const f = Math.fround;
  let u1 = uint32ToFloat(x0);
  if (u1 < EPSILON_F) u1 = EPSILON_F;
  const v1 = f(2 * Math.PI * uint32ToFloat(x1)); // 2.0f * M_PI is a double product, stored as float
  const u2 = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
  if (at < out.length) out[at] = f(f(Math.sin(v1)) * u2);
  if (at + 1 < out.length) out[at + 1] = f(f(Math.cos(v1)) * u2);
}

/**
 * `tf.random.stateless_normal([count], seed=[seed0, seed1], mean, stddev, tf.float32)`,
 * flattened, as float64 values (each exactly a float32). seed0 and seed1 are integers in
 * [0, 2^53) (a Keras initializer seeded with s uses [s, 0]).
 */
export function tensorflowStatelessNormal(seed0: number, seed1: number, count: number, mean = 0, stddev = 1): Float64Array {
  const split = (s: number) => [s % 2 ** 32, Math.floor(s / 2 ** 32)];
  const mix = philox4x32([...split(seed0), ...split(seed1)], KEY_SCRAMBLE);
  const key = [mix[0], mix[1]];
  const counter = [0, 0, mix[2], mix[3]];
  const out = new Float64Array(count);
  for (let block = 0, at = 0; at < count; block++, at += 4) {
    const x = philox4x32(advance(counter, block), key);
    boxMullerFloat(x[0], x[1], out, at);
    boxMullerFloat(x[2], x[3], out, at + 2);
  }
  const sd = Math.fround(stddev), mu = Math.fround(mean);
  for (let i = 0; i < count; i++) out[i] = Math.fround(Math.fround(out[i] * sd) + mu);
  return out;
}
