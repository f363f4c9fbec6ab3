/**
 * The ODE integrators of the core (SPEC §6) through the addon's test hook
 * `solveTestProblem` (native/napi/ode.cc): Dormand–Prince 5(4), the stiff Rosenbrock
 * method RODAS4 and the automatic choice, for both native addons (OpenBLAS and portable
 * LAPACK loops).
 *
 * Accuracy is measured as in SciPy's solve_ivp tests: the global error against a closed
 * form, in units of the requested tolerance, |y − y_exact| / (atol + rtol·|y_exact|) ≤ a
 * small constant. Convergence orders are measured with fixed steps (maxStep = firstStep
 * = h and a tolerance no step can fail). Failures must end with a status and a message and
 * leave the outputs they did not compute as NaN.
 */
import assert from 'node:assert/strict';

import type { NativeOdeOptions, RunAddon as Addon } from '../lib/backends/addon-types';
import {
  METHOD,
  METHOD_NAMES,
  type MethodName,
  PROBLEM,
  ROBERTSON_REFERENCE,
  assertWithinTolerance,
  decaySolution,
  linear2Solution,
  linspace,
  logisticSolution,
  logspace,
  symmetric2,
} from './helpers/ode-reference';
import { forEachAddon } from './helpers/addons';


/** The global error may exceed the local tolerance by a modest factor (solve_ivp's tests
 * allow 5–15); a broken coefficient gives thousands. */
const BOUND = 20;

const F = (v: ArrayLike<number>) => Float64Array.from(v as ArrayLike<number>);

function options(method: MethodName, rtol: number, atol: number, extra: Partial<NativeOdeOptions> = {}): NativeOdeOptions {
  return { method: METHOD[method], rtol, atol, firstStep: 0, maxStep: Infinity, maxSteps: 1_000_000, ...extra };
}

/** Row k of the n-column output. */
function row(y: Float64Array, k: number, n: number): Float64Array {
  return y.subarray(k * n, (k + 1) * n);
}

const STATUS = { reachedEnd: 1, stepTooSmall: -1, maxSteps: -2, nonFinite: -3 } as const;

function assertReachedEnd(r: { status: number; message: string; t: number }, tEnd: number, what: string): void {
  assert.equal(r.status, STATUS.reachedEnd, `${what}: status ${r.status} (${r.message})`);
  assert.equal(r.message, 'reached the end of the interval');
  assert.equal(r.t, tEnd, `${what}: ended at t = ${r.t}`);
}

function odeTests(addon: Addon): void {
  const solve = addon.solveTestProblem.bind(addon);

  for (const method of METHOD_NAMES) {
    describe(`${method}`, () => {
      it('decay y′ = −k y for several rates and components, to the tolerance', () => {
        const rtol = 1e-8;
        const atol = 1e-12;
        const y0 = [1, -2, 3e-3];
        const times = [0, 0.1, 0.7, 1.5, 4, 10];
        for (const k of [0.1, 1, 5]) {
          const r = solve(PROBLEM.decay, F([k]), F(y0), 0, 10, F(times), options(method, rtol, atol));
          assertReachedEnd(r, 10, `k=${k}`);
          const want = times.flatMap((t) => y0.map((v) => decaySolution(k, v, t)));
          assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} decay k=${k}`);
          // the initial time is the initial state itself
          assert.deepEqual(Array.from(row(r.y, 0, 3)), y0);
        }
      });

      it('a diagonal linear system with rates 0.1, 1 and 5 in one run', () => {
        const rtol = 1e-7;
        const atol = 1e-12;
        const rates = [0.1, 1, 5];
        const A = new Float64Array(9);
        rates.forEach((k, i) => (A[i * 3 + i] = -k));
        const y0 = [2, 1, -1];
        const times = linspace(0, 6, 31);
        const r = solve(PROBLEM.linear, A, F(y0), 0, 6, F(times), options(method, rtol, atol));
        assertReachedEnd(r, 6, method);
        const want = times.flatMap((t) => y0.map((v, i) => decaySolution(rates[i], v, t)));
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} diagonal`);
        if (method === 'auto') assert.equal(r.njev, 0, 'auto stays explicit on a non-stiff problem');
      });

      it('logistic y′ = r y (1 − y/K) from below, near and above K', () => {
        const rtol = 1e-8;
        const atol = 1e-12;
        const [rate, K] = [2, 3];
        const y0 = [0.01, 1, 5];
        const times = linspace(0, 10, 41);
        const r = solve(PROBLEM.logistic, F([rate, K]), F(y0), 0, 10, F(times), options(method, rtol, atol));
        assertReachedEnd(r, 10, method);
        const want = times.flatMap((t) => y0.map((v) => logisticSolution(rate, K, v, t)));
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} logistic`);
      });

      it('a damped rotation y′ = A y (eigenvalues −0.1 ± 2i), dense output at 2000 times inside steps', () => {
        const rtol = 1e-8;
        const atol = 1e-12;
        const A = F([-0.1, 2, -2, -0.1]);
        const y0 = [1, 0.5];
        const times = linspace(0, 10, 2000);
        const r = solve(PROBLEM.linear, A, F(y0), 0, 10, F(times), options(method, rtol, atol));
        assertReachedEnd(r, 10, method);
        // most requested times fall strictly inside steps: the dense output, not step ends
        assert.ok(r.nsteps * 3 < times.length, `${r.nsteps} steps for ${times.length} output times`);
        const want = times.flatMap((t) => linear2Solution(A, y0, t));
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} rotation`, 2);
      });

      it('a stiff linear system (eigenvalues −1 and −1e6), including the fast transient', () => {
        const rtol = 1e-6;
        const atol = 1e-10;
        const A = symmetric2(-1, -1e6);
        const y0 = [1, 0];
        const times = [0, ...logspace(1e-8, 2, 60)];
        const r = solve(PROBLEM.linear, A, F(y0), 0, 2, F(times), options(method, rtol, atol, { maxSteps: 5_000_000 }));
        assertReachedEnd(r, 2, method);
        const want = times.flatMap((t) => linear2Solution(A, y0, t));
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} stiff linear`);
        if (method === 'rosenbrock') {
          assert.ok(r.nsteps < 300, `rosenbrock took ${r.nsteps} steps`);
          // one Jacobian per step (kept when a step is rejected), one LU per attempt
          assert.equal(r.njev, r.nsteps);
          assert.equal(r.nlu, r.nsteps + r.nrejected);
          assert.equal(r.nfev, 6 * r.nsteps + 5 * r.nrejected + 1, 'six evaluations per step, one for the first step');
        } else if (method === 'dopri5') {
          // the explicit method is held at its stability boundary h ≈ 3.3/1e6
          assert.ok(r.nsteps > 100_000, `dopri5 took only ${r.nsteps} steps`);
          assert.equal(r.njev, 0);
        } else {
          assert.ok(r.njev > 0, 'auto switched to the stiff method');
          assert.ok(r.nfev < 2000, `auto used ${r.nfev} evaluations`);
        }
      });

      it('integrates backwards in time (tEnd < t0)', () => {
        const rtol = 1e-8;
        const atol = 1e-12;
        const k = 0.7;
        const y3 = [decaySolution(k, 1, 3), decaySolution(k, -4, 3)];
        const times = [3, 2.5, 1.2, 0.3, 0];
        const r = solve(PROBLEM.decay, F([k]), F(y3), 3, 0, F(times), options(method, rtol, atol));
        assertReachedEnd(r, 0, method);
        const want = times.flatMap((t) => [decaySolution(k, 1, t), decaySolution(k, -4, t)]);
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} backwards decay`);

        const A = F([-0.1, 2, -2, -0.1]);
        const y5 = linear2Solution(A, [1, 0.5], 5);
        const times2 = linspace(5, 0, 101);
        const r2 = solve(PROBLEM.linear, A, F(y5), 5, 0, F(times2), options(method, rtol, atol));
        assertReachedEnd(r2, 0, method);
        const want2 = times2.flatMap((t) => linear2Solution(A, [1, 0.5], t));
        assertWithinTolerance(r2.y, want2, rtol, atol, BOUND, `${method} backwards rotation`, 2);
      });

      it('respects maxStep', () => {
        const r = solve(PROBLEM.decay, F([1]), F([1]), 0, 1, F([1]), options(method, 1e-3, 1e-6, { maxStep: 0.01 }));
        assertReachedEnd(r, 1, method);
        assert.ok(r.nsteps >= 100, `${r.nsteps} steps of at most 0.01 on [0, 1]`);
        assert.ok(Math.abs(r.y[0] - Math.exp(-1)) < 1e-5);
      });

      it('maxSteps exhausted: status −2 with its message, unreached outputs left NaN', () => {
        const times = [0, 1e-3, 50, 100];
        const r = solve(PROBLEM.decay, F([1]), F([1, 2]), 0, 100, F(times), options(method, 1e-10, 1e-14, { maxSteps: 5 }));
        assert.equal(r.status, STATUS.maxSteps, r.message);
        assert.equal(r.message, 'the step budget (maxSteps) was exhausted');
        assert.ok(r.t > 0 && r.t < 100, `ended at t = ${r.t}`);
        assert.equal(r.nsteps + r.nrejected, 5);
        assert.deepEqual(Array.from(row(r.y, 0, 2)), [1, 2]);
        for (const k of [2, 3]) {
          assert.ok(row(r.y, k, 2).every(Number.isNaN), `output at t = ${times[k]} was never computed`);
        }
      });

      it('a finite-time blow-up y′ = y² + εy ends with a failure status, never a claimed success', () => {
        // the logistic problem with r = ε = 1e−12, K = −ε is y′ = ε y + y²: from y(0) = 1
        // it blows up at t* = ln(1 + ε)/ε ≈ 1 − ε/2; y(t) ≈ 1/(1 − t) before.
        const eps = 1e-12;
        const times = [0.5, 0.9, 1.5];
        const r = solve(PROBLEM.logistic, F([eps, -eps]), F([1]), 0, 2, F(times), options(method, 1e-6, 1e-9));
        assert.ok(
          r.status === STATUS.nonFinite || r.status === STATUS.stepTooSmall,
          `status ${r.status} (${r.message})`,
        );
        assert.match(r.message, r.status === STATUS.nonFinite ? /non-finite/ : /round-off/);
        assert.ok(r.t < 1.01, `ended at t = ${r.t}`);
        assertWithinTolerance(r.y.subarray(0, 2), [2, 10], 1e-6, 1e-9, BOUND, `${method} before the blow-up`);
        assert.ok(Number.isNaN(r.y[2]), 'no value beyond the blow-up');
      });
    });
  }

  describe('convergence order with fixed steps (logistic r = 1, K = 1, y0 = 0.1 to t = 4)', () => {
    const exact = (t: number) => logisticSolution(1, 1, 0.1, t);
    /** Errors at step ends and at interior points (0.37 of each step) for step h. */
    function errors(method: MethodName, h: number): { end: number; dense: number } {
      const T = 4;
      const steps = Math.round(T / h);
      const times: number[] = [];
      for (let i = 0; i < steps; i++) times.push((i + 0.37) * h);
      times.push(T);
      const r = solve(PROBLEM.logistic, F([1, 1]), F([0.1]), 0, T, F(times),
        options(method, 0.5, 1e6, { firstStep: h, maxStep: h }));
      assertReachedEnd(r, T, `${method} h=${h}`);
      assert.equal(r.nrejected, 0);
      let dense = 0;
      for (let i = 0; i < steps; i++) dense = Math.max(dense, Math.abs(r.y[i] - exact(times[i])));
      return { end: Math.abs(r.y[steps] - exact(T)), dense };
    }
    const measured = (method: MethodName, hs: number[]) => {
      const e = hs.map((h) => errors(method, h));
      const order = (f: (x: { end: number; dense: number }) => number) =>
        Math.log2(f(e[e.length - 2]) / f(e[e.length - 1]));
      return { end: order((x) => x.end), dense: order((x) => x.dense) };
    };

    it('rosenbrock (RODAS4): order 4 at step ends and in the dense output', () => {
      const p = measured('rosenbrock', [0.2, 0.1, 0.05]);
      assert.ok(p.end > 3.8 && p.end < 4.3, `order at step ends ${p.end}`);
      assert.ok(p.dense > 3.8 && p.dense < 4.4, `order of the dense output ${p.dense}`);
    });

    it('dopri5: order 5 at step ends, ≥ 4 in the dense output', () => {
      const p = measured('dopri5', [0.4, 0.2, 0.1]);
      assert.ok(p.end > 4.8 && p.end < 5.8, `order at step ends ${p.end}`);
      assert.ok(p.dense > 3.8, `order of the dense output ${p.dense}`);
    });

    it('rosenbrock: order 4 on a linear system (damped rotation)', () => {
      const A = F([-0.1, 2, -2, -0.1]);
      const err = (h: number) => {
        const r = solve(PROBLEM.linear, A, F([1, 0.5]), 0, 4, F([4]), options('rosenbrock', 0.5, 1e6, { firstStep: h, maxStep: h }));
        const want = linear2Solution(A, [1, 0.5], 4);
        return Math.max(Math.abs(r.y[0] - want[0]), Math.abs(r.y[1] - want[1]));
      };
      const p = Math.log2(err(0.1) / err(0.05));
      assert.ok(p > 3.8 && p < 4.3, `order ${p}`);
    });
  });

  describe("Robertson's stiff chemistry to t = 1e5 (rtol 1e−6, atol 1e−10)", () => {
    const rtol = 1e-6;
    const atol = 1e-10;
    const times = ROBERTSON_REFERENCE.map((p) => p.t);
    const want = ROBERTSON_REFERENCE.flatMap((p) => p.y);

    for (const method of ['rosenbrock', 'auto'] as const) {
      it(`${method}: correct to the tolerance in fewer than 5000 evaluations`, () => {
        const r = solve(PROBLEM.robertson, F([]), F([1, 0, 0]), 0, 1e5, F(times), options(method, rtol, atol));
        assertReachedEnd(r, 1e5, method);
        assertWithinTolerance(r.y, want, rtol, atol, BOUND, `${method} Robertson`);
        assert.ok(r.njev > 0, 'the Jacobian was used');
        assert.ok(r.nfev + r.njev < 5000, `nfev ${r.nfev} + njev ${r.njev}`);
        if (method === 'rosenbrock') {
          // a Rosenbrock method conserves the linear invariant y1 + y2 + y3 to rounding
          for (let k = 0; k < times.length; k++) {
            const s = row(r.y, k, 3).reduce((a, b) => a + b, 0);
            assert.ok(Math.abs(s - 1) < 1e-12, `y1 + y2 + y3 − 1 = ${s - 1} at t = ${times[k]}`);
          }
          assert.ok(r.nlu >= r.nsteps, `nlu ${r.nlu} < nsteps ${r.nsteps}`);
        }
      });
    }

    it('dopri5 is stiffness-bound: more than 100 000 evaluations without getting near the end', () => {
      const r = solve(PROBLEM.robertson, F([]), F([1, 0, 0]), 0, 1e5, F(times), options('dopri5', rtol, atol, { maxSteps: 30_000 }));
      assert.equal(r.status, STATUS.maxSteps, r.message);
      assert.ok(r.nfev > 100_000, `nfev ${r.nfev}`);
      assert.ok(r.t < 1e3, `reached t = ${r.t}`);
      assert.ok(row(r.y, times.length - 1, 3).every(Number.isNaN), 'no value claimed at t = 1e5');
    });
  });

  describe('invalid options are RangeErrors naming the option', () => {
    const cases: [Partial<NativeOdeOptions>, RegExp][] = [
      [{ rtol: 0 }, /options\.rtol/],
      [{ atol: -1 }, /options\.atol/],
      [{ method: 7 }, /options\.method/],
      [{ maxSteps: 0.5 }, /options\.maxSteps/],
      [{ maxStep: 0 }, /options\.maxStep\b/],
      [{ firstStep: -1 }, /options\.firstStep/],
    ];
    for (const [bad, name] of cases) {
      it(JSON.stringify(bad), () => {
        assert.throws(
          () => solve(PROBLEM.decay, F([1]), F([1]), 0, 1, F([1]), options('rosenbrock', 1e-6, 1e-9, bad)),
          (e: unknown) => e instanceof RangeError && name.test(e.message),
        );
      });
    }
  });
}

describe('ODE integrators (solveTestProblem)', () => forEachAddon((_name, addon) => odeTests(addon)));
