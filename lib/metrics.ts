/** Metrics of SPEC §7. */
import { type BackendOption, DiagonalSSM, type DiagonalSSMParams } from './model';
import { getBackend } from './backends/loader';
import { checkInteger, checkObject, toVector } from './validate';

export interface ExtrapolationRange {
  /** First index j (inclusive, default 0). */
  from?: number;
  /** Last index j (inclusive, default 39 — the official GD experiments). */
  to?: number;
}

/** max_{j∈[from,to]} |h_j − h*_j| / max_{j∈[from,to]} |h*_j|. The Theorem-1 experiment
 * uses { from: 1, to: 20 }. */
export function extrapolationError(student: DiagonalSSM | DiagonalSSMParams, teacher: DiagonalSSM | DiagonalSSMParams,
  range: ExtrapolationRange = {}, options?: BackendOption): number {
  const s = student instanceof DiagonalSSM ? student : new DiagonalSSM(student, 'student');
  const t = teacher instanceof DiagonalSSM ? teacher : new DiagonalSSM(teacher, 'teacher');
  checkObject(range, 'range', ['from', 'to']);
  const from = range.from === undefined ? 0 : checkInteger(range.from, 'range.from', 0, 2 ** 31 - 1);
  const to = range.to === undefined ? Math.max(from, 39) : checkInteger(range.to, 'range.to', from, 2 ** 31 - 1);
  if (options !== undefined) checkObject(options, 'options', ['backend']);
  return getBackend(options?.backend).extrapolationError(s.toBatch(), t.toBatch(), from, to)[0];
}

/** exp(−Σ p_i log p_i), p = |a| / Σ|a|. */
export function effectiveRank(a: ArrayLike<number>, options?: BackendOption): number {
  const v = toVector(a, 'a');
  if (options !== undefined) checkObject(options, 'options', ['backend']);
  return getBackend(options?.backend).effectiveRank({ count: 1, dim: v.length, a: v, b: v, c: v })[0];
}
