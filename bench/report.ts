/**
 * The markdown report of a kernel benchmark run: one row per (κ, d, S), one
 * "evals/s (median ms)" column per backend, the speed ratios of BENCH_RATIOS, the
 * linearity in κ of every backend and the acceptance checks of the issues (native
 * linearity, the speed-ups of SPEEDUPS).
 */
import type { BenchBackendName } from './backends';
import { markdownTable, sig, verdict } from './format';
import { BENCH_RATIOS, type CaseResult, type CaseSpec, LINEARITY, SPEEDUPS } from './grid';

export interface CaseFailure extends CaseSpec {
  name: string;
  error: string;
}

export interface Acceptance {
  check: string;
  value: number | null;
  pass: boolean | null;
}

export interface Report {
  markdown: string;
  linearity: { backend: BenchBackendName; d: number; S: number; value: number | null }[];
  acceptance: Acceptance[];
}

export function buildReport(results: CaseResult[], failures: CaseFailure[], backends: readonly BenchBackendName[]): Report {
  const key = (backend: string, kappa: number, d: number, S: number) => `${backend}|${kappa}|${d}|${S}`;
  const byKey = new Map(results.map((r) => [key(r.backend, r.kappa, r.d, r.S), r]));
  const failed = new Map(failures.map((f) => [key(f.backend, f.kappa, f.d, f.S), f]));
  const sizes = [...new Map([...results, ...failures].map((r) => [`${r.d}|${r.S}|${r.kappa}`, r])).values()]
    .sort((x, y) => x.d - y.d || x.S - y.S || x.kappa - y.kappa);
  const ratios = BENCH_RATIOS.filter(([a, b]) => backends.includes(a) && backends.includes(b));
  const N = sizes[0]?.N;

  const header = ['κ', 'd', 'S', ...backends.map((b) => `${b} evals/s (median ms)`), ...ratios.map(([a, b]) => `${a}/${b}`)];
  const rows = sizes.map(({ kappa, d, S }) => {
    const cells = backends.map((b) => {
      const r = byKey.get(key(b, kappa, d, S));
      if (r) return `${sig(r.evalsPerSecond)} (${sig(r.medianMs)})`;
      return failed.has(key(b, kappa, d, S)) ? 'FAILED' : '–';
    });
    const ratioCells = ratios.map(([a, b]) => {
      const ra = byKey.get(key(a, kappa, d, S));
      const rb = byKey.get(key(b, kappa, d, S));
      return ra && rb ? `${sig(rb.medianMs / ra.medianMs)}×` : '–';
    });
    return [String(kappa), String(d), String(S), ...cells, ...ratioCells];
  });
  const main = markdownTable(header, rows);

  // Linearity: (t(κ = to) / t(κ = from)) / (to / from), 1 for a cost linear in κ.
  const pairs = [...new Map(sizes.map((s) => [`${s.d}|${s.S}`, s])).values()];
  const linearity = backends.flatMap((backend) => pairs.map(({ d, S }) => {
    const lo = byKey.get(key(backend, LINEARITY.from, d, S));
    const hi = byKey.get(key(backend, LINEARITY.to, d, S));
    const value = lo && hi ? hi.medianMs / lo.medianMs / (LINEARITY.to / LINEARITY.from) : null;
    return { backend, d, S, value };
  }));
  const linHeader = ['d', 'S', ...backends];
  const linRows = pairs.map(({ d, S }) => [String(d), String(S), ...backends.map((b) => {
    const v = linearity.find((l) => l.backend === b && l.d === d && l.S === S)?.value;
    return v == null ? '–' : v.toFixed(2);
  })]);
  const linTable = linearity.some((l) => l.value !== null)
    ? markdownTable(linHeader, linRows)
    : `Not measured (needs κ = ${LINEARITY.from} and κ = ${LINEARITY.to}).`;

  const acceptance: Acceptance[] = [];
  for (const l of linearity.filter((x) => x.backend === 'native')) {
    acceptance.push({
      check: `native linearity d=${l.d}, S=${l.S} within ×${LINEARITY.maxFactor} of 1`,
      value: l.value,
      pass: l.value === null ? null : l.value <= LINEARITY.maxFactor && l.value >= 1 / LINEARITY.maxFactor,
    });
  }
  for (const speedup of SPEEDUPS.filter((x) => backends.includes(x.backend) && backends.includes(x.baseline))) {
    const { backend, baseline, kappa, students, min } = speedup;
    for (const { d } of pairs.filter((p) => p.S === students)) {
      const fast = byKey.get(key(backend, kappa, d, students));
      const base = byKey.get(key(baseline, kappa, d, students));
      const value = fast && base ? base.medianMs / fast.medianMs : null;
      acceptance.push({
        check: `${backend}/${baseline} at κ=${kappa}, d=${d}, S=${students} ≥ ${min}×`,
        value,
        pass: value === null ? null : value >= min,
      });
    }
  }
  const accLines = acceptance.map((a) =>
    `- ${verdict(a.pass)} ${a.check}: ${a.value === null ? 'not measured' : a.value.toFixed(2)}`);

  const parts = [
    `### evaluate (forward + gradients a, b, c), N = ${N}: evals/s (median ms)`,
    '',
    main,
    '',
    `Ratios: speed of the first backend over the second (median time of the second / the first).`,
    '',
    `### Linearity in κ: (t(κ=${LINEARITY.to}) / t(κ=${LINEARITY.from})) / ${LINEARITY.to / LINEARITY.from} (1 = linear)`,
    '',
    linTable,
    '',
    '### Acceptance',
    '',
    ...accLines,
  ];
  if (failures.length > 0) {
    parts.push('', '### Failed cases', '', ...failures.map((f) => `- ${f.name}: ${f.error.split('\n').join(' ')}`));
  }
  return { markdown: parts.join('\n'), linearity, acceptance };
}
