/**
 * The official init (SPEC §4): Gaussian B, A, C in Keras build order, |diag A| and |B|
 * sorted descending, |C| only reversed, the tie-breaks (dim 1/2, 3, 4 teachers), warm init.
 */
import assert from 'node:assert/strict';

import { createRandom } from '../lib/data';
import { officialDiff, officialInit } from '../lib/init';

describe('officialInit (SPEC §4)', () => {
  const dim = 6, sdA = 0.01, sdBC = 0.02, seed = 77;
  const diff = officialDiff(sdA, 2);

  /** The draws the init post-processes, in Keras build order. */
  function draws() {
    const rng = createRandom('numpy', seed);
    const B = rng.normal(0, sdBC, dim);
    const A = rng.normal(0, sdA, dim * dim);
    const C = rng.normal(0, sdBC, dim);
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

  it('the same seed gives the same init; the fast generator another one; bad sizes are errors', () => {
    assert.deepEqual(officialInit({ dim, sdA, sdBC, diff, seed }), officialInit({ dim, sdA, sdBC, diff, seed }));
    assert.notDeepEqual(Array.from(officialInit({ dim, sdA, sdBC, diff, seed, rng: 'fast' }).a), Array.from(officialInit({ dim, sdA, sdBC, diff, seed }).a));
    assert.throws(() => officialInit({ dim: 0, sdA, sdBC, diff, seed }), /dim/);
    assert.throws(() => officialInit({ dim, sdA: -1, sdBC, diff, seed }), /sdA/);
  });
});
