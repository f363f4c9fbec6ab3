/**
 * The large-κ gradient flow (SPEC §6 "large κ"; native/core/flow_scaled.cc, lib/flow-scaled.ts):
 * arc length with physical time in log scale and scaled arithmetic for the powers.
 *
 * The Theorem-1 setting (d = 10, sd_A = 1e−3, b = c = 1, teacher a* = (1, 0), b* = c* =
 * (1, √9)) at κ = 64, 512, 4096 must converge with and without the special sequence. The
 * results are checked against references computed independently of the solver:
 *  - clean: the plateau is the escape of a_1 from a^(κ−2)-slow growth, whose duration has a
 *    closed form, t = a_1(0)^−(κ−3) / (2(κ−1)(κ−3)) (the relaxation afterwards is O(1) time);
 *  - poisoned: the special residual relaxes at once (a_i ← a_i + (1 − Σa)/d), then the
 *    baseline drives a along Σa = 1 with r_base ≈ −1; that reduced ODE is integrated here in
 *    TypeScript (RK4, scaled variables) to the blow-up time;
 *  - κ = 7 and κ = 9 (the published settings): the ordinary physical-time flow
 *    (gradientFlowSync, RODAS4, tight tolerances) — final a, extrapolation error, state at a
 *    fixed physical time and the convergence time.
 */
import assert from 'node:assert/strict';

import { SsmPoisonError } from '../lib/errors';
import { gradientFlowSync } from '../lib/flow';
import {
  type LargeKappaOptions,
  type LargeKappaResult,
  gradientFlowLargeKappa,
  gradientFlowLargeKappaSync,
} from '../lib/flow-scaled';
import { officialDiff } from '../lib/init';
import type { RunAddon } from '../lib/backends/addon-types';
import { type AddonName, forEachAddon, tryRunAddon } from './helpers/addons';
import { THEOREM1_CONFIGS, THEOREM1_EXTRAPOLATION, type Theorem1Problem, theorem1Problem } from '../lib/experiments/theorem1';

const DIM = 10;
const SD_A = 1e-3;
const DIFF = officialDiff(SD_A, 5);
const KAPPAS = [64, 512, 4096] as const;
const SEEDS = [242, 243] as const;

function problem(length: number, seed: number, poisoned: boolean, dim = DIM, sdA = SD_A, diff = DIFF): Theorem1Problem {
  return theorem1Problem({ length, dim, sdA, diff }, seed, poisoned);
}

function runOn(backend: AddonName, p: Theorem1Problem, options: LargeKappaOptions = {}): LargeKappaResult {
  return gradientFlowLargeKappaSync(
    { student: p.student, inputs: p.inputs, targets: p.targets },
    { teacher: p.teacher, extrapolation: THEOREM1_EXTRAPOLATION, backend, ...options },
  );
}

/** log10 of the clean plateau time: a_1 escapes first, t = a_1^−(κ−3) / (2(κ−1)(κ−3)). */
function cleanPlateauLog10Time(a0: Float64Array, k: number): number {
  return -(k - 3) * Math.log10(a0[0]) - Math.log10(2 * (k - 1) * (k - 3));
}

/**
 * log10 of the poisoned plateau time from the reduced slow-manifold model: after the
 * special residual relaxed, da_i/dt = (κ−1)(a_i^(κ−2) − mean_j a_j^(κ−2)) (N = 2, r_base = −1,
 * projected on Σa = 1). In τ = t (κ−1) a_ref^(κ−2), u = a / a_ref, the field is u_i^(κ−2) −
 * mean_j u_j^(κ−2): ordinary doubles. RK4 with steps of ~2 % growth of the leading power,
 * until that power is 1e12 (the rest of the escape takes a negligible part of the time).
 */
function poisonedPlateauLog10Time(a0: Float64Array, k: number): number {
  const d = a0.length;
  const shift = (1 - a0.reduce((s, v) => s + v, 0)) / d;
  const a = Array.from(a0, (v) => v + shift);
  const ref = a[0];
  const field = (x: number[]) => {
    const p = x.map((v) => Math.sign(v) * Math.exp((k - 2) * Math.log(Math.abs(v) / ref)));
    const mean = p.reduce((s, v) => s + v, 0) / d;
    return p.map((v) => v - mean);
  };
  const axpy = (x: number[], f: number[], h: number) => x.map((v, i) => v + h * f[i]);
  let x = a;
  let tau = 0;
  for (let it = 0; it < 1e6; it++) {
    const f1 = field(x);
    if (f1[0] > 1e12) break;
    const h = 0.02 * ref / ((k - 2) * Math.abs(f1[0]));
    const f2 = field(axpy(x, f1, h / 2));
    const f3 = field(axpy(x, f2, h / 2));
    const f4 = field(axpy(x, f3, h));
    x = x.map((v, i) => v + (h / 6) * (f1[i] + 2 * f2[i] + 2 * f3[i] + f4[i]));
    tau += h;
  }
  return Math.log10(tau) - Math.log10(k - 1) - (k - 2) * Math.log10(ref);
}

function maxRelative(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / Math.abs(y[i]));
  return m;
}


/** The suites that run on every implementation of the run methods. */
function tests(backend: AddonName, addon: RunAddon): void {
  const run = (p: Theorem1Problem, options: LargeKappaOptions = {}) => runOn(backend, p, options);
  const flowSync: typeof gradientFlowSync = (problem, options = {}) => gradientFlowSync(problem, { backend, ...options });
  const kappaSync: typeof gradientFlowLargeKappaSync = (problem, options = {}) => gradientFlowLargeKappaSync(problem, { backend, ...options });
  const kappa: typeof gradientFlowLargeKappa = (problem, options = {}) => gradientFlowLargeKappa(problem, { backend, ...options });

  describe('Theorem-1 setting, d = 10, sd_A = 1e−3', () => {
    for (const seed of SEEDS) {
      const clean: number[] = [];
      for (const k of KAPPAS) {
        it(`κ = ${k}, seed ${seed}, clean: converges at the closed-form plateau time`, () => {
          const p = problem(k, seed, false);
          const r = run(p);
          assert.equal(r.status, 'converged', r.message);
          assert.equal(r.converged, true);
          assert.ok(r.trainLoss < 1e-12, `loss ${r.trainLoss}`);
          assert.ok(Number.isFinite(r.log10Time), `log10Time ${r.log10Time}`);
          const expected = cleanPlateauLog10Time(p.student.a, k);
          assert.ok(Math.abs(r.log10Time - expected) < 1e-8, `log10Time ${r.log10Time} vs closed form ${expected}`);
          // the physical time is far beyond float64 for κ ≥ 512
          if (k >= 512) assert.ok(r.log10Time > 308);
          // a_1 → 1 (h_j → 1 + small, the teacher's first mode); the rest stays near init
          assert.ok(Math.abs(r.final.a[0] - 1) < 1e-9, `a_1 = ${r.final.a[0]}`);
          for (let i = 2; i < DIM; i++) assert.ok(Math.abs(r.final.a[i] / p.student.a[i] - 1) < 1e-3);
          assert.ok(r.finalExtrapolationError < 1e-3, `ext ${r.finalExtrapolationError}`);
          // every coordinate moves monotonically: ‖Δa‖₂ ≤ arc length ≤ ‖Δa‖₁
          let l2 = 0;
          let l1 = 0;
          for (let i = 0; i < DIM; i++) {
            const delta = Math.abs(r.final.a[i] - p.student.a[i]);
            l2 += delta * delta;
            l1 += delta;
          }
          assert.ok(Math.sqrt(l2) <= r.arcLength * (1 + 1e-12) && r.arcLength <= l1 * (1 + 1e-12),
            `arc length ${r.arcLength} outside [${Math.sqrt(l2)}, ${l1}]`);
          clean.push(r.log10Time);
          if (clean.length > 1) assert.ok(clean[clean.length - 1] > clean[clean.length - 2], 'log10Time increases with κ');
        });
        it(`κ = ${k}, seed ${seed}, poisoned: converges at the slow-manifold plateau time`, () => {
          const p = problem(k, seed, true);
          const r = run(p);
          assert.equal(r.status, 'converged', r.message);
          assert.ok(r.trainLoss < 1e-12, `loss ${r.trainLoss}`);
          assert.ok(Number.isFinite(r.log10Time));
          const expected = poisonedPlateauLog10Time(p.student.a, k);
          assert.ok(Math.abs(r.log10Time - expected) < 1e-6, `log10Time ${r.log10Time} vs reduced model ${expected}`);
          // the special sequence fits Σa = 1 at once: far sooner than the clean run
          assert.ok(r.log10Time < cleanPlateauLog10Time(p.student.a, k) / 2);
          const sum = r.final.a.reduce((s, v) => s + v, 0);
          assert.ok(Math.abs(sum - 1) < 1e-6, `Σa = ${sum}`);
          assert.ok(r.constrainedSegments > 0, 'the slow manifold was used');
        });
      }
    }
  });

  describe('agrees with the ordinary physical-time flow on the published settings', () => {
    const cases = [
      { cfg: THEOREM1_CONFIGS[0], seed: 242 },
      { cfg: THEOREM1_CONFIGS[0], seed: 243 },
      { cfg: THEOREM1_CONFIGS[1], seed: 342 },
      { cfg: THEOREM1_CONFIGS[1], seed: 344 },
    ];
    for (const { cfg, seed } of cases) {
      for (const poisoned of [false, true]) {
        it(`κ = ${cfg.length}, d = ${cfg.dim}, seed ${seed}, ${poisoned ? 'poisoned' : 'clean'}`, () => {
          const p = problem(cfg.length, seed, poisoned, cfg.dim, cfg.sdA, officialDiff(cfg.sdA, cfg.diffExponent));
          const ordinary = flowSync(
            { student: p.student, inputs: p.inputs, targets: p.targets },
            {
              method: 'rosenbrock', rtol: 1e-11, atol: 1e-18, lossTol: 1e-20, teacher: p.teacher,
              extrapolation: THEOREM1_EXTRAPOLATION,
            },
          );
          assert.equal(ordinary.status, 'converged', ordinary.message);
          // a physical time in the middle of the escape (in log scale)
          const tMid = 10 ** (Math.log10(ordinary.t) - 0.3);
          const reference = flowSync(
            { student: p.student, inputs: p.inputs, targets: p.targets },
            { method: 'rosenbrock', rtol: 1e-11, atol: 1e-18, until: tMid, outputs: [tMid] },
          );
          const r = run(p, { lossTol: 1e-20, outputs: [Math.log10(tMid)] });
          assert.equal(r.status, 'converged', r.message);
          assert.ok(r.trainLoss <= 1e-20);
          assert.ok(maxRelative(r.final.a, ordinary.final.a) < 2e-6, `final a: ${maxRelative(r.final.a, ordinary.final.a)}`);
          const ext = Math.abs(r.finalExtrapolationError / ordinary.finalExtrapolationError - 1);
          assert.ok(ext < 2e-6, `extrapolation error ${r.finalExtrapolationError} vs ${ordinary.finalExtrapolationError}`);
          assert.ok(Math.abs(r.log10Time - Math.log10(ordinary.t)) < 3e-4,
            `convergence time 10^${r.log10Time} vs ${ordinary.t}`);
          assert.equal(r.outputs.a.length, 1);
          assert.ok(maxRelative(r.outputs.a[0], reference.a[0]) < 2e-6,
            `a(t = ${tMid}): ${maxRelative(r.outputs.a[0], reference.a[0])}`);
          assert.ok(Math.abs(r.outputs.loss[0] / reference.loss[0] - 1) < 1e-5);
        });
      }
    }
  });

  describe('the scaled field (test hook scaledFlowField)', () => {
    // points where two or more entries pull: a_2 close enough to a_1 that a_2^(κ−2) counts
    const points = [
      { k: 64, poisoned: false, a0: 0.5, a1: 0.49 },
      { k: 4096, poisoned: false, a0: 0.5, a1: 0.49995 },
      { k: 64, poisoned: true, a0: 0.9, a1: 0.05 },
      { k: 4096, poisoned: true, a0: 0.35, a1: 0.3499 },
    ];
    for (const { k, poisoned, a0, a1 } of points) {
      it(`κ = ${k} ${poisoned ? 'poisoned' : 'clean'}: unit direction where ∇L underflows, Jacobian = central differences`, () => {
        const p = problem(k, 242, poisoned);
        const config = { dim: DIM, count: p.inputs.count, length: k, a: p.student.a, b: p.student.b, c: p.student.c,
          x: p.inputs.x, targets: p.targets };
        // a point on the way: a_1 half-way out of the plateau, the others at init
        const a = Float64Array.from(p.student.a);
        a[0] = a0;
        a[1] = a1;
        const at = addon.scaledFlowField(config, a, 0);
        assert.ok(Number.isFinite(at.log10GradNorm));
        if (k === 4096 && !poisoned) assert.ok(at.log10GradNorm < -300, 'the gradient itself underflows float64');
        const norm = Math.hypot(...at.direction);
        assert.ok(Math.abs(norm - 1) < 1e-14);
        assert.ok(Math.abs(at.direction[1]) > 0.1 * Math.abs(at.direction[0]), 'a_2 pulls too');
        // the scale 2^E with E ≈ log2 ‖∇L‖ keeps dz/ds of order one
        const E = Math.round(at.log10GradNorm / Math.log10(2));
        const f0 = addon.scaledFlowField(config, a, E);
        const n = DIM + 1;
        for (let j = 0; j < DIM; j++) {
          const h = 1e-7 * Math.abs(a[j]);
          const ap = Float64Array.from(a);
          const am = Float64Array.from(a);
          ap[j] += h;
          am[j] -= h;
          const fp = addon.scaledFlowField(config, ap, E).field;
          const fm = addon.scaledFlowField(config, am, E).field;
          for (let i = 0; i < n; i++) {
            const fd = (fp[i] - fm[i]) / (ap[j] - am[j]);
            const jac = f0.jacobian[i * n + j];
            const scale = Math.max(Math.abs(jac), Math.abs(fd), 1e-300);
            const colScale = Math.max(...Array.from({ length: n }, (_, r) => Math.abs(f0.jacobian[r * n + j])));
            // round-off of the difference quotient: a few ulp of the field over 2h
            const roundoff = 1e-14 * Math.max(Math.abs(fp[i]), Math.abs(fm[i])) / (ap[j] - am[j]);
            assert.ok(Math.abs(fd - jac) <= 1e-5 * scale + 1e-7 * colScale + roundoff, `J[${i}][${j}] = ${jac} vs ${fd}`);
          }
        }
      });
    }
  });

  describe('arc length', () => {
    for (const poisoned of [false, true]) {
      it(`κ = 7 ${poisoned ? 'poisoned' : 'clean'}: the sum of chords of the physical-time solution converges to it from below`, () => {
        const p = problem(7, 242, poisoned);
        const r = run(p);
        assert.equal(r.status, 'converged');
        const T = 10 ** r.log10Time;
        const n = 20_000;
        const grid = new Set<number>([0]);
        for (let j = 0; j < n; j++) grid.add(T * 10 ** (-8 + (8 * j) / (n - 1))).add((T * j) / (n - 1));
        const times = [...grid].sort((x, y) => x - y);
        const o = flowSync({ student: p.student, inputs: p.inputs, targets: p.targets },
          { method: 'rosenbrock', rtol: 1e-11, atol: 1e-18, until: T, outputs: times });
        let chords = 0;
        for (let j = 1; j < o.a.length; j++) {
          let s = 0;
          for (let i = 0; i < DIM; i++) s += (o.a[j][i] - o.a[j - 1][i]) ** 2;
          chords += Math.sqrt(s);
        }
        assert.ok(chords <= r.arcLength * (1 + 1e-9) && r.arcLength <= chords * (1 + 2e-3),
          `arc length ${r.arcLength} vs chords ${chords}`);
      });
    }
  });

  describe('outputs, history, statuses', () => {
    it('records the state at requested log10 times and along the run', () => {
      const p = problem(64, 242, false);
      const times = [-3, 0, 50, 150, 183];
      const r = run(p, { outputs: times, recordEvery: 5 });
      assert.equal(r.status, 'converged');
      assert.deepEqual(Array.from(r.outputs.log10Time), times);
      assert.equal(r.outputs.a.length, times.length);
      for (let k = 0; k < times.length; k++) assert.ok(Math.abs(r.outputs.loss[k] - 1) < 1e-6, 'on the plateau the loss is ≈ 1');
      // a_1 on the plateau follows a_1^−(κ−3) = a_1(0)^−(κ−3) (1 − t/T)
      const T = 10 ** cleanPlateauLog10Time(p.student.a, 64);
      const a1 = p.student.a[0] * (1 - 1e183 / T) ** (-1 / 61);
      assert.ok(Math.abs(r.outputs.a[4][0] / a1 - 1) < 1e-8, `a_1(1e183) = ${r.outputs.a[4][0]} vs ${a1}`);
      for (let k = 1; k < times.length; k++) assert.ok(r.outputs.arcLength[k] >= r.outputs.arcLength[k - 1]);
      const h = r.history;
      assert.ok(h.loss.length > 10 && h.a.length === h.loss.length);
      assert.equal(h.log10Time[0], -Infinity, 'the initial state is recorded at t = 0');
      for (let k = 1; k < h.loss.length; k++) {
        assert.ok(h.log10Time[k] >= h.log10Time[k - 1] && h.arcLength[k] >= h.arcLength[k - 1]);
      }
      assert.ok(h.log10Time[h.log10Time.length - 1] <= r.log10Time);
    });

    it('maxLog10Time ends a run with status until at that time', () => {
      const r = run(problem(512, 242, false), { maxLog10Time: 1000 });
      assert.equal(r.status, 'until');
      assert.equal(r.converged, false);
      assert.equal(r.log10Time, 1000);
      assert.ok(Math.abs(r.trainLoss - 1) < 1e-9);
    });

    it('a rest point (∇L = 0 exactly) is reported as stationary, never as converged', () => {
      const p = problem(64, 242, false);
      const r = kappaSync({ student: { a: new Float64Array(DIM), b: p.student.b, c: p.student.c },
        inputs: p.inputs, targets: p.targets });
      assert.equal(r.status, 'stationary');
      assert.equal(r.converged, false);
      assert.equal(r.trainLoss, 1);
    });

    it('an exhausted step budget ends with max-steps and the state reached', () => {
      const r = run(problem(64, 242, true), { method: 'dopri5', maxSteps: 2000 });
      assert.equal(r.status, 'max-steps');
      assert.equal(r.converged, false);
      assert.match(r.message, /maxSteps/);
      assert.ok(r.trainLoss > 1e-3);
      assert.ok(r.final.a.every(Number.isFinite));
    });

    it('a minimum whose loss is above lossTol ends as a failure (loss at its round-off floor), not converged', () => {
      const k = 64;
      const x = new Float64Array(2 * k);
      x[0] = 1;
      x[k] = 1; // the same sequence with two labels: min L = 0.25
      const a = Array.from({ length: DIM }, (_, i) => 1e-3 * (1 - 0.05 * i));
      const one = new Array(DIM).fill(1);
      const r = kappaSync({ student: { a, b: one, c: one }, inputs: { count: 2, length: k, x }, targets: [1, 2] });
      assert.equal(r.status, 'step-too-small');
      assert.equal(r.converged, false);
      assert.match(r.message, /no progress/);
      assert.ok(Math.abs(r.trainLoss - 0.25) < 1e-12);
      assert.ok(r.nsteps < 20_000);
    });

    it('gives the native addon\'s result', function () {
      if (backend === 'native') this.skip();
      if (tryRunAddon('native').addon === undefined) this.skip();
      const p = problem(512, 243, true);
      const a = runOn('native', p);
      const b = run(p);
      assert.equal(b.status, 'converged');
      assert.ok(Math.abs(a.log10Time - b.log10Time) < 1e-9);
      for (let i = 0; i < DIM; i++) assert.ok(Math.abs(a.final.a[i] - b.final.a[i]) < 1e-9);
    });

    it('the Promise form gives the sync result, reports progress and can be aborted', async () => {
      const p = problem(4096, 242, true);
      const sync = run(p);
      const seen: number[] = [];
      const r = await kappa(
        { student: p.student, inputs: p.inputs, targets: p.targets },
        { teacher: p.teacher, extrapolation: THEOREM1_EXTRAPOLATION, progressMs: 0, onProgress: (q) => seen.push(q.log10Time) },
      );
      assert.equal(r.status, 'converged');
      assert.equal(r.log10Time, sync.log10Time);
      assert.deepEqual(r.final.a, sync.final.a);
      assert.ok(seen.length > 0 && seen.every((t) => Number.isFinite(t) || t === -Infinity));
      const controller = new AbortController();
      controller.abort();
      const aborted = await kappa({ student: p.student, inputs: p.inputs, targets: p.targets },
        { signal: controller.signal });
      assert.equal(aborted.status, 'aborted');
      assert.equal(aborted.converged, false);
    });
  });
}

describe('gradient flow for large κ (arc length, log time, scaled arithmetic)', () => {
  describe('validation', () => {
    const p = problem(64, 242, true);
    const prob = { student: p.student, inputs: p.inputs, targets: p.targets };
    const bad: [string, () => unknown, ErrorConstructor, RegExp][] = [
      ['method', () => gradientFlowLargeKappaSync(prob, { method: 'lsoda' as never }), RangeError, /options\.method/],
      ['rtol', () => gradientFlowLargeKappaSync(prob, { rtol: 2 }), RangeError, /options\.rtol/],
      ['atol', () => gradientFlowLargeKappaSync(prob, { atol: -1 }), RangeError, /options\.atol/],
      ['atol type', () => gradientFlowLargeKappaSync(prob, { atol: '1' as never }), TypeError, /options\.atol/],
      ['maxSteps', () => gradientFlowLargeKappaSync(prob, { maxSteps: 0 }), RangeError, /options\.maxSteps/],
      ['maxLog10Time', () => gradientFlowLargeKappaSync(prob, { maxLog10Time: NaN }), RangeError, /options\.maxLog10Time/],
      ['never ends', () => gradientFlowLargeKappaSync(prob, { lossTol: 0 }), RangeError, /options\.maxLog10Time/],
      ['outputs order', () => gradientFlowLargeKappaSync(prob, { outputs: [3, 2] }), RangeError, /options\.outputs\[1\]/],
      ['outputs NaN', () => gradientFlowLargeKappaSync(prob, { outputs: [NaN] }), RangeError, /options\.outputs\[0\]/],
      ['rescale', () => gradientFlowLargeKappaSync(prob, { rescale: 0.5 }), RangeError, /options\.rescale/],
      ['recordEvery', () => gradientFlowLargeKappaSync(prob, { recordEvery: -1 }), RangeError, /options\.recordEvery/],
      ['unknown key', () => gradientFlowLargeKappaSync(prob, { lostTol: 1 } as never), RangeError, /lossTol/],
      ['targets', () => gradientFlowLargeKappaSync({ ...prob, targets: [1] }), RangeError, /targets/],
      ['student', () => gradientFlowLargeKappaSync({ ...prob, student: { a: [NaN], b: [1], c: [1] } }), RangeError, /student\.a\[0\]/],
      ['backend', () => gradientFlowLargeKappaSync(prob, { backend: 'gpu' as never }), RangeError, /options\.backend/],
    ];
    for (const [name, fn, cls, re] of bad) {
      it(`rejects a bad ${name}`, () => {
        assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message));
      });
    }

    it('rejects a bad signal or progress callback with a TypeError', async () => {
      await assert.rejects(gradientFlowLargeKappa(prob, { signal: {} as never }), (e: unknown) =>
        e instanceof TypeError && /options\.signal/.test((e as Error).message));
      await assert.rejects(gradientFlowLargeKappa(prob, { onProgress: 1 as never }), (e: unknown) =>
        e instanceof TypeError && /options\.onProgress/.test((e as Error).message));
    });

    it('the js backend says it is not supported', () => {
      assert.throws(() => gradientFlowLargeKappaSync(prob, { backend: 'js' }), (e: unknown) =>
        e instanceof SsmPoisonError && e.code === 'ERR_SSM_NOT_SUPPORTED' && /js backend/.test(e.message));
    });

    forEachAddon((name, addon) => it(`${name}: the addon checks its config again (no crash on bad input)`, () => {
      const config = {
        dim: DIM, count: 2, length: 64, a: p.student.a, b: p.student.b, c: p.student.c, x: p.inputs.x,
        targets: p.targets, ode: { method: 1, rtol: 1e-8, atol: 1e-14, firstStep: 0, maxStep: Infinity, maxSteps: 100 },
        lossTol: 1e-20, gradTol: 0, maxLog10Time: Infinity, rescale: 0, outputLog10Times: new Float64Array(0),
        recordEvery: 0, maxRecords: 0,
      };
      assert.equal(addon.gradientFlowScaled(config).converged, false); // 100 steps are not enough, but it runs
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ a: new Float64Array(3) }, /config\.a/],
        [{ x: new Float64Array(5) }, /config\.x/],
        [{ dim: -1 }, /config\.dim/],
        [{ targets: [1, 2] }, /config\.targets/],
        [{ lossTol: 0 }, /config\.lossTol/],
        [{ maxLog10Time: NaN }, /config\.maxLog10Time/],
        [{ outputLog10Times: Float64Array.from([2, 1]) }, /config\.outputLog10Times/],
        [{ ode: { ...config.ode, rtol: 0 } }, /config\.ode\.rtol/],
        [{ ode: { ...config.ode, method: 9 } }, /config\.ode\.method/],
        [{ a: Float64Array.from(p.student.a, (v, i) => (i ? v : NaN)) }, /finite numbers for config\.a/],
      ];
      for (const [patch, re] of cases) {
        assert.throws(() => addon.gradientFlowScaled({ ...config, ...patch } as never), (e: unknown) =>
          e instanceof Error && re.test((e as Error).message), JSON.stringify(Object.keys(patch)));
      }
    }));
  });

  forEachAddon((name, addon) => tests(name, addon));
});
