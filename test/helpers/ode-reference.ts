/**
 * Reference solutions and error measures for the ODE solver tests (test/ode.test.ts):
 * closed forms of the built-in problems, the 2×2 matrix exponential by eigen
 * decomposition, Robertson's problem at high accuracy, and the error scaled by the
 * tolerances as solve_ivp's tests measure it.
 */
import assert from 'node:assert/strict';

/** Problem numbers of the addon's solveTestProblem (native/core/ode_problems.cc). */
export const PROBLEM = { decay: 0, logistic: 1, linear: 2, robertson: 3 } as const;

/** Method numbers of the ODE options. */
export const METHOD = { dopri5: 0, rosenbrock: 1, auto: 2 } as const;
export type MethodName = keyof typeof METHOD;
export const METHOD_NAMES = Object.keys(METHOD) as MethodName[];

/** y(t) of y' = −k y. */
export function decaySolution(k: number, y0: number, t: number): number {
  return y0 * Math.exp(-k * t);
}

/** y(t) of y' = r y (1 − y/K), y(0) = y0 ≠ 0. */
export function logisticSolution(r: number, K: number, y0: number, t: number): number {
  return K / (1 + (K / y0 - 1) * Math.exp(-r * t));
}

/**
 * exp(tA) for a real 2×2 matrix A = [a, b; c, d] (row-major) by its eigen decomposition:
 * eigenvalues λ = τ/2 ± √(τ²/4 − δ) (τ trace, δ determinant).
 *   real distinct: Sylvester's formula (e^{λ₁t}(A − λ₂I) − e^{λ₂t}(A − λ₁I)) / (λ₁ − λ₂),
 *                  which never forms e^{±st} separately (no overflow for stiff spectra);
 *   complex α ± iω: e^{αt}(cos ωt · I + sin ωt / ω · (A − αI));
 *   repeated λ:     e^{λt}(I + t(A − λI)).
 */
export function expm2(A: ArrayLike<number>, t: number): number[] {
  const [a, b, c, d] = [A[0], A[1], A[2], A[3]];
  const half = (a + d) / 2;
  const disc = ((a - d) / 2) ** 2 + b * c; // τ²/4 − δ
  if (disc > 0) {
    const s = Math.sqrt(disc);
    // λ₁ − λ₂ = 2s; the roots without cancellation
    const l1 = half + s;
    const l2 = half - s;
    const e1 = Math.exp(l1 * t);
    const e2 = Math.exp(l2 * t);
    const m = (x: number, y: number, diag: boolean) => (e1 * (x - (diag ? l2 : 0)) - e2 * (y - (diag ? l1 : 0))) / (2 * s);
    return [m(a, a, true), m(b, b, false), m(c, c, false), m(d, d, true)];
  }
  const e = Math.exp(half * t);
  if (disc < 0) {
    const w = Math.sqrt(-disc);
    const cs = Math.cos(w * t);
    const sn = Math.sin(w * t) / w;
    return [e * (cs + sn * (a - half)), e * sn * b, e * sn * c, e * (cs + sn * (d - half))];
  }
  return [e * (1 + t * (a - half)), e * t * b, e * t * c, e * (1 + t * (d - half))];
}

/** y(t) = exp(tA) y0 for a 2×2 A. */
export function linear2Solution(A: ArrayLike<number>, y0: ArrayLike<number>, t: number): number[] {
  const E = expm2(A, t);
  return [E[0] * y0[0] + E[1] * y0[1], E[2] * y0[0] + E[3] * y0[1]];
}

/** The symmetric 2×2 matrix with eigenvalues l1, l2 and eigenvectors (1, 1), (1, −1). */
export function symmetric2(l1: number, l2: number): Float64Array {
  return new Float64Array([(l1 + l2) / 2, (l1 - l2) / 2, (l1 - l2) / 2, (l1 + l2) / 2]);
}

/**
 * Robertson's problem (Hairer & Wanner II, §IV.1), y(0) = (1, 0, 0). Reference values
 * computed once with SciPy 1.17.1 `solve_ivp(method='Radau', rtol=1e-12,
 * atol=[1e-16, 1e-20, 1e-16], jac=analytic)`; LSODA and BDF at the same tolerances agree
 * to ≤ 3e−11 relative in every component. The t = 40 values agree with Hairer's published
 * reference (0.7158270687193, 0.9185534764529e−5, 0.2841637457458) to all given digits.
 */
export const ROBERTSON_REFERENCE: readonly { t: number; y: readonly [number, number, number] }[] = [
  { t: 0.4, y: [9.8517211386099290e-1, 3.3863953789749665e-5, 1.4794022185217979e-2] },
  { t: 4, y: [9.0551867858425095e-1, 2.2404756875600843e-5, 9.4458916658874126e-2] },
  { t: 40, y: [7.1582706871942814e-1, 9.1855347645584538e-6, 2.8416374574580766e-1] },
  { t: 400, y: [4.5051866847111322e-1, 3.2229014416745306e-6, 5.4947810862744539e-1] },
  { t: 4000, y: [1.8320225777669891e-1, 8.9423712527754458e-7, 8.1679684798617658e-1] },
  { t: 40000, y: [3.8983377085488498e-2, 1.6217683159099250e-7, 9.6101646073768088e-1] },
  { t: 100000, y: [1.7865921142100259e-2, 7.2747514684366472e-8, 9.8213400611038537e-1] },
];

/**
 * The tolerance scale of each entry: atol + rtol·|want_i| (componentwise), or with
 * `rowWidth` = n (outputs stored n per time) atol + rtol·max_j |want_j| over the entry's
 * time row — the fair scale for oscillating components, whose zero crossings make the
 * componentwise scale collapse to atol while the error follows the size of the state.
 */
function scales(want: ArrayLike<number>, rtol: number, atol: number, rowWidth?: number): number[] {
  const out = new Array<number>(want.length);
  for (let i = 0; i < want.length; i++) {
    let m = Math.abs(want[i]);
    if (rowWidth !== undefined) {
      const start = i - (i % rowWidth);
      for (let j = start; j < Math.min(start + rowWidth, want.length); j++) m = Math.max(m, Math.abs(want[j]));
    }
    out[i] = atol + rtol * m;
  }
  return out;
}

/**
 * max_i |got_i − want_i| / scale_i (see `scales`): the global error in units of the
 * requested tolerance. NaN or a length mismatch gives Infinity (never "within").
 */
export function scaledError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  rowWidth?: number,
): number {
  return worstScaled(got, want, rtol, atol, rowWidth).error;
}

function worstScaled(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  rowWidth?: number,
): { error: number; index: number } {
  if (got.length !== want.length) return { error: Infinity, index: -1 };
  const scale = scales(want, rtol, atol, rowWidth);
  let error = 0;
  let index = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / scale[i];
    if (!(e <= error)) {
      error = Number.isNaN(e) ? Infinity : e;
      index = i;
      if (error === Infinity) break;
    }
  }
  return { error, index };
}

/** Asserts scaledError ≤ bound, naming the worst entry; returns the error. */
export function assertWithinTolerance(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  bound: number,
  what: string,
  rowWidth?: number,
): number {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  const { error, index } = worstScaled(got, want, rtol, atol, rowWidth);
  if (!(error <= bound)) {
    const scale = rowWidth === undefined ? 'atol + rtol·|y|' : 'atol + rtol·‖y(t)‖∞';
    assert.fail(
      `${what}: error ${error.toExponential(3)} × (${scale}) > ${bound} (rtol ${rtol}, atol ${atol}); ` +
        `worst at index ${index}: got ${got[index]}, want ${want[index]}`,
    );
  }
  return error;
}

/** n times evenly spaced on [a, b] (both ends included). */
export function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + ((b - a) * i) / (n - 1)));
}

/** n times log-spaced on [a, b], a, b > 0 (both ends included). */
export function logspace(a: number, b: number, n: number): number[] {
  const la = Math.log10(a);
  const lb = Math.log10(b);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : 10 ** (la + ((lb - la) * i) / (n - 1))));
}
