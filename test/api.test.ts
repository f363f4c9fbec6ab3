/**
 * The typed API at the TypeScript edge: validation with one message shape, and the
 * single-model helpers against the backend they delegate to.
 */
import assert from 'node:assert/strict';

import {
  DiagonalSSM,
  backendInfo,
  effectiveRank,
  evaluate,
  extrapolationError,
  forward,
  impulseResponse,
  scan,
  teacherLabels,
  toSequences,
} from '../lib';
import { assertClose } from './helpers/close';

const model = { a: [0.9, 0.5, -0.3], b: [1, 0.5, 2], c: [0.2, 1, -1] };
const inputs = [
  [1, 0, 0, 0.5],
  [0, 1, -2, 0],
];

describe('typed API: validation (throws on invalid arguments)', () => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ['a model that is not an object', () => new DiagonalSSM(3 as never), TypeError,
      'Expected an object for model but received 3 of type number'],
    ['a missing vector', () => new DiagonalSSM({ a: [1], b: [1] } as never), TypeError,
      'Expected an Array or Float64Array of finite numbers for model.c but received undefined of type undefined'],
    ['vectors of different lengths', () => new DiagonalSSM({ a: [1, 2], b: [1], c: [1, 2] }), RangeError,
      'Expected 2 numbers for model.b but received Array(1) of type Array'],
    ['NaN in a vector', () => new DiagonalSSM({ a: [1, NaN], b: [1, 1], c: [1, 1] }), RangeError,
      'Expected a finite number for model.a[1] but received NaN of type number'],
    ['a string in a vector', () => new DiagonalSSM({ a: ['1'], b: [1], c: [1] } as never), TypeError,
      'Expected a finite number for model.a[0] but received "1" of type string'],
    ['an empty vector', () => new DiagonalSSM({ a: [], b: [], c: [] }), RangeError,
      'Expected at least one number for model.a but received Array(0) of type Array'],
    ['a misspelled key', () => new DiagonalSSM({ a: [1], b: [1], cc: [1] } as never), RangeError,
      'Expected only the keys a, b, c for model but received unknown key "cc" (did you mean "c"?)'],
    ['ragged inputs', () => forward(model, [[1, 2], [1]]), RangeError,
      'Expected 2 numbers for inputs[1] but received Array(1) of type Array'],
    ['Infinity in inputs', () => forward(model, [[1, Infinity]]), RangeError,
      'Expected a finite number for inputs[0][1] but received Infinity of type number'],
    ['a fractional impulse length', () => impulseResponse(model, 2.5), RangeError,
      'Expected an integer between 1 and 2147483648 for length but received 2.5 of type number'],
    ['a zero impulse length', () => impulseResponse(model, 0), RangeError,
      'Expected an integer between 1 and 2147483648 for length but received 0 of type number'],
    ['targets of the wrong length', () => evaluate(model, inputs, [1]), RangeError,
      'Expected 2 numbers for targets but received Array(1) of type Array'],
    ['an unknown request field', () => evaluate(model, inputs, [0, 0], { grad: true } as never), RangeError,
      'Expected only the keys outputs, residuals, e, gradA, gradB, gradC, gamma, hessian, kernelGrad, kernelGradNorm for request but received unknown key "grad" (did you mean "gradA"?)'],
    ['an unknown scan mode', () => scan(model, inputs, 'all' as never), RangeError,
      'Expected one of final, outputs, states for mode but received "all" of type string'],
    ['an unknown backend', () => forward(model, inputs, { backend: 'gpu' as never }), RangeError,
      'Expected one of auto, native, native-portable, wasm, js for backend but received "gpu" of type string'],
    ['an inverted extrapolation range', () => extrapolationError(model, model, { from: 5, to: 2 }), RangeError,
      'Expected an integer between 5 and 2147483647 for range.to but received 2 of type number'],
  ];
  for (const [what, fn, cls, message] of cases) {
    it(`rejects ${what}`, () => {
      assert.throws(fn, (err: Error) => {
        assert.ok(err instanceof cls, `expected ${cls.name}, got ${err.constructor.name}: ${err.message}`);
        assert.equal(err.message, message);
        return true;
      });
    });
  }

  it('keeps working after rejecting bad input', () => {
    assert.throws(() => forward(model, [[NaN]]), RangeError);
    const y = forward(model, [[1]]);
    assert.equal(y[0], 0.2 * 1 + 0.5 * 1 + -1 * 2);
  });
});

describe('typed API: results', () => {
  it('forward, scan and teacher labels agree with the definition y = Σ_l h_l x_{κ−1−l}', () => {
    const h = impulseResponse(model, 4);
    const want = inputs.map((x) => x.reduce((s, _v, l) => s + h[l] * x[3 - l], 0));
    assertClose(forward(model, inputs), want, 1e-15, 'forward');
    assertClose(scan(model, inputs), want, 1e-14, 'scan');
    assertClose(teacherLabels(model, inputs), want, 1e-15, 'teacherLabels');
  });

  it('evaluate returns a zero loss and zero gradients at the teacher itself', () => {
    const targets = teacherLabels(model, inputs);
    const r = evaluate(model, inputs, targets, { gradA: true, gradB: true, gradC: true, kernelGradNorm: true });
    assert.equal(r.loss, 0);
    for (const g of [r.gradA!, r.gradB!, r.gradC!]) for (const v of g) assert.ok(v === 0, `gradient entry ${v}`);
    assert.equal(r.kernelGradNorm, 0);
  });

  it('evaluate gives the loss of a hand-computed case', () => {
    // one-dimensional model a=0.5, b=c=1 on x = (1, 0): y = 0.5; target 0 → L = 0.25
    const r = evaluate({ a: [0.5], b: [1], c: [1] }, [[1, 0]], [0], { gradA: true, gamma: true });
    assert.equal(r.loss, 0.25);
    // e_1 = 2 r x_0 = 1, ∂L/∂a = c b · 1 · a^0 · e_1 = 1, γ^(0) = −e_1 = −1
    assert.deepEqual(Array.from(r.gradA!), [1]);
    assert.deepEqual(Array.from(r.gamma!), [-1]);
  });

  it('toSequences accepts rows and flat batches alike', () => {
    const a = toSequences(inputs);
    const b = toSequences({ count: 2, length: 4, x: Float64Array.from(inputs.flat()) });
    assert.deepEqual(a, b);
  });

  it('metrics: extrapolation error against a scaled teacher and effective rank of equal entries', () => {
    const teacher = { a: [0.5], b: [1], c: [1] };
    const student = { a: [0.5], b: [1], c: [1.1] }; // h = 1.1 h*: error 0.1 at every j
    assert.ok(Math.abs(extrapolationError(student, teacher, { from: 0, to: 39 }) - 0.1) < 1e-15);
    assert.ok(Math.abs(effectiveRank([0.3, -0.3, 0.3, 0.3]) - 4) < 1e-14);
    assert.equal(effectiveRank([1, 0, 0]), 1);
  });
});

describe('backendInfo', () => {
  it('reports the name, BLAS and thread counts of the selected backend', () => {
    const info = backendInfo();
    assert.ok(['native', 'native-portable', 'wasm', 'js'].includes(info.name));
    assert.equal(typeof info.openblas, 'boolean');
    assert.ok(info.threads >= 1 && info.blasThreads >= 1);
    assert.ok(Array.isArray(info.loadErrors));
  });

  it('links OpenBLAS exactly when SSM_POISON_EXPECT_OPENBLAS says so (set by CI)', function () {
    const expected = process.env.SSM_POISON_EXPECT_OPENBLAS;
    if (expected === undefined) this.skip();
    const info = backendInfo('native');
    assert.equal(info.openblas, expected === '1');
    assert.equal(info.blas, expected === '1' ? 'openblas' : 'portable');
  });
});
