/** Number and table formatting shared by the benchmark reports. */

/** Three significant digits, thousands separated for large values. */
export function sig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

/** The median (NaN for no values). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A markdown table; the first `leftColumns` columns are left-aligned, the others right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 0): string {
  const sep = header.map((_, i) => (i < leftColumns ? '---' : '---:'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** "PASS", "FAIL" or "n/a " (not measured). */
export function verdict(pass: boolean | null): string {
  return pass === null ? 'n/a ' : pass ? 'PASS' : 'FAIL';
}
