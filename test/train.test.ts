/**
 * Gradient-descent training (lib/train.ts over native/core/train.cc): the optimizers'
 * first steps against hand computation from the engine's gradients, the full-kernel norm
 * of the adaptive rule against finite differences, GD against the gradient flow, fixBC,
 * minibatches, logging and the reported row, divergence, the standalone experiment,
 * the Promise form (progress, cancellation, event loop), worker threads, validation.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { STANDALONE_CONFIGS, runStandalone, standaloneProblem } from '../lib/experiments/standalone';
import { gradientFlowSync } from '../lib/flow';
import { DiagonalSSM, evaluate, teacherLabels } from '../lib/model';
import { type TrainOptions, type TrainProblem, kernelGradNormFast, mlpPredict, mlpSize, officialTeacherMlp, train, trainSync } from '../lib/train';
import { SSM_IN_MLP_CONFIGS, ssmInMlpProblem } from '../lib/experiments/ssm-in-mlp';
import { type AddonName, forEachAddon } from './helpers/addons';
import { lcg, maxEntryRelative } from './helpers/close';


const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);
const maxRel = maxEntryRelative;


const TEACHER = new DiagonalSSM({ a: [0.9, 0.4], b: [1, 0.5], c: [1, 0.8] });

/** κ = 6, d = 5, N = 4 random sequences, labels from a 2-dimensional teacher (TEACHER). */
function smallProblem(seed = 7): TrainProblem {
  const r = lcg(seed);
  const teacher = TEACHER;
  const inputs = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => r() - 0.5));
  const student = { a: [0.5, 0.45, 0.3, 0.2, 0.1], b: [0.4, 0.3, 0.3, 0.2, 0.1], c: [0.3, 0.2, 0.25, 0.15, 0.1] };
  return { student, inputs, targets: teacherLabels(teacher, inputs) };
}

/** The loss with a full (non-diagonal) recurrent kernel A: y = c·Σ_t A^{K−1−t} b x_t. */
function fullKernelLoss(A: number[][], b: number[], c: number[], inputs: number[][], targets: ArrayLike<number>): number {
  const d = b.length;
  let loss = 0;
  inputs.forEach((x, n) => {
    let s = new Array<number>(d).fill(0);
    for (const xt of x) s = A.map((row, i) => row.reduce((acc, v, j) => acc + v * s[j], 0) + b[i] * xt);
    const y = c.reduce((acc, v, i) => acc + v * s[i], 0);
    loss += (y - targets[n]) ** 2;
  });
  return loss / inputs.length;
}

function tests(backend: AddonName): void {
  const base = (extra: Partial<TrainOptions> = {}): TrainOptions => ({
    optimizer: { kind: 'gd', lr: 0.01 }, maxEpochs: 1, logEvery: 1, backend, ...extra,
  });

  describe('the adaptive rule\'s norm and the optimizers\' first steps', () => {
    it('the full recurrent-kernel gradient norm equals central differences of the full-kernel loss', () => {
      const p = smallProblem(3);
      const m = new DiagonalSSM(p.student as { a: number[]; b: number[]; c: number[] });
      const ev = evaluate(m, p.inputs, p.targets, { e: true });
      const fast = kernelGradNormFast(m, ev.e!, backend);
      const d = m.dim;
      const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? m.a[i] : 0)));
      const b = Array.from(m.b), c = Array.from(m.c);
      let sq = 0;
      const h = 1e-6;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          const keep = A[i][j];
          A[i][j] = keep + h;
          const up = fullKernelLoss(A, b, c, p.inputs as number[][], p.targets);
          A[i][j] = keep - h;
          const down = fullKernelLoss(A, b, c, p.inputs as number[][], p.targets);
          A[i][j] = keep;
          sq += ((up - down) / (2 * h)) ** 2;
        }
      }
      assert.ok(rel(fast, Math.sqrt(sq)) < 1e-7, `${fast} vs ${Math.sqrt(sq)}`);
    });

    it('the fast norm equals the engine\'s O(d²κ) kernel gradient norm, also with near-tied entries', () => {
      const r = lcg(11);
      for (const [d, K] of [[1, 3], [10, 6], [40, 200]]) {
        const a = Array.from({ length: d }, () => r() * 0.95);
        if (d > 1) a[1] = a[0] - 1e-9;
        const m = new DiagonalSSM({ a, b: a.map(() => r()), c: a.map(() => r()) });
        const inputs = Array.from({ length: 3 }, () => Array.from({ length: K }, () => r() - 0.5));
        const ev = evaluate(m, inputs, [0.1, -0.2, 0.3], { e: true, kernelGradNorm: true });
        assert.ok(rel(kernelGradNormFast(m, ev.e!, backend), ev.kernelGradNorm!) < 1e-12, `d ${d}, κ ${K}`);
      }
    });

    it('adaptive: three steps as SPEC §5 computes them (sum of Frobenius norms, bias correction, soft)', () => {
      const p = smallProblem();
      const beta = 0.8, soft = 1e-6, lr = 0.05;
      let m = new DiagonalSSM(p.student as { a: number[]; b: number[]; c: number[] });
      let g = 0;
      const lrs: number[] = [];
      for (let t = 0; t < 3; t++) {
        const ev = evaluate(m, p.inputs, p.targets, { e: true, gradA: true, gradB: true, gradC: true });
        const norm = (v: Float64Array) => Math.hypot(...v);
        const total = kernelGradNormFast(m, ev.e!, backend) + norm(ev.gradB!) + norm(ev.gradC!);
        g = beta * g + (1 - beta) * total;
        const rate = lr / (Math.sqrt(g / (1 - beta ** (t + 1))) + soft);
        lrs.push(rate);
        m = new DiagonalSSM({
          a: m.a.map((v, i) => v - rate * ev.gradA![i]), b: m.b.map((v, i) => v - rate * ev.gradB![i]),
          c: m.c.map((v, i) => v - rate * ev.gradC![i]),
        });
      }
      const [run] = trainSync([p], base({ optimizer: { kind: 'adaptive', lr, beta, soft }, maxEpochs: 3 }));
      assert.equal(run.epochs, 3);
      assert.ok(maxRel(run.final.a, m.a) < 1e-12 && maxRel(run.final.b, m.b) < 1e-12 && maxRel(run.final.c, m.c) < 1e-12);
      assert.ok(maxRel(run.log.learningRate, lrs) < 1e-12, `${Array.from(run.log.learningRate)} vs ${lrs}`);
    });

    it('adaptive with only a trained: the norm is the kernel\'s alone', () => {
      const p = smallProblem();
      const m = new DiagonalSSM(p.student as { a: number[]; b: number[]; c: number[] });
      const ev = evaluate(m, p.inputs, p.targets, { e: true, gradA: true });
      const norm = kernelGradNormFast(m, ev.e!, backend);
      const [run] = trainSync([p], base({ optimizer: { kind: 'adaptive', lr: 0.05 }, train: ['a'] }));
      assert.ok(rel(run.log.gradNorm[0], norm) < 1e-13);
      const rate = 0.05 / (Math.sqrt(0.2 * norm / 0.2) + 1e-6);
      assert.ok(maxRel(run.final.a, m.a.map((v, i) => v - rate * ev.gradA![i])) < 1e-12);
      assert.deepEqual(Array.from(run.final.b), Array.from(m.b));
    });

    it('adam: two steps as Keras computes them (bias-corrected rate, ε outside the root)', () => {
      const p = smallProblem();
      const [b1, b2, eps, lr] = [0.9, 0.999, 1e-7, 0.01];
      let a = Float64Array.from((p.student as { a: number[]; b: number[]; c: number[] }).a);
      const student = p.student as { a: number[]; b: number[]; c: number[] };
      const mom = new Float64Array(a.length), vel = new Float64Array(a.length);
      for (let t = 1; t <= 2; t++) {
        const ev = evaluate({ a, b: student.b, c: student.c }, p.inputs, p.targets, { gradA: true });
        const alpha = lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
        a = a.map((v, i) => {
          mom[i] = b1 * mom[i] + (1 - b1) * ev.gradA![i];
          vel[i] = b2 * vel[i] + (1 - b2) * ev.gradA![i] ** 2;
          return v - alpha * mom[i] / (Math.sqrt(vel[i]) + eps);
        });
      }
      const [run] = trainSync([p], base({ optimizer: { kind: 'adam', lr }, train: ['a'], maxEpochs: 2 }));
      assert.ok(maxRel(run.final.a, a) < 1e-12);
    });

    it('weight decay adds 2λθ to the gradient', () => {
      const p = smallProblem();
      const m = new DiagonalSSM(p.student as { a: number[]; b: number[]; c: number[] });
      const ev = evaluate(m, p.inputs, p.targets, { gradA: true });
      const [run] = trainSync([p], base({ optimizer: { kind: 'gd', lr: 0.1, weightDecay: 0.01 }, train: ['a'] }));
      assert.ok(maxRel(run.final.a, m.a.map((v, i) => v - 0.1 * (ev.gradA![i] + 0.02 * v))) < 1e-12);
    });
  });

  describe('dynamics', () => {
    it('GD with a small rate follows the gradient flow, with an error of first order in the rate', () => {
      const p = smallProblem();
      const T = 4;
      const flow = gradientFlowSync(p, { method: 'rosenbrock', rtol: 1e-12, atol: 1e-14, until: T, outputs: 2, train: ['a', 'b', 'c'], backend });
      const errors = [0.01, 0.005].map((lr) => {
        const [run] = trainSync([p], base({ optimizer: { kind: 'gd', lr }, maxEpochs: Math.round(T / lr), logEvery: 1000 }));
        return Math.max(...Array.from(run.final.a, (v, i) => Math.abs(v - flow.final.a[i])));
      });
      assert.ok(errors[0] < 1e-2, `error ${errors[0]}`);
      const ratio = errors[0] / errors[1];
      assert.ok(ratio > 1.8 && ratio < 2.2, `halving the rate divides the error by ${ratio}`);
    });

    it('fixBC keeps b and c at ones while a learns', () => {
      const p = smallProblem();
      const [run] = trainSync([p], base({ optimizer: { kind: 'adaptive', lr: 0.01 }, fixBC: true, train: ['a'], maxEpochs: 200 }));
      assert.ok(run.final.b.every((v) => v === 1) && run.final.c.every((v) => v === 1));
      assert.ok(run.log.trainLoss[199] < 0.9 * run.log.trainLoss[1], `${run.log.trainLoss[1]} → ${run.log.trainLoss[199]}`);  // θ_1 is the first with b = c = 1
    });

    it('several students in one call give what each gives alone (threads change nothing)', () => {
      const problems = [smallProblem(1), smallProblem(2), smallProblem(3)];
      const opts = base({ optimizer: { kind: 'adaptive', lr: 0.02 }, maxEpochs: 500, logEvery: 50 });
      const together = trainSync(problems, opts);
      problems.forEach((p, s) => {
        const [alone] = trainSync([p], opts);
        assert.deepEqual(Array.from(together[s].final.a), Array.from(alone.final.a));
        assert.deepEqual(Array.from(together[s].log.trainLoss), Array.from(alone.log.trainLoss));
      });
    });

    it('minibatches: batchSize = N is full batch; smaller batches are seeded and take ⌈N/B⌉ steps per epoch', () => {
      const p = smallProblem();
      const opts = base({ optimizer: { kind: 'gd', lr: 0.05 }, maxEpochs: 50, logEvery: 10 });
      const [full] = trainSync([p], opts);
      const [sameAsFull] = trainSync([p], { ...opts, batchSize: 4 });
      assert.deepEqual(Array.from(sameAsFull.final.a), Array.from(full.final.a));
      const [mb1] = trainSync([p], { ...opts, batchSize: 2, batchSeed: 5 });
      const [mb2] = trainSync([p], { ...opts, batchSize: 2, batchSeed: 5 });
      const [mb3] = trainSync([p], { ...opts, batchSize: 2, batchSeed: 6 });
      assert.deepEqual(Array.from(mb1.final.a), Array.from(mb2.final.a));
      assert.notDeepEqual(Array.from(mb1.final.a), Array.from(mb3.final.a));
      assert.notDeepEqual(Array.from(mb1.final.a), Array.from(full.final.a));
      assert.ok(mb1.final.trainLoss < mb1.log.trainLoss[0]);
    });

    it('a too large rate diverges: status diverged at an epoch, the last finite parameters kept', () => {
      const p = smallProblem();
      const [run] = trainSync([p], base({ optimizer: { kind: 'gd', lr: 1e3 }, maxEpochs: 10_000, logEvery: 1 }));
      assert.equal(run.status, 'diverged');
      assert.ok(run.divergedEpoch !== null && run.divergedEpoch < 10_000);
      assert.equal(run.epochs, run.divergedEpoch);
      assert.ok([...run.final.a, ...run.final.b, ...run.final.c].every(Number.isFinite));
    });
  });

  describe('stopping and logging', () => {
    it('stop at eps, then epochsAfterStop more; rows every logEvery before and after; the reported row is the last post-stop row', () => {
      const p = smallProblem();
      const [run] = trainSync([p], {
        ...base({ optimizer: { kind: 'adaptive', lr: 0.01 } }), eps: 1e-3, epochsAfterStop: 150, logEvery: 20, maxEpochs: 100_000,
        teacher: TEACHER, extrapolation: { from: 0, to: 20 },
      });
      assert.equal(run.status, 'converged');
      const stop = run.stopEpoch!;
      assert.ok(stop > 0 && run.log.trainLoss.length > 0);
      assert.equal(run.epochs, stop + 1 + 150);
      const epochs = Array.from(run.log.epoch);
      const before = epochs.filter((e) => e <= stop);
      const after = epochs.filter((e) => e > stop);
      assert.deepEqual(before, Array.from({ length: Math.floor(stop / 20) + 1 }, (_, k) => 20 * k));
      assert.deepEqual(after, [0, 20, 40, 60, 80, 100, 120, 140].map((q) => stop + 1 + q));
      assert.equal(run.reported!.epoch, stop + 1 + 140);
      // the loss of the stop epoch reached eps, the one before did not (rows at multiples of 20)
      const k = before.length - 1;
      assert.ok(run.log.trainLoss[k] > 1e-3 || before[k] === stop);
      // the stop epoch is the one after whose step the loss reached eps (official StoppingCallback)
      const [toStop] = trainSync([p], { ...base({ optimizer: { kind: 'adaptive', lr: 0.01 } }), maxEpochs: stop + 1 });
      const [beforeStop] = trainSync([p], { ...base({ optimizer: { kind: 'adaptive', lr: 0.01 } }), maxEpochs: stop });
      assert.ok(toStop.final.trainLoss <= 1e-3 && beforeStop.final.trainLoss > 1e-3, `${toStop.final.trainLoss} ${beforeStop.final.trainLoss}`);
      // a row at epoch e describes θ_{e+1}, what the epoch ends with (official LoggingCallback):
      // its loss, γ and |a| agree with the engine at the parameters after e + 1 epochs
      const [again] = trainSync([p], { ...base({ optimizer: { kind: 'adaptive', lr: 0.01 } }), maxEpochs: 40, logEvery: 20, teacher: TEACHER, extrapolation: { from: 0, to: 20 } });
      const [upTo] = trainSync([p], { ...base({ optimizer: { kind: 'adaptive', lr: 0.01 } }), maxEpochs: 21 });
      const ev = evaluate(new DiagonalSSM({ a: upTo.final.a, b: upTo.final.b, c: upTo.final.c }), p.inputs, p.targets, { gamma: true });
      assert.ok(rel(again.log.trainLoss[1], ev.loss) < 1e-12, `${again.log.trainLoss[1]} vs ${ev.loss}`);
      assert.ok(maxRel(again.log.gamma[1], ev.gamma!) < 1e-10);
      const sorted = Array.from(upTo.final.a, Math.abs).sort((x, y) => y - x);
      assert.deepEqual(Array.from(again.log.absA[1]), sorted);
      assert.ok(again.log.effectiveRank[1] > 1 && again.log.effectiveRank[1] <= 5);
      assert.ok(Number.isFinite(again.log.extrapolationError[1]));
    });

    it('maxEpochs without reaching eps: status max-epochs, no reported row', () => {
      const p = smallProblem();
      const [run] = trainSync([p], base({ eps: 1e-30, maxEpochs: 30, logEvery: 10 }));
      assert.equal(run.status, 'max-epochs');
      assert.equal(run.stopEpoch, null);
      assert.equal(run.reported, null);
      assert.deepEqual(Array.from(run.log.epoch), [0, 10, 20]);
    });
  });

  describe('the standalone κ = 6 experiment (SPEC §8), all four seeds', () => {
    const cfg = STANDALONE_CONFIGS.find((c) => c.name === 'L6_d10')!;
    it('both reach eps; the mean extrapolation error with special sequences is ≥ 5× the clean one, and larger on every seed', async () => {
      const [clean, poisoned] = await Promise.all([runStandalone(cfg, false, { backend }), runStandalone(cfg, true, { backend })]);
      for (const runs of [clean, poisoned]) {
        for (const r of runs) {
          assert.equal(r.status, 'converged');
          assert.ok(r.reported !== null && r.reported.trainLoss <= cfg.eps, `loss ${r.reported?.trainLoss}`);
          assert.ok(r.final.trainLoss <= cfg.eps);
        }
      }
      const mean = (runs: typeof clean) => runs.reduce((s, r) => s + r.reported!.extrapolationError, 0) / runs.length;
      assert.ok(mean(poisoned) >= 5 * mean(clean), `poisoned ${mean(poisoned)} vs clean ${mean(clean)}`);
      clean.forEach((r, s) => assert.ok(poisoned[s].reported!.extrapolationError > r.reported!.extrapolationError, `seed ${cfg.seeds[s]}`));
    });

    it('the data are the official sequences and labels are clean', () => {
      const p = standaloneProblem(cfg, 200, true);
      assert.equal(p.inputs.count, 18);
      const x = p.inputs.x;
      for (let n = 0; n < 18; n++) {
        for (let t = 0; t < 6; t++) {
          const nonzero = n < 8 ? t < 2 : t === 4;
          assert.equal(x[n * 6 + t] !== 0, nonzero, `row ${n} position ${t}`);
        }
      }
      assert.deepEqual(Array.from(p.targets), Array.from(teacherLabels(p.teacher, p.inputs)));
    });
  });

  describe('SSM followed by an MLP head', () => {
    const shape = { width: 4, depth: 3 };
    const P = mlpSize(shape.width, shape.depth);
    const withHead = (seed = 5): TrainProblem => {
      const r = lcg(seed);
      const p = smallProblem(seed);
      // labels from a head on the teacher's outputs, so the problem is realizable
      const z = evaluate(TEACHER, p.inputs, p.targets, { outputs: true }).outputs!;
      return { ...p, targets: mlpPredict(shape, officialTeacherMlp(shape), z, backend), mlpWeights: Array.from({ length: P }, () => r() - 0.3) };
    };
    /** Loss at θ (row 0 of a one-epoch run) and the gradient from GD's first step θ₁ = θ₀ − lr·∇L. */
    const lossAndGradient = (p: TrainProblem) => {
      const lr = 1e-3;
      const [run] = trainSync([p], base({ optimizer: { kind: 'gd', lr }, mlp: shape }));
      const st = p.student as { a: number[]; b: number[]; c: number[] };
      const before = [...st.a, ...st.b, ...st.c, ...Array.from(p.mlpWeights!)];
      const after = [...run.final.a, ...run.final.b, ...run.final.c, ...run.final.mlp!];
      return { loss: run.log.trainLoss[0], grad: before.map((v, i) => (v - after[i]) / lr) };
    };

    it('the gradients of a, b, c and every head weight match central differences of the loss (≤ 1e−6)', () => {
      const p = withHead();
      const { grad } = lossAndGradient(p);
      const student = p.student as { a: number[]; b: number[]; c: number[] };
      const theta = [...student.a, ...student.b, ...student.c, ...Array.from(p.mlpWeights!)];
      const d = student.a.length;
      const at = (v: number[]): TrainProblem => ({
        ...p, student: { a: v.slice(0, d), b: v.slice(d, 2 * d), c: v.slice(2 * d, 3 * d) }, mlpWeights: v.slice(3 * d),
      });
      const lossAt = (v: number[]) => trainSync([at(v)], base({ optimizer: { kind: 'gd', lr: 1e-300 }, mlp: shape }))[0].log.trainLoss[0];
      const scale = Math.max(...grad.map(Math.abs));
      theta.forEach((v, i) => {
        const h = 1e-6 * Math.max(1, Math.abs(v));
        const up = theta.slice(); up[i] = v + h;
        const down = theta.slice(); down[i] = v - h;
        const fd = (lossAt(up) - lossAt(down)) / (2 * h);
        assert.ok(Math.abs(fd - grad[i]) <= 1e-6 * scale + 1e-6 * Math.abs(fd), `parameter ${i}: ${grad[i]} vs ${fd}`);
      });
    });

    it('the teacher head: D_1 = 1ᵀ, D_k = I, D_out = 0.5·1 gives y = 0.5·m·relu(z)', () => {
      const y = mlpPredict(shape, officialTeacherMlp(shape), [-2, -0.1, 0, 0.3, 5], backend);
      assert.deepEqual(Array.from(y), [0, 0, 0, 0.5 * 4 * 0.3, 0.5 * 4 * 5]);
    });

    it('a frozen head (train a, b, c only) keeps its weights; the head alone can train too', () => {
      const p = withHead();
      const [frozen] = trainSync([p], base({ optimizer: { kind: 'adam', lr: 0.01 }, mlp: shape, train: ['a', 'b', 'c'], maxEpochs: 50 }));
      assert.deepEqual(Array.from(frozen.final.mlp!), Array.from(p.mlpWeights!));
      const [headOnly] = trainSync([p], base({ optimizer: { kind: 'adam', lr: 0.01 }, mlp: shape, train: ['mlp'], maxEpochs: 50 }));
      assert.deepEqual(Array.from(headOnly.final.a), (p.student as { a: number[]; b: number[]; c: number[] }).a);
      assert.notDeepEqual(Array.from(headOnly.final.mlp!), Array.from(p.mlpWeights!));
    });

    it('the test error is ‖ŷ − y*‖/‖y*‖ of the trained model on the test set', () => {
      const cfg = SSM_IN_MLP_CONFIGS[0];
      const prob = ssmInMlpProblem(cfg, 4540, false);
      const small = { ...prob, test: { inputs: (prob.test.inputs as number[][]).slice(0, 50), targets: prob.test.targets.slice(0, 50) } };
      const [run] = trainSync([small], base({ optimizer: cfg.optimizer, mlp: cfg.mlp, maxEpochs: 30, logEvery: 10 }));
      const z = evaluate({ a: run.final.a, b: run.final.b, c: run.final.c }, small.test.inputs, small.test.targets, { outputs: true }).outputs!;
      const yhat = mlpPredict(cfg.mlp, run.final.mlp!, z, backend);
      let num = 0, den = 0;
      small.test.targets.forEach((t, n) => { num += (yhat[n] - t) ** 2; den += t * t; });
      assert.ok(rel(run.final.testError, Math.sqrt(num) / Math.sqrt(den)) < 1e-12, `${run.final.testError}`);
      assert.equal(run.log.testError.length, 3);
      assert.ok(run.log.testError.every(Number.isFinite));
    });
  });

  describe('Promise form', () => {
    const longOptions = (extra: object) => ({ ...base({ optimizer: { kind: 'gd', lr: 1e-4 } }), maxEpochs: 1e12, logEvery: 1e9, ...extra });

    // The wasm core trains its students one after the other (one thread): the first one is
    // still running when the abort comes, the second starts aborted. Natively they run together.
    it('abort: status aborted within 100 ms, progress reported, timers keep ticking', async () => {
      const controller = new AbortController();
      const seen: number[] = [];
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const pending = train([smallProblem(1), smallProblem(2)], longOptions({ signal: controller.signal, progressMs: 10, onProgress: (q: { epoch: number }) => seen.push(q.epoch) }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const at = Date.now();
      controller.abort();
      const runs = await pending.finally(() => clearInterval(timer));
      assert.ok(Date.now() - at < 100, `${Date.now() - at} ms`);
      const running = backend === 'wasm' ? runs.slice(0, 1) : runs;
      for (const r of running) {
        assert.equal(r.status, 'aborted');
        assert.ok(r.epochs > 1000);
        assert.ok(r.final.trainLoss < r.log.trainLoss[0]);
      }
      if (backend === 'wasm') {
        assert.equal(runs[1].status, 'aborted');
        assert.equal(runs[1].epochs, 0, 'the second student starts aborted');
      }
      assert.ok(seen.length >= 3 && seen.every((e, k) => k === 0 || e >= seen[k - 1]), `progress ${seen}`);
      assert.ok(ticks >= 20, `${ticks} ticks`);
    });

    it('an already aborted signal returns at once', async () => {
      const controller = new AbortController();
      controller.abort();
      const [r] = await train([smallProblem()], longOptions({ signal: controller.signal }));
      assert.equal(r.status, 'aborted');
      assert.equal(r.epochs, 0);
    });

    it('a run inside a worker thread', async () => {
      const script = `
        const { parentPort, workerData } = require('node:worker_threads');
        const { trainSync } = require(workerData.lib);
        const [run] = trainSync([workerData.problem], workerData.options);
        parentPort.postMessage({ status: run.status, a: Array.from(run.final.a) });`;
      const p = smallProblem();
      const options = base({ optimizer: { kind: 'adaptive', lr: 0.01 }, maxEpochs: 300 });
      const worker = new Worker(script, { eval: true, workerData: { lib: path.join(__dirname, '..', 'lib', 'train.js'), problem: p, options } });
      const message = await new Promise<{ status: string; a: number[] }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      const [here] = trainSync([p], options);
      assert.equal(message.status, 'max-epochs');
      assert.deepEqual(message.a, Array.from(here.final.a));
    });
  });
}

describe('gradient-descent training (lib/train.ts)', () => {
  describe('validation: errors name the option', () => {
    const p = smallProblem();
    const cases: [unknown, RegExp][] = [
      [{ optimizer: { kind: 'sgd', lr: 1 } }, /options\.optimizer\.kind/],
      [{ optimizer: { kind: 'gd', lr: 0 } }, /options\.optimizer\.lr/],
      [{ optimizer: { kind: 'adaptive', lr: 1, beta: 1 } }, /options\.optimizer\.beta/],
      [{ optimizer: { kind: 'adam', lr: 1, epsilon: -1 } }, /options\.optimizer\.epsilon/],
      [{ optimizer: { kind: 'gd', lr: 1 }, maxEpochs: 0 }, /options\.maxEpochs/],
      [{ optimizer: { kind: 'gd', lr: 1 }, logEvery: 1.5 }, /options\.logEvery/],
      [{ optimizer: { kind: 'gd', lr: 1 }, eps: -1 }, /options\.eps/],
      [{ optimizer: { kind: 'gd', lr: 1 }, train: ['z'] }, /options\.train/],
      [{ optimizer: { kind: 'gd', lr: 1 }, backend: 'js' }, /options\.backend/],
      [{ optimizer: { kind: 'gd', lr: 1 }, colour: 1 }, /colour/],
    ];
    for (const [opts, pattern] of cases) {
      it(JSON.stringify(opts), () => assert.throws(() => trainSync([p], opts as TrainOptions), pattern));
    }
    it('problems of different shapes, empty lists and bad students', () => {
      const q = { ...p, inputs: [[1, 2, 3]], targets: [1] };
      assert.throws(() => trainSync([p, q], { optimizer: { kind: 'gd', lr: 1 } }), /problems\[1\]/);
      assert.throws(() => trainSync([], { optimizer: { kind: 'gd', lr: 1 } }), /problems/);
      assert.throws(() => trainSync([{ ...p, student: { a: [Infinity], b: [1], c: [1] } }], { optimizer: { kind: 'gd', lr: 1 } }), /problems\[0\]\.student\.a/);
    });
  });

  forEachAddon((name) => tests(name));
});
