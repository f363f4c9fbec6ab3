/**
 * The pure-TypeScript backend (SPEC §1, §2, §7): plain loops over Float64Array.
 *
 * It is the test oracle for the native and wasm backends and the benchmark baseline, so
 * it is written for V8: no allocation or closure inside inner loops, work buffers
 * allocated once per call, running powers instead of Math.pow.
 */
import type {
  Backend,
  BackendInfo,
  Evaluation,
  EvaluateRequest,
  ModelBatch,
  NumpyRandom,
  ScanMode,
  SequenceBatch,
} from './backend';
import { rangeError, typeError } from '../validate';
import { JsNumpyRandom } from './numpy-random';

/** Largest number of doubles one array may hold (SSM_MAX_ELEMENTS in ssm.h). */
const MAX_ELEMENTS = 2 ** 31;

// ---------------------------------------------------------------------------------------
// Structural preconditions. Full validation lives in lib/validate.ts; these only guard
// against shapes that would silently read or write out of range.

function checkCount(value: number, name: string, min: number): void {
  if (typeof value !== 'number') throw typeError('an integer', name, value);
  if (!Number.isSafeInteger(value) || value < min) throw rangeError(`an integer ≥ ${min}`, name, value);
}

function checkArray(arr: Float64Array, expected: number, name: string, shape: string): void {
  if (!(arr instanceof Float64Array)) throw typeError('a Float64Array', name, arr);
  if (arr.length !== expected) throw rangeError(`a Float64Array of ${expected} entries (${shape})`, name, arr);
}

function checkSize(size: number, name: string): void {
  if (size > MAX_ELEMENTS) throw rangeError('at most 2^31 elements', name, size);
}

function checkModels(m: ModelBatch, name: string): void {
  checkCount(m.count, `${name}.count`, 1);
  checkCount(m.dim, `${name}.dim`, 1);
  const size = m.count * m.dim;
  checkSize(size, `${name}.a`);
  const shape = `count ${m.count} × dim ${m.dim}`;
  checkArray(m.a, size, `${name}.a`, shape);
  checkArray(m.b, size, `${name}.b`, shape);
  checkArray(m.c, size, `${name}.c`, shape);
}

function checkSequences(x: SequenceBatch, name: string): void {
  checkCount(x.count, `${name}.count`, 1);
  checkCount(x.length, `${name}.length`, 1);
  const size = x.count * x.length;
  checkSize(size, `${name}.x`);
  checkArray(x.x, size, `${name}.x`, `count ${x.count} × length ${x.length}`);
}

// ---------------------------------------------------------------------------------------
// Kernels on one student (offset `o` into the S×d parameter arrays).

/** h[0..L) = Σ_i c_i b_i a_i^l, written into `h` at offset `ho` (overwrites). */
function impulseInto(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  o: number,
  d: number,
  L: number,
  h: Float64Array,
  ho: number,
): void {
  for (let l = 0; l < L; l++) h[ho + l] = 0;
  for (let i = 0; i < d; i++) {
    const ai = a[o + i];
    const cb = c[o + i] * b[o + i];
    let p = 1;
    for (let l = 0; l < L; l++) {
      h[ho + l] += cb * p;
      p *= ai;
    }
  }
}

// ---------------------------------------------------------------------------------------

function impulseResponse(m: ModelBatch, length: number): Float64Array {
  checkModels(m, 'm');
  checkCount(length, 'length', 1);
  const S = m.count;
  const d = m.dim;
  checkSize(S * length, 'the impulse response');
  const h = new Float64Array(S * length);
  for (let s = 0; s < S; s++) impulseInto(m.a, m.b, m.c, s * d, d, length, h, s * length);
  return h;
}

function forward(m: ModelBatch, xs: SequenceBatch): Float64Array {
  checkModels(m, 'm');
  checkSequences(xs, 'x');
  const S = m.count;
  const d = m.dim;
  const N = xs.count;
  const K = xs.length;
  const x = xs.x;
  checkSize(S * N, 'the outputs');
  const y = new Float64Array(S * N);
  const h = new Float64Array(K);
  for (let s = 0; s < S; s++) {
    impulseInto(m.a, m.b, m.c, s * d, d, K, h, 0);
    const yo = s * N;
    for (let n = 0; n < N; n++) {
      const last = n * K + K - 1;
      let acc = 0;
      for (let l = 0; l < K; l++) acc += h[l] * x[last - l];
      y[yo + n] = acc;
    }
  }
  return y;
}

function scan(m: ModelBatch, xs: SequenceBatch, mode: ScanMode): Float64Array {
  checkModels(m, 'm');
  checkSequences(xs, 'x');
  const S = m.count;
  const d = m.dim;
  const N = xs.count;
  const K = xs.length;
  const { a, b, c } = m;
  const x = xs.x;

  if (mode === 'final') {
    checkSize(S * N, 'the outputs');
    const out = new Float64Array(S * N);
    for (let s = 0; s < S; s++) {
      const o = s * d;
      for (let n = 0; n < N; n++) {
        const xo = n * K;
        let y = 0;
        for (let i = 0; i < d; i++) {
          const ai = a[o + i];
          const bi = b[o + i];
          let st = 0;
          for (let t = 0; t < K; t++) st = ai * st + bi * x[xo + t];
          y += c[o + i] * st;
        }
        out[s * N + n] = y;
      }
    }
    return out;
  }

  if (mode === 'outputs') {
    checkSize(S * N * K, 'the outputs');
    const out = new Float64Array(S * N * K);
    for (let s = 0; s < S; s++) {
      const o = s * d;
      for (let n = 0; n < N; n++) {
        const xo = n * K;
        const yo = (s * N + n) * K;
        for (let i = 0; i < d; i++) {
          const ai = a[o + i];
          const bi = b[o + i];
          const ci = c[o + i];
          let st = 0;
          for (let t = 0; t < K; t++) {
            st = ai * st + bi * x[xo + t];
            out[yo + t] += ci * st;
          }
        }
      }
    }
    return out;
  }

  if (mode === 'states') {
    checkSize(S * N * K * d, 'the states');
    const out = new Float64Array(S * N * K * d);
    for (let s = 0; s < S; s++) {
      const o = s * d;
      for (let n = 0; n < N; n++) {
        const xo = n * K;
        const base = (s * N + n) * K * d;
        // t = 0: s_1 = b x_0.
        const x0 = x[xo];
        for (let i = 0; i < d; i++) out[base + i] = b[o + i] * x0;
        for (let t = 1; t < K; t++) {
          const xt = x[xo + t];
          const cur = base + t * d;
          const prev = cur - d;
          for (let i = 0; i < d; i++) out[cur + i] = a[o + i] * out[prev + i] + b[o + i] * xt;
        }
      }
    }
    return out;
  }

  throw rangeError('one of final, outputs, states', 'mode', mode);
}

function evaluate(
  m: ModelBatch,
  xs: SequenceBatch,
  targets: Float64Array,
  request: EvaluateRequest,
): Evaluation {
  checkModels(m, 'm');
  checkSequences(xs, 'x');
  checkArray(targets, xs.count, 'targets', `x.count ${xs.count}`);
  const S = m.count;
  const d = m.dim;
  const N = xs.count;
  const K = xs.length;
  const { a, b, c } = m;
  const x = xs.x;
  const req = request ?? {};

  checkSize(S * N, 'the outputs');
  checkSize(S * K, 'e');
  if (req.hessian || req.kernelGrad) checkSize(S * d * d, req.hessian ? 'the hessian' : 'kernelGrad');
  if (req.hessian) checkSize(N * d, 'the Jacobian work buffer');

  const loss = new Float64Array(S);
  const outputs = req.outputs ? new Float64Array(S * N) : undefined;
  const residuals = req.residuals ? new Float64Array(S * N) : undefined;
  const eOut = req.e ? new Float64Array(S * K) : undefined;
  const gradA = req.gradA ? new Float64Array(S * d) : undefined;
  const gradB = req.gradB ? new Float64Array(S * d) : undefined;
  const gradC = req.gradC ? new Float64Array(S * d) : undefined;
  const gamma = req.gamma ? new Float64Array(S * (K - 1)) : undefined;
  const hessian = req.hessian ? new Float64Array(S * d * d) : undefined;
  const kernelGrad = req.kernelGrad ? new Float64Array(S * d * d) : undefined;
  const kernelGradNorm = req.kernelGradNorm ? new Float64Array(S) : undefined;

  const needE = !!(
    eOut || gradA || gradB || gradC || gamma || hessian || kernelGrad || kernelGradNorm
  );
  const needSums = !!(gradA || gradB || gradC || hessian);
  const needKernel = !!(kernelGrad || kernelGradNorm);

  // Work buffers, allocated once per call.
  const h = new Float64Array(K);
  const r = new Float64Array(N);
  const e = new Float64Array(K);
  const J = hessian ? new Float64Array(N * d) : undefined;
  const w = hessian ? new Float64Array(K) : undefined;
  const invN = 1 / N;
  const twoOverN = 2 / N;

  for (let s = 0; s < S; s++) {
    const o = s * d;
    impulseInto(a, b, c, o, d, K, h, 0);

    // Outputs, residuals, loss.
    let sq = 0;
    for (let n = 0; n < N; n++) {
      const last = n * K + K - 1;
      let y = 0;
      for (let l = 0; l < K; l++) y += h[l] * x[last - l];
      const rn = y - targets[n];
      r[n] = rn;
      sq += rn * rn;
      if (outputs) outputs[s * N + n] = y;
      if (residuals) residuals[s * N + n] = rn;
    }
    loss[s] = sq * invN;
    if (!needE) continue;

    // e_l = (2/N) Σ_n r_n x_{n,K−1−l}.
    for (let l = 0; l < K; l++) e[l] = 0;
    for (let n = 0; n < N; n++) {
      const rn = r[n];
      const last = n * K + K - 1;
      for (let l = 0; l < K; l++) e[l] += rn * x[last - l];
    }
    for (let l = 0; l < K; l++) e[l] *= twoOverN;
    if (eOut) eOut.set(e, s * K);

    if (gamma) {
      const go = s * (K - 1);
      for (let k = 0; k < K - 1; k++) gamma[go + k] = -(k + 1) * e[k + 1];
    }

    if (needSums) {
      for (let i = 0; i < d; i++) {
        const ai = a[o + i];
        const bi = b[o + i];
        const ci = c[o + i];
        // sum0 = Σ_{l≥0} a^l e_l, sum1 = Σ_{l≥1} l a^{l−1} e_l, sum2 = Σ_{l≥2} l(l−1) a^{l−2} e_l.
        let sum0 = 0;
        let sum1 = 0;
        let sum2 = 0;
        let p = 1; // a^l
        let p1 = 0; // a^{l−1} (unused at l = 0)
        let p2 = 0; // a^{l−2} (unused at l ≤ 1)
        for (let l = 0; l < K; l++) {
          const el = e[l];
          sum0 += p * el;
          sum1 += l * p1 * el;
          sum2 += l * (l - 1) * p2 * el;
          p2 = p1;
          p1 = p;
          p *= ai;
        }
        const cb = ci * bi;
        if (gradA) gradA[o + i] = cb * sum1;
        if (gradB) gradB[o + i] = ci * sum0;
        if (gradC) gradC[o + i] = bi * sum0;
        if (hessian) hessian[s * d * d + i * d + i] = cb * sum2;
      }
    }

    if (hessian && J && w) {
      // J_ni = c_i b_i Σ_{l=1}^{K−1} l a_i^{l−1} x_{n,K−1−l}.
      for (let i = 0; i < d; i++) {
        const ai = a[o + i];
        const cb = c[o + i] * b[o + i];
        let p = cb;
        w[0] = 0;
        for (let l = 1; l < K; l++) {
          w[l] = l * p;
          p *= ai;
        }
        for (let n = 0; n < N; n++) {
          const last = n * K + K - 1;
          let acc = 0;
          for (let l = 1; l < K; l++) acc += w[l] * x[last - l];
          J[n * d + i] = acc;
        }
      }
      // H_ij += (2/N) Σ_n J_ni J_nj (upper triangle accumulated, then mirrored).
      const ho = s * d * d;
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          let acc = 0;
          for (let n = 0; n < N; n++) acc += J[n * d + i] * J[n * d + j];
          acc *= twoOverN;
          hessian[ho + i * d + j] += acc;
          if (j !== i) hessian[ho + j * d + i] = hessian[ho + i * d + j];
        }
      }
    }

    if (needKernel) {
      // [∂L/∂A]_ij = c_i b_j Σ_{l=1}^{K−1} e_l P_l, P_l = Σ_{k<l} a_i^k a_j^{l−1−k},
      // by P_1 = 1, P_l = a_j P_{l−1} + a_i^{l−1} (stable for close a_i, a_j).
      const ko = s * d * d;
      let sq2 = 0;
      for (let i = 0; i < d; i++) {
        const ai = a[o + i];
        const ci = c[o + i];
        for (let j = 0; j < d; j++) {
          const aj = a[o + j];
          let acc = 0;
          if (K > 1) {
            let q = 1; // a_i^{l−1}
            let P = 1; // P_l
            acc = e[1];
            for (let l = 2; l < K; l++) {
              q *= ai;
              P = aj * P + q;
              acc += e[l] * P;
            }
          }
          const g = ci * b[o + j] * acc;
          if (kernelGrad) kernelGrad[ko + i * d + j] = g;
          sq2 += g * g;
        }
      }
      if (kernelGradNorm) kernelGradNorm[s] = Math.sqrt(sq2);
    }
  }

  const result: Evaluation = { loss };
  if (outputs) result.outputs = outputs;
  if (residuals) result.residuals = residuals;
  if (eOut) result.e = eOut;
  if (gradA) result.gradA = gradA;
  if (gradB) result.gradB = gradB;
  if (gradC) result.gradC = gradC;
  if (gamma) result.gamma = gamma;
  if (hessian) result.hessian = hessian;
  if (kernelGrad) result.kernelGrad = kernelGrad;
  if (kernelGradNorm) result.kernelGradNorm = kernelGradNorm;
  return result;
}

function extrapolationError(
  m: ModelBatch,
  teacher: ModelBatch,
  from: number,
  to: number,
): Float64Array {
  checkModels(m, 'm');
  checkModels(teacher, 'teacher');
  if (teacher.count !== 1) {
    throw rangeError('1', 'teacher.count', teacher.count);
  }
  checkCount(from, 'from', 0);
  checkCount(to, 'to', 0);
  if (to < from) throw rangeError(`an integer ≥ from (${from})`, 'to', to);
  const L = to + 1;
  checkSize(L, 'the impulse response');
  const S = m.count;
  const d = m.dim;

  const hT = new Float64Array(L);
  impulseInto(teacher.a, teacher.b, teacher.c, 0, teacher.dim, L, hT, 0);
  let scale = 0;
  for (let j = from; j <= to; j++) {
    const v = Math.abs(hT[j]);
    if (v > scale) scale = v;
  }

  const out = new Float64Array(S);
  const h = new Float64Array(L);
  for (let s = 0; s < S; s++) {
    impulseInto(m.a, m.b, m.c, s * d, d, L, h, 0);
    let worst = 0;
    for (let j = from; j <= to; j++) {
      const v = Math.abs(h[j] - hT[j]);
      // `!(v <= worst)` lets a NaN through instead of hiding it.
      if (!(v <= worst)) worst = v;
    }
    out[s] = worst / scale;
  }
  return out;
}

function effectiveRank(m: ModelBatch): Float64Array {
  checkModels(m, 'm');
  const S = m.count;
  const d = m.dim;
  const a = m.a;
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const o = s * d;
    let total = 0;
    for (let i = 0; i < d; i++) total += Math.abs(a[o + i]);
    if (total === 0) {
      out[s] = 0;
      continue;
    }
    let entropy = 0;
    for (let i = 0; i < d; i++) {
      const p = Math.abs(a[o + i]) / total;
      if (p > 0) entropy -= p * Math.log(p);
    }
    out[s] = Math.exp(entropy);
  }
  return out;
}

function numpyRandom(seed: number): NumpyRandom {
  return new JsNumpyRandom(seed);
}

const INFO: BackendInfo = { name: 'js', blas: 'none', openblas: false, threads: 1, blasThreads: 1 };

export const jsBackend: Backend = {
  name: 'js',
  info: () => ({ ...INFO }),
  impulseResponse,
  forward,
  scan,
  evaluate,
  extrapolationError,
  effectiveRank,
  numpyRandom,
};
