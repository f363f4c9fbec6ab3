/**
 * Shared mocha suite for NumpyRandom implementations: bit-exact agreement with NumPy's
 * legacy global generator (fixtures from scripts/fixtures/numpy_rng.py) and the Theorem-1
 * initial vectors of the official experiment.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import type { NumpyRandom } from '../../lib/backends/backend';

/** Repository root (this file runs from dist/test/helpers). */
export const REPO_ROOT = path.join(__dirname, '..', '..', '..');

export function readFixture<T = unknown>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', name), 'utf8')) as T;
}

/** Decodes base64 little-endian float64 bytes. */
export function decodeFloat64(b64: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  assert.equal(bytes.length % 8, 0, 'float64 data length');
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(8 * i);
  return out;
}

function bits(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return `0x${b.toString('hex')}`;
}

/** Asserts bit-for-bit equality (Object.is per element), naming the first mismatch. */
export function assertBitExact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      if (first < 0) first = i;
      mismatches++;
    }
  }
  if (first >= 0) {
    assert.fail(
      `${what}: ${mismatches} of ${expected.length} values differ; first at index ${first}: ` +
        `got ${actual[first]} (${bits(actual[first])}), expected ${expected[first]} (${bits(expected[first])})`,
    );
  }
}

interface Draw {
  n: number;
  data: string;
}
interface NormalDraw extends Draw {
  loc: number;
  scale: number;
}
interface Step extends Draw {
  op: 'rand' | 'normal';
  loc?: number;
  scale?: number;
}
export interface NumpyRngFixture {
  numpy: string;
  seeds: { seed: number; rand: Draw; normal: NormalDraw }[];
  interleaved: { seed: number; steps: Step[] };
  log: { n: number; x: string; log: string };
}
interface Theorem1InitFixture {
  runs: {
    config: string;
    seed: number;
    poisoned: boolean;
    studentDim: number;
    sdA: number;
    diff: number;
    initialA: number[];
  }[];
}

/** Registers the suite for one implementation; `create(seed)` is like np.random.seed(seed). */
export function describeNumpyRandom(name: string, create: (seed: number) => NumpyRandom): void {
  describe(`NumpyRandom (${name})`, () => {
    const fx = readFixture<NumpyRngFixture>('numpy-rng.json');
    const t1 = readFixture<Theorem1InitFixture>('theorem1-init.json');

    for (const s of fx.seeds) {
      it(`rand(${s.rand.n}) after seed(${s.seed}) matches NumPy ${fx.numpy} bit for bit`, () => {
        assertBitExact(create(s.seed).randomSample(s.rand.n), decodeFloat64(s.rand.data), `seed ${s.seed} rand`);
      });

      it(`normal(${s.normal.loc}, ${s.normal.scale}, ${s.normal.n}) after seed(${s.seed}) matches NumPy bit for bit`, () => {
        const got = create(s.seed).normal(s.normal.loc, s.normal.scale, s.normal.n);
        assertBitExact(got, decodeFloat64(s.normal.data), `seed ${s.seed} normal`);
      });
    }

    it(`interleaved rand/normal calls on one stream (seed ${fx.interleaved.seed}) match NumPy`, () => {
      const rng = create(fx.interleaved.seed);
      fx.interleaved.steps.forEach((step, k) => {
        const got =
          step.op === 'rand'
            ? rng.randomSample(step.n)
            : rng.normal(step.loc as number, step.scale as number, step.n);
        assertBitExact(got, decodeFloat64(step.data), `step ${k} (${step.op} ${step.n})`);
      });
    });

    it('splitting a draw into several calls continues the same stream (cached Gaussian included)', () => {
      const s = fx.seeds[1];
      const rand = create(s.seed);
      const parts = [rand.randomSample(1), rand.randomSample(0), rand.randomSample(623), rand.randomSample(s.rand.n - 624)];
      const joined = new Float64Array(s.rand.n);
      let off = 0;
      for (const p of parts) {
        joined.set(p, off);
        off += p.length;
      }
      assertBitExact(joined, decodeFloat64(s.rand.data), 'rand in parts');

      const gauss = create(s.seed);
      const { loc, scale, n } = s.normal;
      const gparts = [gauss.normal(loc, scale, 3), gauss.normal(loc, scale, 0), gauss.normal(loc, scale, n - 3)];
      const gjoined = new Float64Array(n);
      gjoined.set(gparts[0], 0);
      gjoined.set(gparts[2], 3);
      assertBitExact(gjoined, decodeFloat64(s.normal.data), 'normal in parts');
    });

    it('reproduces the Theorem-1 initial vectors of the official experiment', () => {
      assert.ok(t1.runs.length > 0);
      for (const run of t1.runs) {
        const d = run.studentDim;
        const a0 = create(run.seed).randomSample(d);
        for (let i = 0; i < d; i++) a0[i] = run.sdA * a0[i];
        a0.sort().reverse();
        a0[1] = a0[0] - run.diff;
        assertBitExact(a0, run.initialA, `${run.config} seed ${run.seed}${run.poisoned ? ' (poisoned)' : ''}`);
      }
    });

    for (const bad of [-1, 1.5, 2 ** 32, NaN, '3'] as unknown[]) {
      it(`rejects seed ${typeof bad === 'string' ? `'${bad}'` : String(bad)}`, () => {
        assert.throws(
          () => create(bad as number),
          (err: unknown) =>
            (err instanceof RangeError || err instanceof TypeError) && /\bseed\b/.test((err as Error).message),
        );
      });
    }

    it('accepts the extreme seeds 0 and 4294967295', () => {
      assert.equal(create(0).randomSample(1).length, 1);
      assert.equal(create(4294967295).randomSample(1).length, 1);
    });
  });
}
