/**
 * One conformance suite, run against every backend (DESIGN.md "Patterns we take" 2).
 *
 * A backend that cannot load registers one skipped test whose title gives the reason,
 * unless SSM_POISON_REQUIRE_BACKENDS (comma-separated names, set by CI) lists it: then
 * its absence is a failure.
 *
 * Per backend:
 *   1. derivatives against Richardson-extrapolated central differences of the backend's
 *      own loss and gradient (SPEC §2), γ against its definition and Proposition 1, the
 *      full recurrent-kernel gradient against a dense reference recurrence;
 *   2. the scan against the impulse form (SPEC §1);
 *   3. every kernel against the pure-TypeScript oracle (js), 1e−12 relative;
 *   4. (native and wasm backends) bad input rejected with the native binding's checks
 *      (native/napi/args.cc; lib/backends/wasm.ts repeats them), the right error class and
 *      a message naming the parameter, and the backend still correct afterwards.
 */
import assert from 'node:assert/strict';

import type {
  Backend,
  BackendName,
  EvaluateRequest,
  Evaluation,
  ModelBatch,
  ScanMode,
  SequenceBatch,
} from '../lib/backends/backend';
import { BACKEND_NAMES, backendLoadError, getBackend } from '../lib/backends/loader';
import { assertClose } from './helpers/close';
import { describeNumpyRandom } from './helpers/numpy-random-suite';
import { ALL_FIELDS } from './helpers/requests';
import {
  TestRng,
  copyModels,
  prefixOf,
  randomModels,
  randomSequences,
  randomVector,
  seedFor,
  studentOf,
} from './helpers/random-models';

/** Finite differences against analytic derivatives. */
const FD_TOL = 1e-6;
/** Two exact computations of the same quantity (identities, backends against js). */
const EXACT_TOL = 1e-12;
/**
 * Central-difference steps (Richardson uses h and h/2). In a, the truncation error of the
 * extrapolated difference is O(h⁴·∂⁵L): with |a| ≤ 0.95 and κ = 257, h = 1e−3 leaves
 * ~3e−7 (too close to the tolerance) while h = 1e−4 leaves ~1e−11, below rounding
 * (~1e−10 relative). L is quadratic in each b_i and c_i, so there the difference is exact
 * up to rounding and a larger step only reduces rounding.
 */
const FD_STEP: Record<Field, number> = { a: 1e-4, b: 1e-2, c: 1e-2 };


// ---------------------------------------------------------------------------------------
// Problems and finite differences

type Field = 'a' | 'b' | 'c';

interface Problem {
  m: ModelBatch;
  x: SequenceBatch;
  targets: Float64Array;
}

/** S random students (|a| in [0.2, 0.95]), N Gaussian sequences, Gaussian targets. */
function problem(key: string, S: number, d: number, N: number, K: number): Problem {
  const rng = new TestRng(seedFor(key));
  const m = randomModels(rng, { count: S, dim: d });
  const x = randomSequences(rng, N, K);
  const targets = randomVector(rng, N);
  return { m, x, targets };
}

/** A copy of m with `delta` added to entry i of `field` in every student. Students are
 * independent, so one call differentiates all of them at once. */
function shifted(m: ModelBatch, field: Field, i: number, delta: number): ModelBatch {
  const out = copyModels(m);
  for (let s = 0; s < m.count; s++) out[field][s * m.dim + i] += delta;
  return out;
}

/**
 * Richardson extrapolation of two central differences of a vector function of one
 * variable: D(h) = (f(h) − f(−h)) / 2h, result (4·D(h/2) − D(h)) / 3, error O(h⁴).
 */
function richardson(f: (delta: number) => ArrayLike<number>, h: number): Float64Array {
  const p1 = f(h);
  const m1 = f(-h);
  const p2 = f(h / 2);
  const m2 = f(-h / 2);
  const out = new Float64Array(p1.length);
  for (let k = 0; k < out.length; k++) {
    const dh = (p1[k] - m1[k]) / (2 * h);
    const dh2 = (p2[k] - m2[k]) / h;
    out[k] = (4 * dh2 - dh) / 3;
  }
  return out;
}

/** ∂L_s/∂field_{s,i} for every student (S×d) from the backend's own loss. */
function lossGradientFD(backend: Backend, p: Problem, field: Field): Float64Array {
  const { count: S, dim: d } = p.m;
  const grad = new Float64Array(S * d);
  for (let i = 0; i < d; i++) {
    const loss = (delta: number) => backend.evaluate(shifted(p.m, field, i, delta), p.x, p.targets, {}).loss;
    const col = richardson(loss, FD_STEP[field]);
    for (let s = 0; s < S; s++) grad[s * d + i] = col[s];
  }
  return grad;
}

/** ∂²L_s/∂a_{s,i}∂a_{s,j} (S×d×d) from the backend's own gradA. */
function hessianFD(backend: Backend, p: Problem): Float64Array {
  const { count: S, dim: d } = p.m;
  const H = new Float64Array(S * d * d);
  for (let j = 0; j < d; j++) {
    const col = richardson(
      (delta) => backend.evaluate(shifted(p.m, 'a', j, delta), p.x, p.targets, { gradA: true }).gradA!,
      FD_STEP.a,
    );
    for (let s = 0; s < S; s++) for (let i = 0; i < d; i++) H[(s * d + i) * d + j] = col[s * d + i];
  }
  return H;
}

/** Rows s of an S×w array. */
function row(v: Float64Array, s: number, width: number): Float64Array {
  return v.subarray(s * width, (s + 1) * width);
}

/** Per-student closeness (students can differ in scale by orders of magnitude). */
function assertClosePerStudent(
  got: Float64Array | undefined,
  want: Float64Array,
  S: number,
  tol: number,
  what: string,
): void {
  assert.ok(got, `${what}: the result is missing`);
  assert.equal(got.length, want.length, `${what}: ${got.length} entries, expected ${want.length}`);
  const w = want.length / S;
  for (let s = 0; s < S; s++) assertClose(row(got, s, w), row(want, s, w), tol, `${what}, student ${s}`);
}

/**
 * The loss of the general (non-diagonal) recurrence s_{t+1} = A s_t + b x_t, y = c·s_K,
 * A d×d row-major ((A s)_i = Σ_j A_ij s_j): the reference for the full kernel gradient.
 */
function denseLoss(A: Float64Array, b: Float64Array, c: Float64Array, x: SequenceBatch, targets: Float64Array): number {
  const d = b.length;
  const K = x.length;
  let state = new Float64Array(d);
  let next = new Float64Array(d);
  let sum = 0;
  for (let n = 0; n < x.count; n++) {
    state.fill(0);
    for (let t = 0; t < K; t++) {
      const xt = x.x[n * K + t];
      for (let i = 0; i < d; i++) {
        let acc = b[i] * xt;
        for (let j = 0; j < d; j++) acc += A[i * d + j] * state[j];
        next[i] = acc;
      }
      [state, next] = [next, state];
    }
    let y = 0;
    for (let i = 0; i < d; i++) y += c[i] * state[i];
    sum += (y - targets[n]) ** 2;
  }
  return sum / x.count;
}

/** ∂L/∂A (S×d×d) at A = diag(a) by differences of the dense reference loss. */
function kernelGradientFD(p: Problem): Float64Array {
  const { count: S, dim: d } = p.m;
  const G = new Float64Array(S * d * d);
  for (let s = 0; s < S; s++) {
    const one = studentOf(p.m, s);
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) A[i * d + i] = one.a[i];
    for (let ij = 0; ij < d * d; ij++) {
      const [g] = richardson((delta) => {
        const Ad = A.slice();
        Ad[ij] += delta;
        return [denseLoss(Ad, one.b, one.c, p.x, p.targets)];
      }, FD_STEP.a);
      G[s * d * d + ij] = g;
    }
  }
  return G;
}

// ---------------------------------------------------------------------------------------
// 1. Derivatives

const GRID_K = [2, 6, 10, 257];
const GRID_D = [1, 10, 64];
const GRID_N = [1, 7];
const GRID_S = 3;

function derivativeTests(backend: Backend): void {
  describe('derivatives (SPEC §2) against finite differences of the backend itself', () => {
    for (const K of GRID_K) {
      for (const d of GRID_D) {
        for (const N of GRID_N) {
          describe(`κ=${K} d=${d} N=${N} S=${GRID_S}`, () => {
            const p = problem(`grad:${K}:${d}:${N}`, GRID_S, d, N, K);
            let evaluation: Evaluation | undefined;
            let fdGradA: Float64Array | undefined;
            const full = () => (evaluation ??= backend.evaluate(p.m, p.x, p.targets, ALL_FIELDS));
            const gradAFD = () => (fdGradA ??= lossGradientFD(backend, p, 'a'));

            it('gradients a, b, c match Richardson central differences of the loss (≤ 1e−6)', () => {
              const ev = full();
              assertClosePerStudent(ev.gradA, gradAFD(), GRID_S, FD_TOL, 'gradA vs FD');
              assertClosePerStudent(ev.gradB, lossGradientFD(backend, p, 'b'), GRID_S, FD_TOL, 'gradB vs FD');
              assertClosePerStudent(ev.gradC, lossGradientFD(backend, p, 'c'), GRID_S, FD_TOL, 'gradC vs FD');
            });

            it('the Hessian in a matches central differences of gradA (≤ 1e−6) and is symmetric', () => {
              const H = full().hessian;
              assertClosePerStudent(H, hessianFD(backend, p), GRID_S, FD_TOL, 'hessian vs FD');
              const Ht = new Float64Array(H!.length);
              for (let s = 0; s < GRID_S; s++)
                for (let i = 0; i < d; i++)
                  for (let j = 0; j < d; j++) Ht[(s * d + j) * d + i] = H![(s * d + i) * d + j];
              assertClosePerStudent(H, Ht, GRID_S, EXACT_TOL, 'hessian vs its transpose');
            });

            it('loss, residuals, e and γ follow their definitions', () => {
              const ev = full();
              const r = new Float64Array(GRID_S * N);
              const loss = new Float64Array(GRID_S);
              const e = new Float64Array(GRID_S * K);
              const gamma = new Float64Array(GRID_S * (K - 1));
              for (let s = 0; s < GRID_S; s++) {
                for (let n = 0; n < N; n++) {
                  r[s * N + n] = ev.outputs![s * N + n] - p.targets[n];
                  loss[s] += r[s * N + n] ** 2 / N;
                  // e_l = (2/N) Σ_n r_n x_{n,K−1−l}
                  for (let l = 0; l < K; l++) e[s * K + l] += ((2 / N) * r[s * N + n]) * p.x.x[n * K + K - 1 - l];
                }
                // γ^(k) = −(k+1) e_{k+1}, k = 0 … K−2, from the backend's own e
                for (let k = 0; k + 1 < K; k++) gamma[s * (K - 1) + k] = -(k + 1) * ev.e![s * K + k + 1];
              }
              assertClose(ev.outputs, backend.forward(p.m, p.x), EXACT_TOL, 'evaluate outputs vs forward');
              assertClose(ev.residuals, r, EXACT_TOL, 'residuals = outputs − targets');
              assertClosePerStudent(ev.loss, loss, GRID_S, EXACT_TOL, 'loss = mean r²');
              assertClosePerStudent(ev.e, e, GRID_S, EXACT_TOL, 'e = (2/N) X_revᵀ r');
              assertClosePerStudent(ev.gamma, gamma, GRID_S, EXACT_TOL, 'γ^(k) = −(k+1) e_{k+1}');
            });

            it('γ gives the gradient: da_i/dt = −∂L/∂a_i = c_i b_i Σ_k γ^(k) a_i^k (≤ 1e−6 vs FD)', () => {
              const ev = full();
              const fromGamma = new Float64Array(GRID_S * d);
              for (let s = 0; s < GRID_S; s++) {
                for (let i = 0; i < d; i++) {
                  const o = s * d + i;
                  let sum = 0;
                  let pow = 1;
                  for (let k = 0; k + 1 < K; k++) {
                    sum += ev.gamma![s * (K - 1) + k] * pow;
                    pow *= p.m.a[o];
                  }
                  fromGamma[o] = -p.m.c[o] * p.m.b[o] * sum; // ∂L/∂a_i = −da_i/dt
                }
              }
              assertClosePerStudent(fromGamma, gradAFD(), GRID_S, FD_TOL, '−c b Σ_k γ^(k) a^k vs FD ∂L/∂a');
              assertClosePerStudent(fromGamma, ev.gradA!, GRID_S, EXACT_TOL, '−c b Σ_k γ^(k) a^k vs gradA');
            });

            it('the kernel gradient: its diagonal is gradA, kernelGradNorm its Frobenius norm', () => {
              const ev = full();
              const G = ev.kernelGrad!;
              const diag = new Float64Array(GRID_S * d);
              const norm = new Float64Array(GRID_S);
              for (let s = 0; s < GRID_S; s++) {
                let sq = 0;
                for (let i = 0; i < d; i++) diag[s * d + i] = G[(s * d + i) * d + i];
                for (let k = 0; k < d * d; k++) sq += G[s * d * d + k] ** 2;
                norm[s] = Math.sqrt(sq);
              }
              assertClosePerStudent(diag, ev.gradA!, GRID_S, EXACT_TOL, 'diag(kernelGrad) vs gradA');
              assertClosePerStudent(ev.kernelGradNorm, norm, GRID_S, EXACT_TOL, 'kernelGradNorm vs ‖kernelGrad‖_F');
            });
          });
        }
      }
    }

    describe('the full kernel gradient against a dense recurrence s_{t+1} = A s_t + b x_t (FD, ≤ 1e−6)', () => {
      const cases: { K: number; d: number; N: number; a?: number[] }[] = [
        { K: 2, d: 1, N: 7 },
        { K: 2, d: 6, N: 7 },
        { K: 6, d: 6, N: 1 },
        { K: 10, d: 1, N: 1 },
        { K: 10, d: 6, N: 7 },
        { K: 257, d: 1, N: 7 },
        { K: 257, d: 6, N: 7 },
        // Equal and nearly equal entries: the divided difference must not cancel.
        { K: 40, d: 3, N: 7, a: [0.7, 0.7, 0.7 + 1e-9] },
        { K: 257, d: 4, N: 3, a: [-0.9, 0.9, 0.9 - 1e-12, 0.3] },
      ];
      for (const { K, d, N, a } of cases) {
        const label = `κ=${K} d=${d} N=${N}${a ? ` a=[${a.join(', ')}]` : ''}`;
        it(label, () => {
          const p = problem(`kernel:${label}`, 2, d, N, K);
          if (a) for (let s = 0; s < 2; s++) p.m.a.set(a, s * d);
          const ev = backend.evaluate(p.m, p.x, p.targets, { kernelGrad: true, kernelGradNorm: true, gradA: true });
          assertClosePerStudent(ev.kernelGrad, kernelGradientFD(p), 2, FD_TOL, 'kernelGrad vs FD of the dense loss');
        });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------
// 2. Scan against the impulse form

/** Shapes [S, d, N, K] shared by the scan and cross-backend checks. */
const SCAN_SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [3, 1, 4, 1],
  [2, 10, 3, 1],
  [1, 6, 1, 2],
  [3, 1, 5, 6],
  [3, 10, 7, 10],
  [2, 64, 3, 257],
];

function scanTests(backend: Backend): void {
  describe('scan against the impulse form (SPEC §1, ≤ 1e−12)', () => {
    for (const [S, d, N, K] of SCAN_SHAPES) {
      describe(`S=${S} d=${d} N=${N} κ=${K}`, () => {
        const p = problem(`scan:${S}:${d}:${N}:${K}`, S, d, N, K);

        it("mode 'final' equals forward", () => {
          assertClose(backend.scan(p.m, p.x, 'final'), backend.forward(p.m, p.x), EXACT_TOL, 'scan final vs forward');
        });

        // outputs[s][n][t] = c·s_{t+1}, and s_{t+1} depends on x_0 … x_t only: it is the
        // final state of the recurrence run on the prefix x[0..t], so the entry is the
        // forward output of that prefix (length t+1).
        it("mode 'outputs': entry t is the forward output of the prefix x[0..t]", () => {
          const out = backend.scan(p.m, p.x, 'outputs');
          const want = new Float64Array(S * N * K);
          for (let t = 0; t < K; t++) {
            const y = backend.forward(p.m, prefixOf(p.x, t + 1));
            for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) want[(s * N + n) * K + t] = y[s * N + n];
          }
          assertClose(out, want, EXACT_TOL, 'scan outputs vs forward of prefixes');
        });

        // states[s][n][t][i] = (s_{t+1})_i is the output of the one-mode model
        // (a_i, b_i, c = 1) on the prefix x[0..t]; and c·state is the outputs mode.
        it("mode 'states': c·state equals mode 'outputs', each coordinate a one-mode forward", () => {
          const states = backend.scan(p.m, p.x, 'states');
          const outputs = backend.scan(p.m, p.x, 'outputs');
          assert.equal(states.length, S * N * K * d);
          const cs = new Float64Array(S * N * K);
          for (let s = 0; s < S; s++)
            for (let n = 0; n < N; n++)
              for (let t = 0; t < K; t++) {
                let y = 0;
                for (let i = 0; i < d; i++) y += p.m.c[s * d + i] * states[((s * N + n) * K + t) * d + i];
                cs[(s * N + n) * K + t] = y;
              }
          assertClose(cs, outputs, EXACT_TOL, 'c·states vs scan outputs');

          const modes: ModelBatch = { count: S * d, dim: 1, a: p.m.a, b: p.m.b, c: new Float64Array(S * d).fill(1) };
          const want = new Float64Array(S * N * K * d);
          for (let t = 0; t < K; t++) {
            const y = backend.forward(modes, prefixOf(p.x, t + 1)); // (S·d)×N
            for (let s = 0; s < S; s++)
              for (let i = 0; i < d; i++)
                for (let n = 0; n < N; n++) want[((s * N + n) * K + t) * d + i] = y[(s * d + i) * N + n];
          }
          assertClose(states, want, EXACT_TOL, 'scan states vs one-mode forward of prefixes');
        });
      });
    }
  });
}

// ---------------------------------------------------------------------------------------
// 3. Against the oracle

const ORACLE_SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 1, 3, 1],
  [3, 7, 5, 1],
  [1, 1, 4, 9],
  [3, 10, 7, 2],
  [4, 5, 33, 40],
  [2, 3, 1, 300],
  [2, 64, 7, 257],
  // Enough work per call that the native backends run students in parallel threads.
  [16, 32, 50, 200],
];

function evaluationsClose(got: Evaluation, want: Evaluation, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: the fields differ`);
  for (const key of Object.keys(want) as (keyof Evaluation)[]) {
    assertClose(got[key], want[key]!, EXACT_TOL, `${what}: ${key}`);
  }
}

function oracleTests(backend: Backend, oracle: Backend): void {
  describe(`every kernel against the js oracle (≤ 1e−12)`, () => {
    for (const [S, d, N, K] of ORACLE_SHAPES) {
      describe(`S=${S} d=${d} N=${N} κ=${K}`, () => {
        const p = problem(`oracle:${S}:${d}:${N}:${K}`, S, d, N, K);

        it('impulseResponse (lengths 1, κ, κ+13)', () => {
          for (const L of [1, K, K + 13]) {
            const want = oracle.impulseResponse(p.m, L);
            assertClose(backend.impulseResponse(p.m, L), want, EXACT_TOL, `impulseResponse L=${L}`);
          }
        });

        it('forward', () => {
          assertClose(backend.forward(p.m, p.x), oracle.forward(p.m, p.x), EXACT_TOL, 'forward');
        });

        for (const mode of ['final', 'outputs', 'states'] as ScanMode[]) {
          it(`scan '${mode}'`, () => {
            assertClose(backend.scan(p.m, p.x, mode), oracle.scan(p.m, p.x, mode), EXACT_TOL, `scan ${mode}`);
          });
        }

        it('evaluate with every field requested, and with none', () => {
          evaluationsClose(
            backend.evaluate(p.m, p.x, p.targets, ALL_FIELDS),
            oracle.evaluate(p.m, p.x, p.targets, ALL_FIELDS),
            'evaluate (all fields)',
          );
          evaluationsClose(
            backend.evaluate(p.m, p.x, p.targets, {}),
            oracle.evaluate(p.m, p.x, p.targets, {}),
            'evaluate (loss only)',
          );
          const again = backend.evaluate(p.m, p.x, p.targets, ALL_FIELDS);
          const first = backend.evaluate(p.m, p.x, p.targets, ALL_FIELDS);
          for (const key of Object.keys(first) as (keyof Evaluation)[]) {
            assert.deepEqual(again[key], first[key], `evaluate ${key} differs from run to run`);
          }
          const some: EvaluateRequest = { gradB: true, kernelGradNorm: true };
          evaluationsClose(
            backend.evaluate(p.m, p.x, p.targets, some),
            oracle.evaluate(p.m, p.x, p.targets, some),
            'evaluate (gradB, kernelGradNorm)',
          );
        });

        it('extrapolationError (teachers of dim 1 … 4; J = [0,0], [0,39], [1,20], [7,7])', () => {
          const rng = new TestRng(seedFor(`teacher:${S}:${d}:${N}:${K}`));
          for (let td = 1; td <= 4; td++) {
            const teacher = randomModels(rng, { count: 1, dim: td, aMin: 0.3, aMax: 0.9 });
            for (const [from, to] of [[0, 0], [0, 39], [1, 20], [7, 7]]) {
              assertClose(
                backend.extrapolationError(p.m, teacher, from, to),
                oracle.extrapolationError(p.m, teacher, from, to),
                EXACT_TOL,
                `extrapolationError teacher dim ${td}, J = [${from}, ${to}]`,
              );
            }
          }
        });

        it('effectiveRank', () => {
          assertClose(backend.effectiveRank(p.m), oracle.effectiveRank(p.m), EXACT_TOL, 'effectiveRank');
        });
      });
    }

    it('effectiveRank with zero, tiny and negative entries, and an all-zero student', () => {
      const m: ModelBatch = {
        count: 4,
        dim: 3,
        a: Float64Array.from([0, 0, 0, 0.5, 0, -0.5, 1e-300, 1, -2, -1, -1, -1]),
        b: new Float64Array(12).fill(1),
        c: new Float64Array(12).fill(1),
      };
      const got = backend.effectiveRank(m);
      assertClose(got, oracle.effectiveRank(m), EXACT_TOL, 'effectiveRank');
      assertClose(got, [0, 2, oracle.effectiveRank(m)[2], 3], EXACT_TOL, 'effectiveRank by definition');
    });
  });
}

// ---------------------------------------------------------------------------------------
// 4. Bad input at the backend level (the C++ checks of native/napi/args.cc, kernels.cc,
//    mirrored for the WebAssembly build in lib/backends/wasm.ts)

type ErrorClass = typeof TypeError | typeof RangeError;

function rejects(fn: () => unknown, cls: ErrorClass, message: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(
      err instanceof cls && err.constructor === cls,
      `expected a ${cls.name}, got ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
    );
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** S all-zero models of dimension d (valid input; only the sizes matter here). */
function zeroModels(count: number, dim: number): ModelBatch {
  const n = count * dim;
  return { count, dim, a: new Float64Array(n), b: new Float64Array(n), c: new Float64Array(n) };
}

/** A model or sequence batch with some fields replaced by (possibly ill-typed) values. */
function withFields<T extends object>(base: T, fields: Record<string, unknown>): T {
  return { ...base, ...fields } as T;
}

function badInputTests(backend: Backend, oracle: Backend): void {
  describe('bad input is rejected by the binding checks, and the backend still works', () => {
    const m: ModelBatch = {
      count: 2,
      dim: 2,
      a: Float64Array.from([0.5, -0.3, 0.9, 0.2]),
      b: Float64Array.from([1, -1, 0.5, 2]),
      c: Float64Array.from([0.3, 0.7, -1, 0.25]),
    };
    const x: SequenceBatch = { count: 3, length: 4, x: Float64Array.from([1, 2, 3, 4, 0, -1, 0.5, 2, 3, 3, -3, 1]) };
    const targets = Float64Array.from([1, -1, 0.5]);
    const teacher: ModelBatch = { count: 1, dim: 1, a: Float64Array.of(0.8), b: Float64Array.of(1), c: Float64Array.of(1) };

    afterEach('a follow-up valid call gives the right numbers', () => {
      const want = oracle.evaluate(m, x, targets, ALL_FIELDS);
      evaluationsClose(backend.evaluate(m, x, targets, ALL_FIELDS), want, 'after bad input');
      assertClose(backend.scan(m, x, 'states'), oracle.scan(m, x, 'states'), EXACT_TOL, 'scan states after bad input');
      const h = oracle.impulseResponse(m, 5);
      assertClose(backend.impulseResponse(m, 5), h, EXACT_TOL, 'impulseResponse after bad input');
    });

    it('wrong array types are TypeErrors naming the parameter (exact messages)', () => {
      const ir = (fields: Record<string, unknown>) => () => backend.impulseResponse(withFields(m, fields), 3);
      rejects(
        ir({ a: [0.5, -0.3, 0.9, 0.2] }),
        TypeError,
        'Expected a Float64Array for a but received Array of type Array',
      );
      rejects(
        ir({ b: new Float32Array(4) }),
        TypeError,
        'Expected a Float64Array for b but received Float32Array(4) of type Float32Array',
      );
      rejects(ir({ c: 'abc' }), TypeError, 'Expected a Float64Array for c but received "abc" of type string');
      rejects(
        ir({ a: undefined }),
        TypeError,
        'Expected a Float64Array for a but received undefined of type undefined',
      );
      rejects(ir({ b: null }), TypeError, /^Expected a Float64Array for b\b.*received null of type null$/);
      rejects(
        () => backend.forward(m, withFields(x, { x: Array.from(x.x) })),
        TypeError,
        /^Expected a Float64Array for inputs but received Array/,
      );
      rejects(
        () => backend.evaluate(m, x, [1, -1, 0.5] as unknown as Float64Array, {}),
        TypeError,
        /^Expected a Float64Array for targets\b/,
      );
      rejects(
        () => backend.evaluate(m, x, new Int32Array(3) as unknown as Float64Array, {}),
        TypeError,
        /for targets but received Int32Array\(3\)/,
      );
      rejects(
        () => backend.extrapolationError(m, withFields(teacher, { a: new Float32Array(1) }), 0, 3),
        TypeError,
        /^Expected a Float64Array for teacher\.a\b/,
      );
      rejects(
        () => backend.effectiveRank(withFields(m, { c: {} })),
        TypeError,
        /^Expected a Float64Array for c but received object of type object$/,
      );
    });

    it('wrong size types are TypeErrors naming the parameter', () => {
      rejects(
        () => backend.impulseResponse(withFields(m, { count: '2' }), 3),
        TypeError,
        'Expected an integer for count but received "2" of type string',
      );
      rejects(
        () => backend.impulseResponse(withFields(m, { dim: undefined }), 3),
        TypeError,
        /^Expected an integer for dim\b/,
      );
      rejects(
        () => backend.impulseResponse(m, '3' as unknown as number),
        TypeError,
        /^Expected an integer for length\b/,
      );
      rejects(
        () => backend.forward(m, withFields(x, { count: 3n })),
        TypeError,
        /^Expected an integer for inputs count but received .* of type bigint$/,
      );
      rejects(
        () => backend.scan(m, x, 'everything' as ScanMode),
        TypeError,
        'Expected an integer for mode but received undefined of type undefined',
      );
    });

    it('NaN and ±Inf inside arrays are RangeErrors naming the parameter and the index', () => {
      const bad = (v: Float64Array, i: number, value: number) => {
        const out = v.slice();
        out[i] = value;
        return out;
      };
      rejects(
        () => backend.impulseResponse(withFields(m, { a: bad(m.a, 2, NaN) }), 3),
        RangeError,
        'Expected finite numbers for a but received NaN at index 2 of type number',
      );
      rejects(
        () => backend.forward(withFields(m, { b: bad(m.b, 0, Infinity) }), x),
        RangeError,
        'Expected finite numbers for b but received an infinite value at index 0 of type number',
      );
      rejects(
        () => backend.scan(withFields(m, { c: bad(m.c, 3, -Infinity) }), x, 'final'),
        RangeError,
        /^Expected finite numbers for c\b.*index 3/,
      );
      rejects(
        () => backend.scan(m, withFields(x, { x: bad(x.x, 7, NaN) }), 'states'),
        RangeError,
        'Expected finite numbers for inputs but received NaN at index 7 of type number',
      );
      rejects(
        () => backend.evaluate(m, x, bad(targets, 1, NaN), ALL_FIELDS),
        RangeError,
        /^Expected finite numbers for targets\b.*index 1/,
      );
      rejects(
        () => backend.extrapolationError(m, withFields(teacher, { c: Float64Array.from([Infinity]) }), 0, 3),
        RangeError,
        /^Expected finite numbers for teacher\.c\b/,
      );
      rejects(
        () => backend.effectiveRank(withFields(m, { a: bad(m.a, 1, NaN) })),
        RangeError,
        /^Expected finite numbers for a\b/,
      );
    });

    it('zero, negative and fractional sizes are RangeErrors naming the parameter', () => {
      const between = 'Expected an integer between 1 and 2147483648';
      rejects(
        () => backend.impulseResponse(withFields(m, { count: 0 }), 3),
        RangeError,
        `${between} for count but received 0 of type number`,
      );
      rejects(
        () => backend.impulseResponse(withFields(m, { dim: -2 }), 3),
        RangeError,
        `${between} for dim but received -2 of type number`,
      );
      rejects(
        () => backend.impulseResponse(withFields(m, { count: 1.5 }), 3),
        RangeError,
        `${between} for count but received 1.5 of type number`,
      );
      rejects(() => backend.impulseResponse(m, 0), RangeError, `${between} for length but received 0 of type number`);
      rejects(() => backend.impulseResponse(m, NaN), RangeError, /for length but received NaN of type number$/);
      rejects(() => backend.forward(m, withFields(x, { count: -1 })), RangeError, /for inputs count\b/);
      rejects(() => backend.forward(m, withFields(x, { length: 2.5 })), RangeError, /for length but received 2\.5\b/);
      rejects(
        () => backend.scan(m, withFields(x, { length: Infinity }), 'outputs'),
        RangeError,
        /for length but received Infinity\b/,
      );
      rejects(
        () => backend.extrapolationError(m, teacher, -1, 3),
        RangeError,
        /^Expected an integer between 0 and 2147483647 for from\b/,
      );
      rejects(
        () => backend.extrapolationError(m, teacher, 5, 3),
        RangeError,
        'Expected an integer between 5 and 2147483647 for to but received 3 of type number',
      );
      rejects(() => backend.extrapolationError(m, teacher, 0.5, 3), RangeError, /for from but received 0\.5\b/);
      rejects(
        () => backend.extrapolationError(m, withFields(m, {}), 0, 3),
        RangeError,
        'Expected 1 for teacher.count but received 2 of type number',
      );
    });

    it('mismatched lengths are RangeErrors naming the parameter and the expected shape', () => {
      rejects(
        () => backend.impulseResponse(withFields(m, { c: new Float64Array(3) }), 3),
        RangeError,
        'Expected 4 elements (count×dim) for c but received Float64Array(3) of type Float64Array',
      );
      rejects(
        () => backend.impulseResponse(withFields(m, { count: 1 }), 3),
        RangeError,
        /^Expected 2 elements \(count×dim\) for a\b/,
      );
      rejects(
        () => backend.forward(m, withFields(x, { length: 5 })),
        RangeError,
        'Expected 15 elements (count×length) for inputs but received Float64Array(12) of type Float64Array',
      );
      rejects(
        () => backend.scan(m, withFields(x, { count: 2 }), 'final'),
        RangeError,
        /^Expected 8 elements \(count×length\) for inputs\b/,
      );
      rejects(
        () => backend.evaluate(m, x, new Float64Array(4), {}),
        RangeError,
        'Expected 3 elements (inputs count) for targets but received Float64Array(4) of type Float64Array',
      );
      rejects(
        () => backend.extrapolationError(m, withFields(teacher, { b: new Float64Array(2) }), 0, 3),
        RangeError,
        /^Expected 1 element \(count×dim\) for teacher\.b\b/,
      );
      rejects(
        () => backend.effectiveRank(withFields(m, { dim: 3 })),
        RangeError,
        /^Expected 6 elements \(count×dim\) for a\b/,
      );
    });

    it('absurd sizes are RangeErrors before any allocation', () => {
      const between = 'Expected an integer between 1 and 2147483648';
      rejects(
        () => backend.impulseResponse(withFields(m, { count: 1e12 }), 3),
        RangeError,
        `${between} for count but received 1000000000000 of type number`,
      );
      rejects(
        () => backend.forward(m, withFields(x, { count: 1e12 })),
        RangeError,
        `${between} for inputs count but received 1000000000000 of type number`,
      );
      rejects(() => backend.impulseResponse(m, 1e12), RangeError, /for length but received 1000000000000\b/);
      rejects(
        () => backend.impulseResponse(withFields(m, { count: 2 ** 20, dim: 2 ** 12 }), 3),
        RangeError,
        'Expected at most 2^31 elements for the model (count×dim) but received 4294967296 of type number',
      );
      rejects(
        () => backend.impulseResponse(m, 2 ** 31),
        RangeError,
        `Expected at most 2^31 elements for the impulse response but received ${m.count * 2 ** 31} of type number`,
      );
      rejects(
        () => backend.forward(m, withFields(x, { count: 2 ** 16, length: 2 ** 16 })),
        RangeError,
        /^Expected at most 2\^31 elements for the inputs \(count×length\)/,
      );

      // States of S·N·K·d = 1·1024·1025·2048 > 2^31 doubles from 8 MB of inputs.
      const wide = zeroModels(1, 2048);
      const long: SequenceBatch = { count: 1024, length: 1025, x: new Float64Array(1024 * 1025) };
      rejects(
        () => backend.scan(wide, long, 'states'),
        RangeError,
        'Expected at most 2^31 elements for the scan states but received 2149580800 of type number',
      );

      // S·K > 2^31 impulse-response entries in forward and evaluate.
      const many = zeroModels(2048, 1);
      const longOne: SequenceBatch = { count: 1, length: 2 ** 20 + 1, x: new Float64Array(2 ** 20 + 1) };
      rejects(
        () => backend.forward(many, longOne),
        RangeError,
        'Expected at most 2^31 elements for the impulse responses (count×length) but received 2147485696 of type number',
      );
      rejects(
        () => backend.evaluate(many, longOne, new Float64Array(1), {}),
        RangeError,
        /for the impulse responses \(count×length\)/,
      );

      // d×d kernel gradient and N×d Jacobian beyond 2^31.
      const huge = zeroModels(1, 2 ** 16);
      const one: SequenceBatch = { count: 1, length: 1, x: Float64Array.from([1]) };
      rejects(
        () => backend.evaluate(huge, one, Float64Array.from([0]), { kernelGrad: true }),
        RangeError,
        /^Expected at most 2\^31 elements for kernelGrad\b/,
      );
      const mid = zeroModels(1, 2049);
      const tall: SequenceBatch = { count: 2 ** 20, length: 1, x: new Float64Array(2 ** 20) };
      rejects(
        () => backend.evaluate(mid, tall, new Float64Array(2 ** 20), { hessian: true }),
        RangeError,
        "Expected at most 2^31 elements for the Hessian's Jacobian (inputs count×dim) but received 2148532224 of type number",
      );
      rejects(() => backend.extrapolationError(m, teacher, 0, 2 ** 31), RangeError, /for to\b/);
    });

    it('numpyRandom and setThreads check their arguments too', () => {
      rejects(
        () => backend.numpyRandom(-1),
        RangeError,
        /^Expected an integer between 0 and 4294967295 for seed but received -1 of type number$/,
      );
      rejects(() => backend.numpyRandom(2 ** 32), RangeError, /for seed\b/);
      rejects(() => backend.numpyRandom('1' as unknown as number), TypeError, /^Expected an integer for seed\b/);
      const rng = backend.numpyRandom(7);
      rejects(() => rng.randomSample(-1), RangeError, /for n\b/);
      rejects(() => rng.normal(NaN, 1, 2), RangeError, /^Expected a finite number for loc\b/);
      rejects(() => rng.normal(0, Infinity, 2), RangeError, /for scale\b/);
      assert.deepEqual(Array.from(rng.randomSample(3)), Array.from(oracle.numpyRandom(7).randomSample(3)));
      if (backend.setThreads) {
        rejects(() => backend.setThreads!(-1), RangeError, /^Expected an integer between 0 and 256 for threads\b/);
        rejects(() => backend.setThreads!(1.5), RangeError, /for threads\b/);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------
// The suite over every backend

function requiredBackends(): string[] {
  return (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

describe('backend conformance', () => {
  const required = requiredBackends();
  const oracleError = backendLoadError('js');
  const oracle = oracleError === undefined ? getBackend('js') : undefined;

  if (required.length > 0) {
    it(`SSM_POISON_REQUIRE_BACKENDS (${required.join(', ')}) names only known backends`, () => {
      const unknown = required.filter((n) => !(BACKEND_NAMES as string[]).includes(n));
      assert.deepEqual(unknown, [], `unknown backend names; known: ${BACKEND_NAMES.join(', ')}`);
    });
  }

  for (const name of BACKEND_NAMES as readonly BackendName[]) {
    const reason = backendLoadError(name);
    if (reason !== undefined) {
      if (required.includes(name)) {
        it(`${name}: loads (required by SSM_POISON_REQUIRE_BACKENDS)`, () => {
          assert.fail(`backend ${name} is required by SSM_POISON_REQUIRE_BACKENDS but does not load: ${reason}`);
        });
      } else {
        it(`${name}: skipped, the backend does not load: ${reason}`, function () {
          this.skip();
        });
      }
      continue;
    }
    const backend = getBackend(name);
    describe(`${name} backend`, () => {
      it('reports its name', () => {
        assert.equal(backend.name, name);
        assert.equal(backend.info().name, name);
      });
      derivativeTests(backend);
      scanTests(backend);
      describeNumpyRandom(name, (seed) => backend.numpyRandom(seed));
      if (name !== 'js') {
        if (oracle) {
          oracleTests(backend, oracle);
          badInputTests(backend, oracle);
        } else {
          it(`against js: skipped, the js oracle does not load: ${oracleError}`, function () {
            this.skip();
          });
        }
      }
    });
  }
});
