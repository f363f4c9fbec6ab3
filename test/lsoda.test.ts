/**
 * The LSODA integrator (native/core/lsoda.cc) against SciPy's odeint, which runs ODEPACK's
 * LSODA: test/fixtures/lsoda-odeint.json (scripts/fixtures/lsoda_odeint.py) holds odeint's
 * outputs and counters for two built-in test problems and for the Theorem-1 gradient flow
 * (the 16 published runs and 10 more), called as the official notebook calls it.
 *
 * A faithful LSODA follows odeint's trajectory: same step sequence, orders, switches and
 * Jacobian evaluations, hence its global error, not only the true solution. Where odeint
 * itself is sensitive to the rounding of f (a near-tied step/order decision that flips when
 * f is perturbed by ±4e−16 relative; the fixture records 8 such perturbed odeint runs), our
 * f, which rounds differently from NumPy's, may land on the other branch: there the result
 * must match one of odeint's own perturbed outcomes instead.
 *
 * Our own f rounds alike on every backend (native/core/fixed_order.h): the native builds,
 * with or without OpenBLAS, and the WebAssembly build integrate the same trajectory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import type { NativeOdeOptions, RunAddon as Addon } from '../lib/backends/addon-types';
import { type Theorem1Config, THEOREM1_CONFIGS, runTheorem1, theorem1Problem } from '../lib/experiments/theorem1';
import { officialDiff } from '../lib/init';
import { PROBLEM, ROBERTSON_REFERENCE, decaySolution, logisticSolution, scaledError } from './helpers/ode-reference';
import { type AddonName, forEachAddon } from './helpers/addons';

const LSODA = 3;
const STATUS = { reachedEnd: 1, stepTooSmall: -1, maxSteps: -2, aborted: -5 } as const;

interface ProblemRun {
  name: string;
  problem: 'logistic' | 'robertson';
  params: number[];
  y0: number[];
  times: number[];
  rtol: number;
  atol: number;
  y: number[][];
  nst: number;
  nfe: number;
  nje: number;
}

interface Theorem1Run {
  name: string;
  length: number;
  dim: number;
  sdA: number;
  diffExponent: number;
  diff: number;
  seed: number;
  poisoned: boolean;
  until: number;
  outputs: number;
  initialA: number[];
  finalA: number[];
  extrapolationError: number;
  checkpoints: { index: number; t: number; a: number[] }[];
  nst: number;
  nfe: number;
  nje: number;
  published?: { extrapolationError: number };
  rounding: { extrapolationErrors: number[]; nst: number[]; nfe: number[]; nje: number[] };
}

const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'lsoda-odeint.json'), 'utf8'),
) as { rtol: number; atol: number; problems: ProblemRun[]; theorem1: Theorem1Run[] };

/** The acceptance bound: per-seed extrapolation errors within 1e−5 relative of odeint's. */
const ACCEPT = 1e-5;

const F = (v: ArrayLike<number>) => Float64Array.from(v as ArrayLike<number>);
const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

function options(rtol: number, atol: number, extra: Partial<NativeOdeOptions> = {}): NativeOdeOptions {
  return { method: LSODA, rtol, atol, firstStep: 0, maxStep: Infinity, maxSteps: 100_000, ...extra };
}

/** A published-style config for one fixture run. */
function configOf(r: Theorem1Run): Theorem1Config {
  return {
    name: r.name, length: r.length, dim: r.dim, sdA: r.sdA, diffExponent: r.diffExponent, seeds: [r.seed],
    until: { clean: r.until, poisoned: r.until }, outputs: { clean: r.outputs, poisoned: r.outputs },
    published: { clean: NaN, poisoned: NaN },
  };
}

/** How far odeint itself moves under rounding noise in f (relative, max over 8 runs). */
function roundingSpread(r: Theorem1Run): number {
  return Math.max(...r.rounding.extrapolationErrors.map((e) => rel(e, r.extrapolationError)));
}

/** The official code run on other CPUs (scripts/fixtures/odeint_cpu.py): NumPy's SIMD
 * pow and OpenBLAS's dot kernel round per CPU, and a near-tied step decision of odeint
 * turns a last-bit difference into LSODA's global error (~2e−5 on two published runs). */
const CPU_RECORDS = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'odeint-cpu.json'), 'utf8'),
) as { machines: { cpu: string; simd: string[]; runs: { name: string; seed: number; poisoned: boolean; extrapolationError: number }[] }[] };

/** The official code's results for a run: on the machine of lsoda-odeint.json and the recorded CPUs. */
function officialOnCpus(r: Theorem1Run): number[] {
  const recorded = CPU_RECORDS.machines.flatMap((m) =>
    m.runs.filter((x) => x.name === r.name && x.seed === r.seed && x.poisoned === r.poisoned).map((x) => x.extrapolationError));
  return [r.extrapolationError, ...recorded];
}

function problemTests(addon: Addon): void {
  const solve = addon.solveTestProblem.bind(addon);

  for (const p of FIXTURE.problems) {
    it(`${p.name}: odeint's outputs and counters`, () => {
      const times = F(p.times);
      const tEnd = p.times[p.times.length - 1];
      const r = solve(PROBLEM[p.problem], F(p.params), F(p.y0), 0, tEnd, times, options(p.rtol, p.atol, { firstOutput: p.times[1] }));
      assert.equal(r.status, STATUS.reachedEnd, r.message);
      assert.equal(r.t, tEnd);
      const want = p.y.flat();
      // The same trajectory: far inside the tolerance (a different method or step
      // sequence is off by whole tolerance units).
      const error = scaledError(r.y, want, p.rtol, p.atol);
      const bound = p.problem === 'logistic' ? 1e-6 : 10;
      assert.ok(error <= bound, `${p.name}: ${error} tolerance units from odeint`);
      if (p.problem === 'logistic') {
        // non-stiff, no rounding-sensitive decision: identical counters
        assert.equal(r.nsteps, p.nst, 'steps');
        assert.equal(r.nfev, p.nfe, 'f evaluations');
        assert.equal(r.njev, 0, 'Adams only: no Jacobian');
      } else {
        // stiff: switches to BDF. Its many step rejections make the step sequence sensitive
        // to the rounding of the LU factors (OpenBLAS or portable loops vs odeint's LAPACK):
        // a bounded work close to odeint's.
        assert.ok(Math.abs(r.nsteps - p.nst) <= 0.1 * p.nst, `steps ${r.nsteps} vs odeint ${p.nst}`);
        assert.ok(r.nfev <= 1.1 * p.nfe, `nfev ${r.nfev} vs odeint ${p.nfe}`);
        assert.ok(r.njev >= 1 && Math.abs(r.njev - p.nje) <= 0.1 * p.nje, `njev ${r.njev} vs odeint ${p.nje}`);
        assert.equal(r.nlu, r.njev);
      }
    });
  }

  it('the initial step depends on the first output time (odeint passes t[1])', () => {
    const times = F([0, 0.5, 8]);
    const a = solve(PROBLEM.logistic, F([2, 5]), F([0.05]), 0, 8, times, options(1e-8, 1e-8, { firstOutput: 1e-6 }));
    const b = solve(PROBLEM.logistic, F([2, 5]), F([0.05]), 0, 8, times, options(1e-8, 1e-8));
    const c = solve(PROBLEM.logistic, F([2, 5]), F([0.05]), 0, 8, times, options(1e-8, 1e-8, { firstOutput: 8 }));
    assert.equal(a.status, STATUS.reachedEnd);
    assert.equal(b.status, STATUS.reachedEnd);
    // h0 ≤ |t[1] − t0|: a tiny first output time costs extra steps; 0 means the end time
    assert.ok(a.nsteps > b.nsteps, `${a.nsteps} steps with firstOutput 1e−6, ${b.nsteps} without`);
    assert.deepEqual(Array.from(c.y), Array.from(b.y));
    assert.equal(c.nfev, b.nfev);
  });

  it('closed forms: decay (several rates, forward and backward) and logistic within the tolerance', () => {
    const rtol = 1e-8;
    const atol = 1e-12;
    const times = [0, 0.3, 1, 2.5, 6, 10];
    const y0 = [1, -2, 3e-3];
    for (const k of [0.1, 1, 5]) {
      const r = solve(PROBLEM.decay, F([k]), F(y0), 0, 10, F(times), options(rtol, atol, { firstOutput: 0.3 }));
      assert.equal(r.status, STATUS.reachedEnd, r.message);
      const want = times.flatMap((t) => y0.map((v) => decaySolution(k, v, t)));
      assert.ok(scaledError(r.y, want, rtol, atol) <= 20, `decay k=${k}: ${scaledError(r.y, want, rtol, atol)}`);
      assert.deepEqual(Array.from(r.y.subarray(0, 3)), y0);
    }
    // backward in time: y(−2) of y′ = −y from y(0) = 1
    const back = solve(PROBLEM.decay, F([1]), F([1]), 0, -2, F([0, -1, -2]), options(rtol, atol));
    assert.equal(back.status, STATUS.reachedEnd, back.message);
    assert.equal(back.t, -2);
    assert.ok(scaledError(back.y, [1, Math.E, Math.E ** 2], rtol, atol) <= 20, `backward: ${Array.from(back.y)}`);
    const lt = [0, 1, 2, 4, 8];
    const lr = solve(PROBLEM.logistic, F([2, 5]), F([0.05, 7]), 0, 8, F(lt), options(rtol, atol, { firstOutput: 1 }));
    const lwant = lt.flatMap((t) => [logisticSolution(2, 5, 0.05, t), logisticSolution(2, 5, 7, t)]);
    assert.ok(scaledError(lr.y, lwant, rtol, atol) <= 20, `logistic: ${scaledError(lr.y, lwant, rtol, atol)}`);
  });

  it("Robertson to t = 1e5 against the accurate reference, with a bounded work", () => {
    const rtol = 1e-8;
    const atol = 1e-12;
    const times = [0, ...ROBERTSON_REFERENCE.map((p) => p.t)];
    const r = solve(PROBLEM.robertson, F([]), F([1, 0, 0]), 0, 1e5, F(times), options(rtol, atol, { firstOutput: times[1] }));
    assert.equal(r.status, STATUS.reachedEnd, r.message);
    const want = [1, 0, 0, ...ROBERTSON_REFERENCE.flatMap((p) => [...p.y])];
    // LSODA's global error (max-norm control) stays within a modest multiple of the tolerance
    assert.ok(scaledError(r.y, want, rtol, atol) <= 100, `Robertson: ${scaledError(r.y, want, rtol, atol)}`);
    assert.ok(r.nfev < 3000, `nfev ${r.nfev}`);
    assert.ok(r.njev > 0 && r.njev < 300, `njev ${r.njev}`);
  });

  it('the step budget, the end time equal to the start, and the clipped last step', () => {
    const budget = solve(PROBLEM.robertson, F([]), F([1, 0, 0]), 0, 1e5, F([1e5]), options(1e-8, 1e-12, { maxSteps: 50 }));
    assert.equal(budget.status, STATUS.maxSteps, budget.message);
    assert.ok(budget.t < 1e5);
    assert.ok(Number.isNaN(budget.y[0]), 'no value claimed at the end');
    const none = solve(PROBLEM.decay, F([1]), F([2]), 3, 3, F([3]), options(1e-8, 1e-12));
    assert.equal(none.status, STATUS.reachedEnd);
    assert.deepEqual(Array.from(none.y), [2]);
    // LSODA steps past t_end; the result is y(t_end) interpolated and t is t_end exactly
    const r = solve(PROBLEM.decay, F([1]), F([1]), 0, 1.2345, F([1.2345]), options(1e-10, 1e-14));
    assert.equal(r.t, 1.2345);
    assert.ok(Math.abs(r.y[0] - Math.exp(-1.2345)) < 1e-8, `${r.y[0]}`);
  });

  it('a finite-time blow-up ends with a failure status and no claimed value beyond it', () => {
    // y′ = ε y + y² from y(0) = 1 (logistic with r = ε, K = −ε) blows up at t ≈ 1
    const eps = 1e-12;
    const r = solve(PROBLEM.logistic, F([eps, -eps]), F([1]), 0, 2, F([0.5, 0.9, 1.5]), options(1e-6, 1e-9));
    assert.ok(r.status < 0, `status ${r.status} (${r.message})`);
    assert.ok(r.t < 1.01, `ended at t = ${r.t}`);
    assert.ok(scaledError(r.y.subarray(0, 2), [2, 10], 1e-6, 1e-9) <= 100, `before the blow-up: ${Array.from(r.y)}`);
    assert.ok(Number.isNaN(r.y[2]), 'no value beyond the blow-up');
  });

  it('firstOutput and method 3 are validated', () => {
    assert.throws(() => solve(PROBLEM.decay, F([1]), F([1]), 0, 1, F([1]), options(1e-6, 1e-9, { firstOutput: -1 })),
      (e: unknown) => e instanceof RangeError && /options\.firstOutput/.test(e.message));
    assert.throws(() => solve(PROBLEM.decay, F([1]), F([1]), 0, 1, F([1]), options(1e-6, 1e-9, { method: 4 })),
      (e: unknown) => e instanceof RangeError && /3 \(lsoda\)/.test(e.message));
  });
}

type Theorem1Result = Awaited<ReturnType<typeof runTheorem1>>;
/** Each backend's results for the fixture runs, for the comparison across backends. */
const RESULTS_BY_BACKEND = new Map<AddonName, Map<Theorem1Run, Theorem1Result>>();

function theorem1Tests(backend: AddonName): void {
  const results = new Map<Theorem1Run, Theorem1Result>();
  RESULTS_BY_BACKEND.set(backend, results);
  before(async function () {
    this.timeout(120_000);
    for (const r of FIXTURE.theorem1) {
      results.set(r, await runTheorem1(configOf(r), r.seed, r.poisoned, { method: 'lsoda', backend }));
    }
  });

  it('the preset builds the fixture problems (init, diff) and uses the odeint tolerances', () => {
    for (const r of FIXTURE.theorem1) {
      const diff = officialDiff(r.sdA, r.diffExponent);
      assert.ok(rel(diff, r.diff) < 1e-15, `diff ${diff} vs ${r.diff}`);
      const p = theorem1Problem({ length: r.length, dim: r.dim, sdA: r.sdA, diff }, r.seed, r.poisoned);
      assert.deepEqual(Array.from(p.student.a), r.initialA, `${r.name} seed ${r.seed}`);
    }
    assert.equal(FIXTURE.rtol, 1.49012e-8);
  });

  for (const r of FIXTURE.theorem1) {
    const label = `${r.name} seed ${r.seed} ${r.poisoned ? 'poisoned' : 'clean'}`;
    it(`${label}: final extrapolation error and counters follow odeint`, () => {
      const res = results.get(r)!;
      assert.equal(res.status, 'until', res.message);
      assert.equal(res.t, r.until);
      const dev = rel(res.finalExtrapolationError, r.extrapolationError);
      const sensitive = roundingSpread(r) > ACCEPT;
      if (dev > ACCEPT) {
        // only where odeint itself flips under rounding noise, and then onto one of its branches
        assert.ok(sensitive, `${label}: ${dev} from odeint (odeint's rounding spread ${roundingSpread(r)})`);
        const nearest = Math.min(...r.rounding.extrapolationErrors.map((e) => rel(res.finalExtrapolationError, e)));
        assert.ok(nearest < 1e-6, `${label}: ${dev} from odeint, ${nearest} from its nearest perturbed run`);
      }
      // the same step sequence: steps, Jacobians and f evaluations as odeint (or as one of
      // its rounding-perturbed runs)
      const steps = [r.nst, ...r.rounding.nst];
      const jacobians = [r.nje, ...r.rounding.nje];
      const evals = [r.nfe, ...r.rounding.nfe];
      assert.ok(steps.some((s) => Math.abs(res.nsteps - s) <= 2), `${label}: ${res.nsteps} steps vs odeint ${steps}`);
      assert.ok(jacobians.some((j) => Math.abs(res.njev - j) <= 1), `${label}: ${res.njev} Jacobians vs ${jacobians}`);
      assert.ok(evals.some((e) => Math.abs(res.nfev - e) <= 8), `${label}: ${res.nfev} evaluations vs ${evals}`);
      // the final state itself
      const scale = Math.max(...r.finalA.map(Math.abs));
      const da = Math.max(...r.finalA.map((v, i) => Math.abs(res.final.a[i] - v)));
      assert.ok(da <= (sensitive ? 1e-4 : ACCEPT) * scale, `${label}: final a off by ${da}`);
    });

    it(`${label}: intermediate outputs (Nordsieck interpolation) follow odeint`, () => {
      const res = results.get(r)!;
      assert.equal(res.times.length, r.outputs);
      for (const c of r.checkpoints) {
        assert.equal(res.times[c.index], c.t);
        const got = res.a[c.index];
        const scale = Math.max(...c.a.map(Math.abs));
        const da = Math.max(...c.a.map((v, i) => Math.abs(got[i] - v)));
        const bound = roundingSpread(r) > ACCEPT ? 1e-4 : ACCEPT;
        assert.ok(da <= bound * scale, `${label} output ${c.index} (t = ${c.t}): off by ${da / scale} relative`);
      }
    });
  }

  it('the 16 published runs: within 1e−5 of the official values, or of the official code where it is CPU-dependent', () => {
    let checked = 0;
    let cpuDependent = 0;
    for (const r of FIXTURE.theorem1) {
      if (r.published === undefined) continue;
      checked++;
      const res = results.get(r)!;
      const dev = rel(res.finalExtrapolationError, r.published.extrapolationError);
      if (dev <= ACCEPT) continue;
      // The official code itself (recorded on two CPUs) misses the published value here by
      // more than the bound, and ours is what it gives on one of them.
      const official = officialOnCpus(r);
      const spread = Math.max(...official.map((e) => rel(e, r.published!.extrapolationError)));
      const nearest = Math.min(...official.map((e) => rel(res.finalExtrapolationError, e)));
      assert.ok(spread > ACCEPT && nearest <= 1e-6,
        `${r.name} seed ${r.seed}: ${dev} from the published value; the official code's spread over CPUs ${spread}, ours to its nearest ${nearest}`);
      cpuDependent++;
    }
    assert.ok(cpuDependent <= 1, `${cpuDependent} runs off the published values on a CPU-dependent branch`);
    assert.equal(checked, 16);
    // the published means are reproduced to the same level
    for (const cfg of THEOREM1_CONFIGS) {
      for (const poisoned of [false, true]) {
        const runs = FIXTURE.theorem1.filter((r) => r.published && r.name === cfg.name && r.poisoned === poisoned);
        const mean = runs.reduce((s, r) => s + results.get(r)!.finalExtrapolationError, 0) / runs.length;
        const want = poisoned ? cfg.published.poisoned : cfg.published.clean;
        assert.ok(rel(mean, want) <= ACCEPT, `${cfg.name} ${poisoned ? 'poisoned' : 'clean'} mean ${mean} vs ${want}`);
      }
    }
  });
}

describe('LSODA (odeint-faithful) integrator', () => forEachAddon((name, addon) => {
  describe('test problems', () => problemTests(addon));
  describe('Theorem-1 gradient flow vs odeint (test/fixtures/lsoda-odeint.json)', () => theorem1Tests(name));
}));

describe('LSODA: every backend integrates the same Theorem-1 trajectories', () => {
  // The flows evaluate f, its Jacobian, the LU and the step-size powers in a fixed order
  // (native/core/fixed_order.h), so neither OpenBLAS, nor fused multiply-adds, nor the C
  // library's pow, nor WebAssembly moves a step decision: the same bits everywhere.
  it('final extrapolation errors and states are bit for bit the same on the backends that load', function () {
    const backends = [...RESULTS_BY_BACKEND.entries()].filter(([, m]) => m.size === FIXTURE.theorem1.length);
    if (backends.length < 2) this.skip();
    const [[refName, ref], ...others] = backends;
    for (const [name, results] of others) {
      for (const r of FIXTURE.theorem1) {
        const label = `${r.name} seed ${r.seed} ${r.poisoned ? 'poisoned' : 'clean'}: ${name} vs ${refName}`;
        const got = results.get(r)!;
        const want = ref.get(r)!;
        assert.equal(got.finalExtrapolationError, want.finalExtrapolationError, label);
        assert.deepEqual(Array.from(got.final.a), Array.from(want.final.a), label);
        assert.equal(got.nfev, want.nfev, `${label}: nfev`);
      }
    }
  });
});
