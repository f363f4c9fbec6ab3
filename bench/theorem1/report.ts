/**
 * The markdown report of the Theorem-1 benchmark: one row per case (whole-process wall
 * time and in-process compute time, medians, with the speed ratio of ssm-poison lsoda
 * over every case), the per-run table and the acceptance checks of the issue.
 */
import { markdownTable, sig, verdict } from '../format';

/** One case of the table, e.g. `theorem1-16::ssm-poison:lsoda`. */
export interface CaseSummary {
  name: string;
  label: string;
  /** Wall times (ms) of every measured repetition, spawn to exit. */
  wallMs: number[];
  /** In-process compute times (ms) of every repetition, as the process reported them. */
  computeMs: number[];
  wallMedianMs: number;
  computeMedianMs: number;
  /** Max relative difference of the 16 extrapolation errors from the published ones (worst repetition). */
  maxRelDiff: number;
  /** Per run (16), the median time (ms) over the repetitions. */
  perRunMs: number[];
}

export interface Acceptance {
  check: string;
  value: number | null;
  min: number;
  pass: boolean | null;
}

export interface PerRunRow {
  name: string;
  seed: number;
  poisoned: boolean;
  published: number;
  /** case name → { error, ms } */
  cases: Record<string, { extrapolationError: number; relDiff: number; medianMs: number }>;
}

/** Acceptance (the issue): ssm-poison (lsoda) against the official code and the vectorized script. */
export const ACCEPTANCE = [
  { baseline: 'theorem1-16::scipy:official', min: 100 },
  { baseline: 'theorem1-16::scipy:vectorized', min: 3 },
] as const;
export const REFERENCE_CASE = 'theorem1-16::ssm-poison:lsoda';

export function buildReport(cases: CaseSummary[], perRun: PerRunRow[]): { markdown: string; acceptance: Acceptance[] } {
  const ref = cases.find((c) => c.name === REFERENCE_CASE);
  const header = ['16 runs', 'processes', 'wall, median (s)', 'compute, median (s)', 'wall / lsoda', 'compute / lsoda',
    'max rel. diff. from published'];
  const rows = cases.map((c) => [
    c.label,
    String(c.wallMs.length),
    sig(c.wallMedianMs / 1000),
    sig(c.computeMedianMs / 1000),
    ref ? `${sig(c.wallMedianMs / ref.wallMedianMs)}×` : '–',
    ref ? `${sig(c.computeMedianMs / ref.computeMedianMs)}×` : '–',
    c.maxRelDiff.toExponential(1),
  ]);

  const acceptance: Acceptance[] = ACCEPTANCE.map(({ baseline, min }) => {
    const base = cases.find((c) => c.name === baseline);
    const value = ref && base ? base.wallMedianMs / ref.wallMedianMs : null;
    return { check: `${REFERENCE_CASE} ≥ ${min}× faster than ${baseline} (whole processes, medians)`, value, min,
      pass: value === null ? null : value >= min };
  });
  const accLines = acceptance.map((a) =>
    `- ${verdict(a.pass)} ${a.check}: ${a.value === null ? 'not measured' : `${sig(a.value)}×`}`);

  const names = cases.map((c) => c.name);
  const runHeader = ['run', 'published', ...cases.map((c) => `${c.label} ms`)];
  const runRows = perRun.map((r) => [
    `${r.name} seed ${r.seed} ${r.poisoned ? 'poisoned' : 'clean'}`,
    r.published.toPrecision(6),
    ...names.map((n) => {
      const v = r.cases[n];
      return v ? sig(v.medianMs) : '–';
    }),
  ]);

  const parts = [
    '### Theorem-1 table (2 configs × 4 seeds × clean/poisoned = 16 gradient flows), whole processes',
    '',
    markdownTable(header, rows, 1),
    '',
    'wall: spawn to exit of the whole process (interpreter start-up, imports, the 16 runs, output); ' +
      'compute: the 16 runs as timed inside the process. x / lsoda: median of the row / median of ssm-poison lsoda ' +
      '(how many times faster ssm-poison lsoda is).',
    '',
    '### Per run: median ms inside the process',
    '',
    markdownTable(runHeader, runRows, 1),
    '',
    '### Acceptance',
    '',
    ...accLines,
  ];
  return { markdown: parts.join('\n'), acceptance };
}
