/** Sequence builders (SPEC §3) against the official code's training sequences. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSequences, FastRandom, officialPositions } from '../lib';

interface OfficialCase {
  length: number;
  seed: number;
  sdBaseline: number;
  sdSpecial: number;
  baseline: { count: number; positions: [number, number] };
  special: { count: number; positions: [number, number] };
  inputsBaselineOnly: number[][];
  inputsWithSpecial: number[][];
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'official-data.json'), 'utf8'),
) as { cases: OfficialCase[] };

describe('buildSequences (NumPy-exact) reproduces the official training sequences', () => {
  for (const c of fixture.cases) {
    const base = { count: c.baseline.count, positions: c.baseline.positions, sd: c.sdBaseline };
    const special = { count: c.special.count, positions: c.special.positions, sd: c.sdSpecial };
    it(`κ = ${c.length}, seed ${c.seed}: baseline only`, () => {
      const set = buildSequences({ length: c.length, baseline: base, seed: c.seed, rng: 'numpy' });
      assert.equal(set.baselineCount, c.baseline.count);
      assert.equal(set.specialCount, 0);
      assert.deepEqual(Array.from(set.inputs.x), c.inputsBaselineOnly.flat());
    });
    it(`κ = ${c.length}, seed ${c.seed}: with special sequences`, () => {
      const set = buildSequences({ length: c.length, baseline: base, special, seed: c.seed, rng: 'numpy' });
      assert.equal(set.inputs.count, c.baseline.count + c.special.count);
      assert.equal(set.specialCount, c.special.count);
      assert.deepEqual(Array.from(set.inputs.x), c.inputsWithSpecial.flat());
    });
  }
});

describe('buildSequences: families, explicit values, fast generator, validation', () => {
  it('places explicit values (the Theorem-1 sequences e_0 and e_{κ−2})', () => {
    const set = buildSequences({
      length: 7,
      baseline: { count: 1, positions: [0, 1], values: [[1]] },
      special: { count: 1, positions: [5, 6], values: [[1]] },
    });
    assert.deepEqual(Array.from(set.inputs.x), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('gives the official position ranges', () => {
    assert.deepEqual(officialPositions.baseline(6), [0, 2]);
    assert.deepEqual(officialPositions.baseline(10), [0, 7]);
    assert.deepEqual(officialPositions.specialPoison(10), [8, 9]);
    assert.deepEqual(officialPositions.specialDynamics(6), [4, 6]);
  });

  it('the fast generator is seeded, reproducible and roughly standard normal', () => {
    const x = new FastRandom(5).normal(0, 1, 200000);
    assert.deepEqual(new FastRandom(5).normal(0, 1, 10), x.subarray(0, 10));
    assert.notDeepEqual(new FastRandom(6).normal(0, 1, 10), x.subarray(0, 10));
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
    const u = new FastRandom(1).randomSample(100000);
    assert.ok(u.every((v) => v >= 0 && v < 1));
  });

  it('zeros outside the positions and draws inside them (fast generator)', () => {
    const set = buildSequences({ length: 10, baseline: { count: 3, positions: [0, 7] }, special: { count: 2, positions: [8, 9], sd: 2 }, seed: 3, rng: 'fast' });
    const x = set.inputs.x;
    for (let n = 0; n < 5; n++) {
      for (let t = 0; t < 10; t++) {
        const inside = n < 3 ? t < 7 : t === 8;
        assert.equal(x[n * 10 + t] !== 0, inside, `x[${n}][${t}] = ${x[n * 10 + t]}`);
      }
    }
  });

  const bad: [string, unknown, ErrorConstructor, RegExp][] = [
    ['positions beyond the length', { length: 6, baseline: { count: 1, positions: [0, 7] } }, RangeError, /for data\.baseline\.positions\[1\]/],
    ['an empty range', { length: 6, baseline: { count: 1, positions: [2, 2] } }, RangeError, /for data\.baseline\.positions\[1\]/],
    ['a negative sd', { length: 6, baseline: { count: 1, positions: [0, 2], sd: -1 } }, RangeError, /for data\.baseline\.sd/],
    ['values of the wrong width', { length: 6, baseline: { count: 1, positions: [0, 2], values: [[1]] } }, RangeError, /for data\.baseline\.values\[0\]/],
    ['an unknown generator', { length: 6, baseline: { count: 1, positions: [0, 2] }, rng: 'mt' }, RangeError, /for rng/],
    ['a misspelled key', { length: 6, baseline: { count: 1, positions: [0, 2] }, seeds: 3 }, RangeError, /unknown key "seeds" \(did you mean "seed"\?\)/],
    ['no sequences at all', { length: 6, baseline: { count: 0, positions: [0, 2] } }, RangeError, /at least one sequence/],
  ];
  for (const [what, spec, cls, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => buildSequences(spec as never), (err: Error) => err instanceof cls && message.test(err.message));
    });
  }
});
