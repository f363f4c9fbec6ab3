/**
 * The official init (SPEC §4): B, A, C from the seeded Keras initializers (TensorFlow's
 * stateless stream, each tensor a prefix of it), |diag A| and |B| sorted descending, |C|
 * only reversed, the tie-breaks (dim 1/2, 3, 4 teachers), warm init; the MLP head's weights
 * from the same initializers; TensorFlow's stateless normal itself.
 */
import assert from 'node:assert/strict';

import { createRandom } from '../lib/data';
import { kerasSeededNormal, officialDiff, officialInit, officialMlpInit } from '../lib/init';
import { philox4x32, tensorflowStatelessNormal } from '../lib/random/tensorflow';

describe('officialInit (SPEC §4)', () => {
  const dim = 6, sdA = 0.01, sdBC = 0.02, seed = 77;
  const diff = officialDiff(sdA, 2);

  /** The draws the init post-processes: each seeded initializer restarts TensorFlow's stream. */
  function draws() {
    const B = tensorflowStatelessNormal(seed, 0, dim, 0, sdBC);
    const A = tensorflowStatelessNormal(seed, 0, dim * dim, 0, sdA);
    const C = tensorflowStatelessNormal(seed, 0, dim, 0, sdBC);
    return { B, A, C };
  }

  it('a = |diag A| and b = |B| sorted descending, c = |C| reversed; a₂ = a₁ − diff (b likewise); warm init on a and b', () => {
    const { B, A, C } = draws();
    const m = officialInit({ dim, sdA, sdBC, diff, warmInit: 0.1, seed });
    const a = Array.from({ length: dim }, (_, i) => Math.abs(A[i * dim + i])).sort((p, q) => q - p);
    const b = Array.from(B, Math.abs).sort((p, q) => q - p);
    a[1] = a[0] - diff;
    b[1] = b[0] - diff;
    assert.deepEqual(Array.from(m.a), a.map((v) => v + 0.1));
    assert.deepEqual(Array.from(m.b), b.map((v) => v + 0.1));
    assert.deepEqual(Array.from(m.c), Array.from(C, Math.abs).reverse());
  });

  it('3- and 4-dimensional teachers add a₃ = a₁ − 1.01·diff and a₄ = a₁ − 1.05·diff (b likewise)', () => {
    const three = officialInit({ dim, sdA, sdBC, diff, teacherDim: 3, seed });
    const four = officialInit({ dim, sdA, sdBC, diff, teacherDim: 4, seed });
    const one = officialInit({ dim, sdA, sdBC, diff, seed });
    for (const v of ['a', 'b'] as const) {
      assert.equal(three[v][2], three[v][0] - 1.01 * diff);
      assert.equal(three[v][3], one[v][3]);
      assert.equal(four[v][2], four[v][0] - 1.01 * diff);
      assert.equal(four[v][3], four[v][0] - 1.05 * diff);
      assert.equal(four[v][4], one[v][4]);
    }
  });

  it('one seed for every initializer: C equals B, and A\'s first row is B rescaled', () => {
    const m = officialInit({ dim, sdA, sdBC, diff, seed });
    const B = tensorflowStatelessNormal(seed, 0, dim, 0, sdBC);
    assert.deepEqual(Array.from(m.c).reverse(), Array.from(B, Math.abs));
    const unit = tensorflowStatelessNormal(seed, 0, dim * dim);
    for (let j = 0; j < dim; j++) {
      assert.equal(B[j], Math.fround(unit[j] * Math.fround(sdBC)));
      assert.equal(draws().A[j], Math.fround(unit[j] * Math.fround(sdA)));
    }
  });

  it('the same seed gives the same init; the NumPy and fast generators other ones; bad sizes are errors', () => {
    assert.notDeepEqual(Array.from(officialInit({ dim, sdA, sdBC, diff, seed, rng: 'numpy' }).a), Array.from(officialInit({ dim, sdA, sdBC, diff, seed }).a));
    assert.deepEqual(kerasSeededNormal('numpy', seed, 2, 5), createRandom('numpy', seed).normal(0, 2, 5));
    assert.deepEqual(officialInit({ dim, sdA, sdBC, diff, seed }), officialInit({ dim, sdA, sdBC, diff, seed }));
    assert.notDeepEqual(Array.from(officialInit({ dim, sdA, sdBC, diff, seed, rng: 'fast' }).a), Array.from(officialInit({ dim, sdA, sdBC, diff, seed }).a));
    assert.throws(() => officialInit({ dim: 0, sdA, sdBC, diff, seed }), /dim/);
    assert.throws(() => officialInit({ dim, sdA: -1, sdBC, diff, seed }), /sdA/);
  });
});

describe('officialMlpInit: the head from the same seeded initializers', () => {
  it('D_1 and D_out are the stream\'s first m values, every D_k its first m² (row-major)', () => {
    const m = 5, depth = 3, sd = 0.03, seed = 4540;
    const w = officialMlpInit({ width: m, depth, sd, seed });
    assert.equal(w.length, 2 * m + (depth - 1) * m * m);
    const square = tensorflowStatelessNormal(seed, 0, m * m, 0, sd);
    assert.deepEqual(Array.from(w.subarray(0, m)), Array.from(square.subarray(0, m)));
    for (let k = 1; k < depth; k++) assert.deepEqual(Array.from(w.subarray(m + (k - 1) * m * m, m + k * m * m)), Array.from(square));
    assert.deepEqual(Array.from(w.subarray(m + (depth - 1) * m * m)), Array.from(square.subarray(0, m)));
    assert.throws(() => officialMlpInit({ width: 0, depth, sd, seed }), /width/);
    assert.throws(() => officialMlpInit({ width: m, depth, sd: 0, seed }), /sd/);
  });
});

describe('TensorFlow stateless normal (Philox4x32-10, BoxMullerFloat)', () => {
  it('Philox4x32-10 gives Random123\'s known answers', () => {
    assert.deepEqual(philox4x32([0, 0, 0, 0], [0, 0]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    assert.deepEqual(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]),
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    assert.deepEqual(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  it('stateless: a longer draw extends a shorter one; values are float32; seeds differ', () => {
    const short = tensorflowStatelessNormal(4540, 0, 7);
    const long = tensorflowStatelessNormal(4540, 0, 400);
    assert.deepEqual(Array.from(short), Array.from(long.subarray(0, 7)));
    assert.ok(long.every((v) => Math.fround(v) === v && Number.isFinite(v)));
    assert.notDeepEqual(Array.from(tensorflowStatelessNormal(4541, 0, 7)), Array.from(short));
    assert.notDeepEqual(Array.from(tensorflowStatelessNormal(4540, 1, 7)), Array.from(short));
    const scaled = tensorflowStatelessNormal(4540, 0, 7, 1, 0.5);
    for (let i = 0; i < 7; i++) assert.equal(scaled[i], Math.fround(Math.fround(short[i] * 0.5) + 1));
  });

  it('standard normal: mean, variance and tails of 200 000 draws', () => {
    const n = 200_000;
    const x = tensorflowStatelessNormal(7, 0, n);
    let mean = 0, sq = 0, tail = 0;
    for (const v of x) {
      mean += v;
      sq += v * v;
      if (Math.abs(v) > 1.959964) tail++;
    }
    mean /= n;
    const variance = sq / n - mean * mean;
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
    assert.ok(Math.abs(tail / n - 0.05) < 5 * Math.sqrt(0.05 * 0.95 / n), `tail ${tail / n}`);
  });
});
