/**
 * The typed gradient-flow API (lib/flow.ts) on the native addons: agreement of the
 * integrators on one flow, the Theorem-1 runs against an accurate reference (SciPy Radau at
 * rtol 1e−13, restarted where its step meets the round-off of t: test/fixtures/
 * theorem1-reference.json from scripts/fixtures/theorem1_reference.py), stopping rules,
 * outputs, failure statuses, the Promise form with progress and cancellation, validation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { theorem1Problem } from '../lib/experiments/theorem1';
import { type FlowMethod, type FlowProblem, type FlowResult, type TrainedParameter, gradientFlow, gradientFlowSync, outputTimes } from '../lib/flow';
import { trainSync } from '../lib/train';
import { DiagonalSSM, teacherLabels } from '../lib/model';
import { type AddonName, forEachAddon } from './helpers/addons';


interface ReferenceRun {
  length: number;
  dim: number;
  sdA: number;
  diff: number;
  seed: number;
  poisoned: boolean;
  until: number;
  accurate: { finalA: number[]; trainLoss: number; extrapolationError: number; restarts: number };
}

const REFERENCE = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'theorem1-reference.json'), 'utf8'),
) as { runs: ReferenceRun[] };

const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
const maxAbs = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));

/** A small flow that moves a, b and c: κ = 6, d = 4, three random sequences, a teacher. */
function smallProblem(): { problem: FlowProblem; teacher: DiagonalSSM } {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const teacher = new DiagonalSSM({ a: [0.9, 0.5], b: [1, 0.7], c: [0.8, 1] });
  const inputs = Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => rand() - 0.5));
  const targets = teacherLabels(teacher, inputs);
  const student = { a: [0.5, 0.4, 0.3, 0.2], b: [0.3, 0.2, 0.25, 0.1], c: [0.2, 0.3, 0.1, 0.25] };
  return { problem: { student, inputs, targets }, teacher };
}

function theorem1(run: ReferenceRun): FlowProblem {
  const p = theorem1Problem({ length: run.length, dim: run.dim, sdA: run.sdA, diff: run.diff }, run.seed, run.poisoned);
  return { student: p.student, inputs: p.inputs, targets: p.targets };
}
const theorem1Teacher = (run: ReferenceRun) => theorem1Problem({ length: run.length, dim: run.dim, sdA: run.sdA, diff: run.diff }, run.seed, run.poisoned).teacher;

function tests(backend: AddonName): void {
  describe('integrators agree on one gradient flow (a, b, c trained)', () => {
    const { problem, teacher } = smallProblem();
    const run = (method: FlowMethod, rtol: number, atol: number) =>
      gradientFlowSync(problem, { method, rtol, atol, until: 200, outputs: 11, train: ['a', 'b', 'c'], teacher, backend });
    const ref = run('dopri5', 1e-12, 1e-14);

    it('dopri5 reaches the end and the loss never increases along the outputs', () => {
      assert.equal(ref.status, 'until', ref.message);
      assert.ok(ref.trainLoss < ref.loss[0] / 10, `loss ${ref.loss[0]} → ${ref.trainLoss}`);
      for (let k = 1; k < ref.loss.length; k++) assert.ok(ref.loss[k] <= ref.loss[k - 1] * (1 + 1e-12), `loss rises at output ${k}`);
    });

    for (const [method, tol] of [['rosenbrock', 1e-8], ['auto', 1e-8], ['lsoda', 1e-6]] as const) {
      it(`${method} agrees with dopri5 (rtol 1e−10) to ${tol} on a, b, c at every output`, () => {
        const r = run(method, 1e-10, 1e-13);
        assert.equal(r.status, 'until', r.message);
        assert.equal(r.a.length, ref.a.length);
        const scale = maxAbs(ref.final.a);
        for (let k = 0; k < ref.a.length; k++) {
          for (let i = 0; i < 4; i++) assert.ok(Math.abs(r.a[k][i] - ref.a[k][i]) <= tol * scale, `${method} a[${i}] at output ${k}`);
        }
        for (const key of ['b', 'c'] as const) {
          for (let i = 0; i < 4; i++) assert.ok(Math.abs(r.final[key][i] - ref.final[key][i]) <= tol * maxAbs(ref.final[key]), `${method} ${key}[${i}]`);
        }
        if (method === 'rosenbrock') assert.ok(r.njev > 0 && r.nlu > 0, 'the stiff method factorizes');
      });
    }
  });

  describe('through an MLP head (a, b, c and the head trained)', () => {
    const shape = { width: 3, depth: 2 };
    const { problem, teacher } = smallProblem();
    const headed = { ...problem, mlpWeights: [0.9, 0.7, 0.5, 0.6, -0.2, 0.1, 0.3, 0.8, -0.4, 0.2, 0.5, 0.7, 0.4, 0.9, 0.6] };
    const opts = { until: 20, outputs: 5, train: ['a', 'b', 'c', 'mlp'] as TrainedParameter[], mlp: shape, teacher, backend };

    it('dopri5 and rosenbrock agree on every parameter; the loss never increases', () => {
      const ex = gradientFlowSync(headed, { ...opts, method: 'dopri5', rtol: 1e-12, atol: 1e-14 });
      const st = gradientFlowSync(headed, { ...opts, method: 'rosenbrock', rtol: 1e-10, atol: 1e-13 });
      assert.equal(ex.status, 'until', ex.message);
      assert.equal(st.status, 'until', st.message);
      const all = (r: FlowResult) => [...r.final.a, ...r.final.b, ...r.final.c, ...r.final.mlp!];
      const scale = maxAbs(all(ex));
      all(st).forEach((v, i) => assert.ok(Math.abs(v - all(ex)[i]) <= 1e-7 * scale, `parameter ${i}`));
      for (let k = 1; k < ex.loss.length; k++) assert.ok(ex.loss[k] <= ex.loss[k - 1] * (1 + 1e-12));
      assert.ok(ex.trainLoss < ex.loss[0] / 2, `${ex.loss[0]} → ${ex.trainLoss}`);
    });

    it('gradient descent with a small rate (the training loop\'s own head code) tracks it at first order', () => {
      const flow = gradientFlowSync(headed, { ...opts, method: 'rosenbrock', rtol: 1e-12, atol: 1e-14, until: 2, outputs: 2 });
      const errors = [0.004, 0.002].map((lr) => {
        const [run] = trainSync([headed], { optimizer: { kind: 'gd', lr }, mlp: shape, maxEpochs: Math.round(2 / lr), logEvery: 1e6, backend });
        return Math.max(...Array.from(run.final.mlp!, (v, i) => Math.abs(v - flow.final.mlp![i])));
      });
      assert.ok(errors[0] < 1e-2, `${errors[0]}`);
      const ratio = errors[0] / errors[1];
      assert.ok(ratio > 1.8 && ratio < 2.2, `halving the rate divides the error by ${ratio}`);
    });
  });

  describe('Theorem-1 runs against the accurate reference (published settings and others)', () => {
    for (const ref of REFERENCE.runs) {
      const label = `κ ${ref.length}, d ${ref.dim}, seed ${ref.seed}, ${ref.poisoned ? 'poisoned' : 'clean'}, until ${ref.until}`;
      it(`${label}: rosenbrock ends at until with loss < 1e−20 and the reference's extrapolation error to 2e−6`, () => {
        const p = theorem1(ref);
        const r = gradientFlowSync(p, {
          method: 'rosenbrock', rtol: 1e-10, atol: 1e-14, until: ref.until, outputs: 2, teacher: theorem1Teacher(ref),
          extrapolation: { from: 0, to: 20 }, backend,
        });
        assert.equal(r.status, 'until', r.message);
        assert.equal(r.t, ref.until);
        assert.ok(r.trainLoss < 1e-20, `loss ${r.trainLoss}`);
        assert.ok(rel(r.finalExtrapolationError, ref.accurate.extrapolationError) <= 2e-6,
          `${r.finalExtrapolationError} vs ${ref.accurate.extrapolationError}`);
        const scale = maxAbs(ref.accurate.finalA);
        for (let i = 0; i < ref.dim; i++) assert.ok(Math.abs(r.final.a[i] - ref.accurate.finalA[i]) <= 2e-6 * scale, `a[${i}]`);
        // where Radau had to restart its clock, so did we (the escape at t ~ 1e12)
        if (ref.accurate.restarts > 0) assert.ok(r.restarts > 0, `restarts ${r.restarts}`);
      });
    }
  });

  describe('stopping rules and outputs', () => {
    const ref = REFERENCE.runs.find((r) => r.length === 7 && !r.poisoned)!;

    it('until = Infinity stops on the loss (default lossTol 1e−24) with status converged', () => {
      const p = theorem1(ref);
      const r = gradientFlowSync(p, { method: 'rosenbrock', outputs: [0, 1e3, 1e6], backend });
      assert.equal(r.status, 'converged', r.message);
      assert.ok(r.trainLoss <= 1e-24, `loss ${r.trainLoss}`);
      assert.ok(Number.isFinite(r.t) && r.t > 1e6, `t ${r.t}`);
      assert.deepEqual(Array.from(r.times), [0, 1e3, 1e6]);
    });

    it('gradTol stops on the gradient norm', () => {
      const p = theorem1(ref);
      const r = gradientFlowSync(p, { method: 'rosenbrock', until: Infinity, gradTol: 1e-6, lossTol: 0, backend });
      assert.equal(r.status, 'converged', r.message);
      assert.ok(r.gradNorm <= 1e-6, `‖∇L‖ ${r.gradNorm}`);
    });

    it('linear outputs follow numpy.linspace, log outputs span six decades; output 0 is the initial state', () => {
      assert.deepEqual(Array.from(outputTimes(5, 8)), [0, 2, 4, 6, 8]);
      const log = outputTimes(7, 1e6, 'log');
      for (let k = 0; k < 7; k++) assert.ok(rel(log[k], 10 ** k) < 1e-14, `${log[k]}`);
      const p = theorem1(ref);
      const r = gradientFlowSync(p, { method: 'dopri5', until: 10, outputs: 3, backend });
      assert.deepEqual(Array.from(r.a[0]), Array.from(p.student instanceof DiagonalSSM ? p.student.a : []));
    });

    it('an exhausted step budget is status max-steps with a message; only the reached outputs are returned', () => {
      const p = theorem1(ref);
      const r = gradientFlowSync(p, { method: 'dopri5', until: 1e11, outputs: 11, maxSteps: 50, backend });
      assert.equal(r.status, 'max-steps');
      assert.match(r.message, /step/i);
      assert.ok(r.t < 1e11 && r.times.length < 11, `t ${r.t}, ${r.times.length} outputs`);
      for (const t of r.times) assert.ok(t <= r.t);
      for (const row of r.a) for (const v of row) assert.ok(Number.isFinite(v));
    });
  });

  describe('Promise form: progress, cancellation, the event loop', () => {
    const ref = REFERENCE.runs.find((r) => r.length === 7 && !r.poisoned)!;

    it('gives the same result as the synchronous form', async () => {
      const p = theorem1(ref);
      const opts = { method: 'rosenbrock' as const, until: ref.until, outputs: 5, backend };
      const a = await gradientFlow(p, opts);
      const b = gradientFlowSync(p, opts);
      assert.deepEqual(Array.from(a.final.a), Array.from(b.final.a));
      assert.equal(a.nfev, b.nfev);
    });

    /** A run that takes seconds: DOPRI5 on the stiff clean flow, many outputs. */
    const longRun = (extra: object) => gradientFlow(theorem1(ref), {
      method: 'dopri5', until: 1e11, outputs: 1000, maxSteps: 1e9, backend, ...extra,
    });

    it('aborting returns the partial trajectory with status aborted, promptly, and progress and timers run meanwhile', async () => {
      const controller = new AbortController();
      const progress: { t: number; steps: number }[] = [];
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = Date.now();
      const pending = longRun({ signal: controller.signal, progressMs: 20, onProgress: (q: { t: number; steps: number }) => progress.push(q) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const abortedAt = Date.now();
      controller.abort();
      let r: FlowResult;
      try {
        r = await pending;
      } finally {
        clearInterval(timer);
      }
      const latency = Date.now() - abortedAt;
      assert.equal(r.status, 'aborted', r.message);
      assert.ok(latency < 100, `returned ${latency} ms after abort`);
      assert.ok(r.t > 0 && r.t < 1e11, `t ${r.t}`);
      assert.equal(r.a.length, r.times.length);
      assert.ok(r.times.length >= 1 && r.times.length < 1000);
      assert.ok(progress.length >= 3, `${progress.length} progress reports in ${abortedAt - started} ms`);
      for (let k = 1; k < progress.length; k++) assert.ok(progress[k].t >= progress[k - 1].t && progress[k].steps >= progress[k - 1].steps);
      assert.ok(ticks >= 20, `${ticks} timer ticks in ${abortedAt - started} ms`);
    });

    it('an already aborted signal ends the run at once', async () => {
      const controller = new AbortController();
      controller.abort();
      const r = await longRun({ signal: controller.signal });
      assert.equal(r.status, 'aborted');
      assert.ok(r.nsteps < 1000, `${r.nsteps} steps`);
    });
  });
}

describe('gradient flow (lib/flow.ts)', () => {
  describe('validation: errors name the option', () => {
    const { problem } = smallProblem();
    const cases: [object, RegExp, ErrorConstructor][] = [
      [{ rtol: 0 }, /options\.rtol/, RangeError],
      [{ atol: -1 }, /options\.atol/, RangeError],
      [{ method: 'euler' }, /options\.method/, RangeError],
      [{ until: -1 }, /options\.until/, RangeError],
      [{ until: Infinity, lossTol: 0 }, /options\.until/, RangeError],
      [{ until: 10, outputs: [0, 5, 2] }, /options\.outputs\[2\]/, RangeError],
      [{ until: 10, outputs: [0, 11] }, /options\.outputs\[1\]/, RangeError],
      [{ until: 10, train: ['a', 'd'] }, /options\.train/, RangeError],
      [{ until: 10, train: [] }, /options\.train/, TypeError],
      [{ until: 10, spacing: 'cubic' }, /options\.spacing/, RangeError],
      [{ until: 10, maxSteps: 0.5 }, /options\.maxSteps/, RangeError],
      [{ until: 10, backend: 'js' }, /options\.backend/, RangeError],
      [{ until: 10, colour: 1 }, /colour/, Error],
    ];
    for (const [opts, pattern, cls] of cases) {
      it(`${JSON.stringify(opts)}`, () => {
        assert.throws(() => gradientFlowSync(problem, opts), (e: Error) => e instanceof cls && pattern.test(e.message));
      });
    }
    it('the student and targets are checked too', () => {
      assert.throws(() => gradientFlowSync({ ...problem, targets: [1, 2] }, { until: 1 }), /targets/);
      assert.throws(() => gradientFlowSync({ ...problem, student: { a: [NaN], b: [1], c: [1] } }, { until: 1 }), /student\.a/);
    });
  });

  forEachAddon((name) => tests(name));
});
