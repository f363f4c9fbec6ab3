/**
 * Full-batch gradient-descent training of one standalone SSM in pure TypeScript (SPEC §2,
 * §5): the same epoch as the native loop (native/core/train.cc, StudentRun) — plain GD,
 * the official adaptive learning rate (with the full recurrent-kernel gradient norm of
 * native/core/kernel_norm.cc) and Keras Adam, a subset of a, b, c trained, fixBC, L2
 * decay, the eps stop and divergence. No MLP head, no minibatches, and only the train
 * loss is logged.
 *
 * It is the baseline of `npm run bench:train` and a second oracle for the native loop
 * (test/js-train.test.ts): the arithmetic is the native one up to summation order and
 * fused multiply-adds. Written for V8: every buffer is a Float64Array allocated once per
 * call, nothing is allocated inside the epoch loop, powers by running products (Horner).
 *
 * Epoch e steps from θ_e to θ_{e+1}, then (like the official callbacks and train.cc)
 * tests the loss of θ_{e+1} against eps and logs it (every logEvery epochs, and after the
 * eps stop at p = e − s − 1); the gradient evaluated there is the next epoch's.
 */
import { DiagonalSSM, type DiagonalSSMParams, toSequences } from '../model';
import type { OptimizerOptions, TrainStatus } from '../train';
import { checkFiniteNumber, checkInteger, checkObject, rangeError, toVector, typeError } from '../validate';

export interface JsTrainProblem {
  student: DiagonalSSM | DiagonalSSMParams;
  /** N sequences of length κ: rows, or a { count, length, x } batch. */
  inputs: unknown;
  targets: ArrayLike<number>;
}

export interface JsTrainOptions {
  optimizer: OptimizerOptions;
  /** Which parameters move (default a, b, c). */
  train?: readonly ('a' | 'b' | 'c')[];
  /** Set b and c to ones at the end of every epoch (they still count as trained tensors). */
  fixBC?: boolean;
  /** Cap on all epochs (required). */
  maxEpochs: number;
  /** Stop once the train loss after an epoch's step is ≤ eps (default 0: only maxEpochs stops). */
  eps?: number;
  epochsAfterStop?: number;
  /** Log the train loss every this many epochs (default 100). */
  logEvery?: number;
}

export interface JsTrainRun {
  /** 'converged', 'max-epochs' or 'diverged' (never 'aborted'). */
  status: TrainStatus;
  /** Epochs run. */
  epochs: number;
  stopEpoch: number | null;
  divergedEpoch: number | null;
  final: { a: Float64Array; b: Float64Array; c: Float64Array; trainLoss: number };
  /** The logged epochs and their train losses (at θ_{e+1}, what the epoch ends with). */
  logEpoch: number[];
  trainLoss: number[];
}

/** Pairs closer than this (relative) take Horner's scheme for the divided difference. */
const CLOSE = 1 / 64;

const OPTIMIZER_KEYS = ['kind', 'lr', 'beta', 'soft', 'beta1', 'beta2', 'epsilon', 'weightDecay'];
const OPTION_KEYS = ['optimizer', 'train', 'fixBC', 'maxEpochs', 'eps', 'epochsAfterStop', 'logEvery'];

function inUnit(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const v = checkFiniteNumber(value, name);
  if (!(v >= 0 && v < 1)) throw rangeError('a number in [0, 1)', name, v);
  return v;
}

function nonNegative(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const v = checkFiniteNumber(value, name);
  if (!(v >= 0)) throw rangeError('a number ≥ 0', name, v);
  return v;
}

function positive(value: unknown, name: string): number {
  const v = checkFiniteNumber(value, name);
  if (!(v > 0)) throw rangeError('a number > 0', name, v);
  return v;
}

/** ‖x‖₂ of the first d entries. */
function norm2(x: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function allFinite(x: Float64Array, d: number): boolean {
  for (let i = 0; i < d; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Trains one standalone SSM by full-batch gradient descent in TypeScript (see the file
 * comment). The student's arrays are not modified.
 */
export function trainJs(problem: JsTrainProblem, options: JsTrainOptions): JsTrainRun {
  checkObject(problem, 'problem', ['student', 'inputs', 'targets']);
  checkObject(options, 'options', OPTION_KEYS);
  const model = problem.student instanceof DiagonalSSM ? problem.student : new DiagonalSSM(problem.student, 'problem.student');
  const seqs = toSequences(problem.inputs, 'problem.inputs');
  const N = seqs.count;
  const K = seqs.length;
  const d = model.dim;
  const x = seqs.x;
  const targets = toVector(problem.targets, 'problem.targets', N);
  for (let n = 0; n < N * K; n++) if (!Number.isFinite(x[n])) throw rangeError('finite inputs', 'problem.inputs', x[n]);

  const o = checkObject(options.optimizer, 'options.optimizer', OPTIMIZER_KEYS);
  const kind = o.kind;
  if (kind !== 'gd' && kind !== 'adaptive' && kind !== 'adam') throw rangeError('one of gd, adaptive, adam', 'options.optimizer.kind', kind);
  const baseLr = positive(o.lr, 'options.optimizer.lr');
  const beta = inUnit(o.beta, 0.8, 'options.optimizer.beta');
  const soft = nonNegative(o.soft, 1e-6, 'options.optimizer.soft');
  const beta1 = inUnit(o.beta1, 0.9, 'options.optimizer.beta1');
  const beta2 = inUnit(o.beta2, 0.999, 'options.optimizer.beta2');
  const epsilon = o.epsilon === undefined ? 1e-7 : positive(o.epsilon, 'options.optimizer.epsilon');
  const wd = 2 * nonNegative(o.weightDecay, 0, 'options.optimizer.weightDecay');

  const fixBC = options.fixBC ?? false;
  if (typeof fixBC !== 'boolean') throw typeError('a boolean', 'options.fixBC', fixBC);
  const trained = options.train ?? ['a', 'b', 'c'];
  if (!Array.isArray(trained) || (trained.length === 0 && !fixBC)) throw typeError('a non-empty array of a, b, c', 'options.train', trained);
  for (const t of trained) if (t !== 'a' && t !== 'b' && t !== 'c') throw rangeError('one of a, b, c', 'options.train[]', t);
  const trainA = trained.includes('a');
  const trainB = trained.includes('b') || fixBC;
  const trainC = trained.includes('c') || fixBC;
  const maxEpochs = checkInteger(options.maxEpochs, 'options.maxEpochs', 1, 2 ** 52);
  const eps = nonNegative(options.eps, 0, 'options.eps');
  const after = options.epochsAfterStop === undefined ? 0 : checkInteger(options.epochsAfterStop, 'options.epochsAfterStop', 0, 2 ** 52);
  const logEvery = options.logEvery === undefined ? 100 : checkInteger(options.logEvery, 'options.logEvery', 1, 2 ** 52);

  // Parameters double-buffered: a step writes θ_{e+1} into the spare buffer and swaps,
  // so θ_e stays available (divergence restores it) without a per-epoch copy.
  let a: Float64Array = Float64Array.from(model.a), b: Float64Array = Float64Array.from(model.b);
  let c: Float64Array = Float64Array.from(model.c);
  let aPrev: Float64Array = new Float64Array(d), bPrev: Float64Array = new Float64Array(d);
  let cPrev: Float64Array = new Float64Array(d);
  const ga = new Float64Array(d), gb = new Float64Array(d), gc = new Float64Array(d);
  const poly = new Float64Array(d), dpoly = new Float64Array(d);
  const hrev = new Float64Array(K), erev = new Float64Array(K), r = new Float64Array(N);
  const ma = new Float64Array(d), va = new Float64Array(d), mb = new Float64Array(d), vb = new Float64Array(d);
  const mc = new Float64Array(d), vc = new Float64Array(d);
  const scale = 2 / N;
  let gAvg = 0, betaPower = 1, beta1Power = 1, beta2Power = 1;

  // Loss at (a, b, c), residuals into r.
  const residuals = (): number => {
    // hrev[K−1−l] = h_l = Σ_i c_i b_i a_i^l
    hrev.fill(0);
    for (let i = 0; i < d; i++) {
      const ai = a[i];
      let w = c[i] * b[i];
      for (let t = K - 1; t >= 0; t--) {
        hrev[t] += w;
        w *= ai;
      }
    }
    let loss = 0;
    for (let n = 0, row = 0; n < N; n++, row += K) {
      let y = 0;
      for (let t = 0; t < K; t++) y += x[row + t] * hrev[t];
      const rn = y - targets[n];
      loss += rn * rn;
      r[n] = rn;
    }
    return loss / N;
  };

  // Loss at (a, b, c); ∇ into ga/gb/gc, E(a_i) and E'(a_i) into poly/dpoly, e reversed in erev.
  const gradient = (): number => {
    const loss = residuals();
    erev.fill(0);
    for (let n = 0, row = 0; n < N; n++, row += K) {
      const rk = scale * r[n];
      for (let t = 0; t < K; t++) erev[t] += rk * x[row + t];
    }
    // E(a_i) = Σ_l e_l a_i^l and E'(a_i) by Horner (erev[t] = e_{K−1−t}), four entries per
    // pass: each entry's recurrence is a chain of dependent multiply-adds, four independent
    // chains keep the CPU's pipelines busy
    let i = 0;
    for (; i + 4 <= d; i += 4) {
      const a0 = a[i], a1 = a[i + 1], a2 = a[i + 2], a3 = a[i + 3];
      let p0 = 0, p1 = 0, p2 = 0, p3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (let t = 0; t < K; t++) {
        const et = erev[t];
        d0 = d0 * a0 + p0;
        d1 = d1 * a1 + p1;
        d2 = d2 * a2 + p2;
        d3 = d3 * a3 + p3;
        p0 = p0 * a0 + et;
        p1 = p1 * a1 + et;
        p2 = p2 * a2 + et;
        p3 = p3 * a3 + et;
      }
      poly[i] = p0, poly[i + 1] = p1, poly[i + 2] = p2, poly[i + 3] = p3;
      dpoly[i] = d0, dpoly[i + 1] = d1, dpoly[i + 2] = d2, dpoly[i + 3] = d3;
    }
    for (; i < d; i++) {
      const ai = a[i];
      let p = 0, dp = 0;
      for (let t = 0; t < K; t++) {
        dp = dp * ai + p;
        p = p * ai + erev[t];
      }
      poly[i] = p;
      dpoly[i] = dp;
    }
    for (let j = 0; j < d; j++) {
      const p = poly[j];
      ga[j] = c[j] * b[j] * dpoly[j] + wd * a[j];
      gb[j] = c[j] * p + wd * b[j];
      gc[j] = b[j] * p + wd * c[j];
    }
    return loss;
  };

  // ‖∂L/∂A‖_F of the full d×d recurrent kernel (kernel_norm.cc): divided differences of E,
  // Horner's scheme for close pairs.
  const kernelNorm = (): number => {
    let sum = 0;
    for (let i = 0; i < d; i++) {
      const ai = a[i], pi = poly[i], ci = c[i], bi = b[i], absAi = Math.abs(ai);
      const gii = ci * bi * dpoly[i];
      sum += gii * gii;
      let row = 0, close = 0;
      for (let j = i + 1; j < d; j++) {
        const gap = ai - a[j];
        const absAj = Math.abs(a[j]);
        if (Math.abs(gap) > CLOSE * (absAi > absAj ? absAi : absAj)) {
          const q = (pi - poly[j]) / gap;
          const w = ci * b[j], v = c[j] * bi;
          row += q * q * (w * w + v * v);
        } else close++;
      }
      if (close > 0) {
        for (let j = i + 1; j < d; j++) {
          const aj = a[j], absAj = Math.abs(aj);
          if (Math.abs(ai - aj) > CLOSE * (absAi > absAj ? absAi : absAj)) continue;
          let p = 0, q = 0;
          for (let t = 0; t < K; t++) {
            q = q * aj + p;
            p = p * ai + erev[t];
          }
          const w = ci * b[j], v = c[j] * bi;
          row += q * q * (w * w + v * v);
        }
      }
      sum += row;
    }
    return Math.sqrt(sum);
  };

  const gradientNorm = (): number => {
    let total = 0;
    if (trainA) {
      let kn = kernelNorm();
      if (wd > 0) { // decay adds 2λa_i on the diagonal only
        let sq = kn * kn;
        for (let i = 0; i < d; i++) {
          const g0 = c[i] * b[i] * dpoly[i];
          sq += ga[i] * ga[i] - g0 * g0;
        }
        kn = Math.sqrt(Math.max(sq, 0));
      }
      total += kn;
    }
    if (trainB) total += norm2(gb, d);
    if (trainC) total += norm2(gc, d);
    return total;
  };

  // One step from the gradient: θ_{e+1} into the spare buffers, then swapped in.
  const step = (): void => {
    if (kind === 'adam') {
      beta1Power *= beta1;
      beta2Power *= beta2;
      const alpha = baseLr * Math.sqrt(1 - beta2Power) / (1 - beta1Power);
      if (trainA) {
        for (let i = 0; i < d; i++) {
          const g = ga[i];
          const m = (ma[i] = beta1 * ma[i] + (1 - beta1) * g);
          const v = (va[i] = beta2 * va[i] + (1 - beta2) * g * g);
          aPrev[i] = a[i] - alpha * m / (Math.sqrt(v) + epsilon);
        }
      }
      if (trainB) {
        for (let i = 0; i < d; i++) {
          const g = gb[i];
          const m = (mb[i] = beta1 * mb[i] + (1 - beta1) * g);
          const v = (vb[i] = beta2 * vb[i] + (1 - beta2) * g * g);
          bPrev[i] = b[i] - alpha * m / (Math.sqrt(v) + epsilon);
        }
      }
      if (trainC) {
        for (let i = 0; i < d; i++) {
          const g = gc[i];
          const m = (mc[i] = beta1 * mc[i] + (1 - beta1) * g);
          const v = (vc[i] = beta2 * vc[i] + (1 - beta2) * g * g);
          cPrev[i] = c[i] - alpha * m / (Math.sqrt(v) + epsilon);
        }
      }
    } else {
      let lr = baseLr;
      if (kind === 'adaptive') {
        // SPEC §5: g_t = β g_{t−1} + (1−β) Σ‖∇‖_F, lr_t = lr / (√(g_t / (1 − β^{t+1})) + soft)
        gAvg = beta * gAvg + (1 - beta) * gradientNorm();
        betaPower *= beta;
        lr = baseLr / (Math.sqrt(gAvg / (1 - betaPower)) + soft);
      }
      if (trainA) for (let i = 0; i < d; i++) aPrev[i] = a[i] - lr * ga[i];
      if (trainB) for (let i = 0; i < d; i++) bPrev[i] = b[i] - lr * gb[i];
      if (trainC) for (let i = 0; i < d; i++) cPrev[i] = c[i] - lr * gc[i];
    }
    let t: Float64Array;
    if (trainA) t = a, a = aPrev, aPrev = t;
    if (trainB) t = b, b = bPrev, bPrev = t;
    if (trainC) t = c, c = cPrev, cPrev = t;
  };

  const logEpoch: number[] = [];
  const trainLoss: number[] = [];
  let status: TrainStatus = 'max-epochs';
  let stop = -1, diverged = -1, e = 0;
  let loss = gradient(); // L(θ_0) and the gradient epoch 0 steps with
  const finiteStart = Number.isFinite(loss) && allFinite(a, d) && allFinite(b, d) && allFinite(c, d);
  if (!finiteStart) {
    status = 'diverged';
    diverged = 0;
  }
  for (; finiteStart && e < maxEpochs; e++) {
    step();
    // the official callbacks at the epoch's end: the stop test sees the loss before the
    // fix_B_C reset, the log the parameters after it
    let stopLoss = NaN;
    if (fixBC) {
      stopLoss = residuals();
      b.fill(1);
      c.fill(1);
    }
    loss = gradient();
    if (!fixBC) stopLoss = loss;
    if (!(Number.isFinite(loss) && allFinite(a, d) && allFinite(b, d) && allFinite(c, d))) {
      status = 'diverged';
      diverged = e;
      // back to θ_e, the last finite parameters
      if (!(allFinite(a, d) && allFinite(b, d) && allFinite(c, d))) {
        let t: Float64Array;
        if (trainA) t = a, a = aPrev, aPrev = t;
        if (trainB) t = b, b = bPrev, bPrev = t;
        if (trainC) t = c, c = cPrev, cPrev = t;
      }
      break;
    }
    const post = stop >= 0;
    const p = post ? e - stop - 1 : e;
    if (p % logEvery === 0) {
      logEpoch.push(e);
      trainLoss.push(loss);
    }
    if (!post && stopLoss <= eps) {
      stop = e;
      if (after === 0) {
        e++;
        status = 'converged';
        break;
      }
    } else if (post && p + 1 >= after) {
      e++;
      status = 'converged';
      break;
    }
  }
  if (status === 'max-epochs' && stop >= 0) status = 'converged';
  const finalA = a.slice(), finalB = b.slice(), finalC = c.slice();
  return {
    status,
    epochs: e,
    stopEpoch: stop >= 0 ? stop : null,
    divergedEpoch: diverged >= 0 ? diverged : null,
    final: { a: finalA, b: finalB, c: finalC, trainLoss: gradient() },
    logEpoch,
    trainLoss,
  };
}
