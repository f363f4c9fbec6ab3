import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import type { ModelBatch, SequenceBatch } from '../lib/backends/backend';
import { jsBackend as js } from '../lib/backends/js';
import { ALL_FIELDS } from './helpers/requests';

// The compiled file lives at dist/test/js-backend.test.js.
const ROOT = path.join(__dirname, '..', '..');

interface Params {
  a: number[];
  b: number[];
  c: number[];
}
interface Case {
  name: string;
  model: Params;
  teacher?: Params;
  inputs: number[][];
  targets: number[];
  expected: {
    outputs: number[];
    impulse: number[];
    loss: number;
    grad: Params;
    gamma: number[];
    hessian: number[][];
    kernelGrad: number[][];
    kernelGradNorm: number;
    e: number[];
    effectiveRank: number;
    extrapolation?: { from: number; to: number; value: number };
  };
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'eval-reference.json'), 'utf8'),
) as { cases: Case[] };

function models(...ps: Params[]): ModelBatch {
  const d = ps[0].a.length;
  return {
    count: ps.length,
    dim: d,
    a: Float64Array.from(ps.flatMap((p) => p.a)),
    b: Float64Array.from(ps.flatMap((p) => p.b)),
    c: Float64Array.from(ps.flatMap((p) => p.c)),
  };
}

function sequences(rows: number[][]): SequenceBatch {
  return { count: rows.length, length: rows[0].length, x: Float64Array.from(rows.flat()) };
}

/** Norm-wise relative difference max|x − y| / max|y|. */
function relDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'lengths differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const dv = Math.abs(actual[i] - expected[i]);
    if (!(dv <= diff)) diff = dv; // NaN propagates
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function assertClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.ok(actual, `${what} is missing`);
  const rel = relDiff(actual, expected);
  assert.ok(rel <= tol, `${what}: relative difference ${rel} > ${tol}`);
}

const TOL = 1e-10;

describe('js backend', () => {
  describe('throws on invalid arguments', () => {
    const m = models({ a: [0.5, 0.2], b: [1, 1], c: [1, 1] });
    const x = sequences([[1, 2, 3]]);

    it('rejects a parameter array whose length is not count × dim', () => {
      const bad = { ...m, b: new Float64Array(3) };
      assert.throws(() => js.forward(bad, x), {
        name: 'RangeError',
        message: 'Expected a Float64Array of 2 entries (count 1 × dim 2) for m.b but received Float64Array(3) of type Float64Array',
      });
    });
    it('rejects inputs whose length is not count × length', () => {
      assert.throws(() => js.scan(m, { count: 2, length: 3, x: new Float64Array(3) }, 'final'), {
        name: 'RangeError',
        message: /for x\.x but received Float64Array\(3\) of type Float64Array$/,
      });
    });
    it('rejects non-integer or non-positive counts', () => {
      assert.throws(() => js.impulseResponse({ ...m, count: 0 }, 4), { name: 'RangeError', message: /m\.count/ });
      assert.throws(() => js.impulseResponse(m, 2.5), { name: 'RangeError', message: /for length/ });
    });
    it('rejects targets of the wrong length', () => {
      assert.throws(() => js.evaluate(m, x, new Float64Array(2), {}), { name: 'RangeError', message: /for targets/ });
    });
    it('rejects an unknown scan mode', () => {
      assert.throws(() => js.scan(m, x, 'all' as never), { name: 'RangeError', message: /for mode/ });
    });
    it('rejects a teacher batch with more than one model and an empty range', () => {
      const two = models({ a: [1], b: [1], c: [1] }, { a: [1], b: [1], c: [1] });
      assert.throws(() => js.extrapolationError(m, two, 0, 3), { name: 'RangeError', message: /teacher\.count/ });
      const t = models({ a: [1], b: [1], c: [1] });
      assert.throws(() => js.extrapolationError(m, t, 4, 3), { name: 'RangeError', message: /for to/ });
    });
    it('rejects something that is not a Float64Array', () => {
      const bad = { ...m, a: [0.5, 0.2] as unknown as Float64Array };
      assert.throws(() => js.effectiveRank(bad), { name: 'TypeError', message: /for m\.a/ });
    });
  });

  it('describes itself', () => {
    assert.equal(js.name, 'js');
    assert.deepEqual(js.info(), { name: 'js', blas: 'none', openblas: false, threads: 1, blasThreads: 1 });
  });

  describe('matches the NumPy reference (test/fixtures/eval-reference.json)', () => {
    assert.ok(fixture.cases.length >= 8);
    for (const cs of fixture.cases) {
      it(cs.name, () => {
        const m = models(cs.model);
        const x = sequences(cs.inputs);
        const ex = cs.expected;
        const K = x.length;
        const d = m.dim;
        const ev = js.evaluate(m, x, Float64Array.from(cs.targets), ALL_FIELDS);
        assertClose(ev.loss, [ex.loss], TOL, 'loss');
        assertClose(ev.outputs, ex.outputs, TOL, 'outputs');
        assertClose(ev.residuals, ex.outputs.map((y, n) => y - cs.targets[n]), TOL, 'residuals');
        assertClose(ev.e, ex.e, TOL, 'e');
        assertClose(ev.gradA, ex.grad.a, TOL, 'gradA');
        assertClose(ev.gradB, ex.grad.b, TOL, 'gradB');
        assertClose(ev.gradC, ex.grad.c, TOL, 'gradC');
        assertClose(ev.gamma, ex.gamma, TOL, 'gamma');
        assert.equal(ev.gamma?.length, K - 1);
        assertClose(ev.hessian, ex.hessian.flat(), TOL, 'hessian');
        assertClose(ev.kernelGrad, ex.kernelGrad.flat(), TOL, 'kernelGrad');
        assertClose(ev.kernelGradNorm, [ex.kernelGradNorm], TOL, 'kernelGradNorm');
        assert.equal(ev.hessian?.length, d * d);

        assertClose(js.impulseResponse(m, K), ex.impulse, TOL, 'impulse');
        assertClose(js.forward(m, x), ex.outputs, TOL, 'forward');
        assertClose(js.scan(m, x, 'final'), ex.outputs, TOL, 'scan final');
        assertClose(js.effectiveRank(m), [ex.effectiveRank], TOL, 'effectiveRank');
        if (ex.extrapolation && cs.teacher) {
          const { from, to, value } = ex.extrapolation;
          assertClose(js.extrapolationError(m, models(cs.teacher), from, to), [value], TOL, 'extrapolationError');
        }
      });
    }
  });

  describe('consistency', () => {
    const big = fixture.cases.filter((cs) => cs.inputs[0].length >= 6);

    it("scan 'final' equals forward to 1e-12", () => {
      for (const cs of fixture.cases) {
        const m = models(cs.model);
        const x = sequences(cs.inputs);
        assertClose(js.scan(m, x, 'final'), js.forward(m, x), 1e-12, cs.name);
      }
    });

    it("the last column of scan 'outputs' equals 'final'; 'states' dotted with c equals 'outputs'", () => {
      for (const cs of big) {
        // Three students so that student offsets are exercised.
        const p2 = { a: cs.model.a.map((v) => 0.9 * v), b: cs.model.b, c: cs.model.c.map((v) => -v) };
        const p3 = { a: cs.model.a.map((v) => -0.5 * v), b: cs.model.c, c: cs.model.b };
        const m = models(cs.model, p2, p3);
        const x = sequences(cs.inputs);
        const S = m.count;
        const N = x.count;
        const K = x.length;
        const d = m.dim;
        const fin = js.scan(m, x, 'final');
        const outs = js.scan(m, x, 'outputs');
        const states = js.scan(m, x, 'states');
        assert.equal(fin.length, S * N);
        assert.equal(outs.length, S * N * K);
        assert.equal(states.length, S * N * K * d);
        const last = Array.from({ length: S * N }, (_, sn) => outs[sn * K + K - 1]);
        assertClose(last, fin, 1e-12, `${cs.name} last output`);
        const dotted = new Float64Array(S * N * K);
        for (let s = 0; s < S; s++) {
          for (let nt = 0; nt < N * K; nt++) {
            let y = 0;
            for (let i = 0; i < d; i++) y += m.c[s * d + i] * states[(s * N * K + nt) * d + i];
            dotted[s * N * K + nt] = y;
          }
        }
        assertClose(dotted, outs, 1e-12, `${cs.name} states · c`);
        // Intermediate outputs are those of truncated sequences (prefixes of x).
        const t = Math.floor(K / 2);
        const prefix = sequences(cs.inputs.map((row) => row.slice(0, t + 1)));
        const pf = js.forward(m, prefix);
        const col = Array.from({ length: S * N }, (_, sn) => outs[sn * K + t]);
        assertClose(col, pf, 1e-12, `${cs.name} output after x_${t}`);
      }
    });

    it('a batch of students gives the results of each student alone', () => {
      for (const cs of big) {
        const p2 = { a: cs.model.a.map((v) => 0.7 * v), b: cs.model.c, c: cs.model.b };
        const x = sequences(cs.inputs);
        const y = Float64Array.from(cs.targets);
        const all = { e: true, gradA: true, gradB: true, gradC: true, gamma: true, hessian: true, kernelGrad: true };
        const both = js.evaluate(models(cs.model, p2), x, y, all);
        const one = js.evaluate(models(p2), x, y, all);
        const d = cs.model.a.length;
        const K = x.length;
        assert.deepEqual(both.loss.subarray(1), one.loss);
        assert.deepEqual(both.gradA?.subarray(d), one.gradA);
        assert.deepEqual(both.e?.subarray(K), one.e);
        assert.deepEqual(both.gamma?.subarray(K - 1), one.gamma);
        assert.deepEqual(both.hessian?.subarray(d * d), one.hessian);
        assert.deepEqual(both.kernelGrad?.subarray(d * d), one.kernelGrad);
      }
    });

    it('returns only the requested fields', () => {
      const cs = fixture.cases[2];
      const ev = js.evaluate(models(cs.model), sequences(cs.inputs), Float64Array.from(cs.targets), {
        gradA: true,
        kernelGradNorm: true,
      });
      assert.deepEqual(Object.keys(ev).sort(), ['gradA', 'kernelGradNorm', 'loss']);
      const bare = js.evaluate(models(cs.model), sequences(cs.inputs), Float64Array.from(cs.targets), {});
      assert.deepEqual(Object.keys(bare), ['loss']);
    });

    it('the diagonal of kernelGrad is gradA, also for equal entries of a', () => {
      const p = { a: [0.8, 0.8, 0.8 - 1e-12, -0.3], b: [1, 0.5, -2, 1], c: [0.3, 1, 1, -1] };
      const x = sequences([
        [0.2, -1, 0.5, 0, 2, 1, -0.3],
        [1, 0, 0, 0, 0, 3, 0],
      ]);
      const ev = js.evaluate(models(p), x, Float64Array.from([0.1, -0.4]), { gradA: true, kernelGrad: true });
      const kg = ev.kernelGrad!;
      assertClose([kg[0], kg[5], kg[10], kg[15]], ev.gradA!, 1e-14, 'diag');
      // Entries 0 and 1 share a: columns 0 and 1 differ only by b_j.
      assert.ok(Math.abs(kg[2 * 4 + 0] / p.b[0] - kg[2 * 4 + 1] / p.b[1]) <= 1e-14 * Math.abs(kg[2 * 4 + 0]));
    });
  });

  describe('evaluation helpers', () => {
    it('effective rank: d for equal |a|, 1 for one non-zero entry, 0 for all zeros', () => {
      const m = models({ a: [0.3, -0.3, 0.3, -0.3], b: [1, 1, 1, 1], c: [1, 1, 1, 1] }, { a: [0, 0, 0.7, 0], b: [1, 1, 1, 1], c: [1, 1, 1, 1] }, { a: [0, 0, 0, 0], b: [1, 1, 1, 1], c: [1, 1, 1, 1] });
      const r = js.effectiveRank(m);
      assert.ok(Math.abs(r[0] - 4) < 1e-14);
      assert.equal(r[1], 1);
      assert.equal(r[2], 0);
    });

    it('extrapolation error by hand over an inclusive range', () => {
      // Teacher h* = 1, 1, 1, … ; student h = 1, 0.5, 0.25, 0.125, …
      const t = models({ a: [1], b: [1], c: [1] });
      const m = models({ a: [0.5], b: [1], c: [1] }, { a: [1], b: [1], c: [1] });
      const err = js.extrapolationError(m, t, 1, 3);
      assert.equal(err[0], 0.875); // |0.125 − 1| at j = 3
      assert.equal(err[1], 0);
      assert.equal(js.extrapolationError(m, t, 0, 0)[0], 0);
    });

    it('impulse response uses the running power, including a = 0 and negative a', () => {
      const m = models({ a: [0, -2], b: [3, 1], c: [2, 0.5] });
      assert.deepEqual(Array.from(js.impulseResponse(m, 4)), [6.5, -1, 2, -4]);
    });
  });
});
