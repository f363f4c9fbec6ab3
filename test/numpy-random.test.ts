import assert from 'node:assert/strict';

import { JsNumpyRandom, glibcLog } from '../lib/backends/numpy-random';
import { assertBitExact, decodeFloat64, readFixture } from './helpers/numpy-random-suite';
import type { NumpyRngFixture } from './helpers/numpy-random-suite';

// The bit-exact stream itself is checked for every backend by the conformance suite
// (describeNumpyRandom); this file covers the TypeScript generator's own parts.

describe('glibcLog (port of glibc log, __log_fma variant)', () => {
  it('matches the C library log bit for bit on the fixture inputs', () => {
    const { log } = readFixture<NumpyRngFixture>('numpy-rng.json');
    const x = decodeFloat64(log.x);
    const expected = decodeFloat64(log.log);
    assert.equal(x.length, log.n);
    assertBitExact(Array.from(x, glibcLog), expected, 'glibcLog');
  });

  it('handles special values like glibc', () => {
    assert.ok(Object.is(glibcLog(1), 0));
    assert.equal(glibcLog(0), -Infinity);
    assert.equal(glibcLog(-0), -Infinity);
    assert.equal(glibcLog(Infinity), Infinity);
    assert.ok(Number.isNaN(glibcLog(-1)));
    assert.ok(Number.isNaN(glibcLog(-Infinity)));
    assert.ok(Number.isNaN(glibcLog(NaN)));
    assert.equal(glibcLog(Math.E), 1);
  });
});

describe('JsNumpyRandom argument checks', () => {
  it('rejects bad counts and scales', () => {
    const rng = new JsNumpyRandom(1);
    assert.throws(() => rng.randomSample(-1), RangeError);
    assert.throws(() => rng.randomSample(1.5), RangeError);
    assert.throws(() => rng.normal(0, -1, 2), /scale/);
    assert.throws(() => rng.normal(0, 1, NaN), RangeError);
  });
});
