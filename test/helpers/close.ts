/**
 * Norm-wise relative error, the one closeness measure of the conformance tests:
 * max|got − want| / max|want| over a whole array.
 */
import assert from 'node:assert/strict';

export interface ErrorReport {
  /** max|got − want| / max|want|; the absolute error when want is all zero; NaN if any
   * difference is NaN (a NaN is never "close"). */
  error: number;
  /** max|got − want| and where it occurs. */
  absolute: number;
  index: number;
  /** max|want|. */
  scale: number;
}

/** The norm-wise relative error of `got` against `want` (same length required). */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>): ErrorReport {
  if (got.length !== want.length) {
    throw new RangeError(`Cannot compare arrays of ${got.length} and ${want.length} entries`);
  }
  let absolute = 0;
  let index = -1;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= absolute)) {
      absolute = diff; // a NaN sticks: nothing compares greater than it afterwards
      index = i;
      if (Number.isNaN(diff)) break;
    }
    const w = Math.abs(want[i]);
    if (w > scale) scale = w;
  }
  const error = scale === 0 || !Number.isFinite(scale) ? absolute : absolute / scale;
  return { error, absolute, index, scale };
}

/** max|got − want| / max|want| (see ErrorReport). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  return compare(got, want).error;
}

function show(v: number): string {
  return Number.isFinite(v) ? v.toExponential(3) : String(v);
}

/**
 * Asserts max|got − want| / max|want| ≤ tolerance. The message names the quantity, the
 * error, the tolerance and the worst entry.
 */
export function assertClose(
  got: ArrayLike<number> | undefined,
  want: ArrayLike<number>,
  tolerance: number,
  what: string,
): void {
  assert.ok(got !== undefined, `${what}: the result is missing`);
  assert.equal(got.length, want.length, `${what}: ${got.length} entries, expected ${want.length}`);
  const r = compare(got, want);
  if (!(r.error <= tolerance)) {
    const at = r.index >= 0 ? `; worst at index ${r.index}: got ${got[r.index]}, want ${want[r.index]}` : '';
    assert.fail(
      `${what}: relative error ${show(r.error)} > tolerance ${show(tolerance)} ` +
        `(max|got−want| ${show(r.absolute)}, max|want| ${show(r.scale)}${at})`,
    );
  }
}

/** Entry-wise relative error max_i |got_i − want_i| / max(|want_i|, 1e−12). */
export function maxEntryRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-12));
  return worst;
}

/** A small seeded generator of numbers in (0, 1) for test data (Park–Miller). */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}
