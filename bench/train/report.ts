/**
 * The markdown report of the training benchmark: one row per case, one
 * "epochs/s (median ms)" column per backend that ran, the speed ratios of TRAIN_RATIOS
 * and the targets for the native build.
 */
import type { BenchBackendName } from '../backends';
import { markdownTable, sig, verdict } from '../format';
import { TARGETS, TRAIN_RATIOS, type TrainCaseDef, trainCaseName, type TrainCaseId } from './cases';

export interface TrainSummary {
  name: string;
  case: TrainCaseId;
  backend: BenchBackendName;
  epochsPerIteration: number;
  /** Median over the rounds of each process's median iteration time. */
  medianMs: number;
  epochsPerSecond: number;
  /** Per-round epochs/s (one process each). */
  rounds: number[];
}

export interface TrainFailure {
  name: string;
  round: number;
  error: string;
}

export function buildMarkdown(summaries: readonly TrainSummary[], cases: readonly TrainCaseDef[],
  backends: readonly BenchBackendName[], failures: readonly TrainFailure[]): string {
  const get = (c: string, b: BenchBackendName) => summaries.find((s) => s.case === c && s.backend === b);
  const cols = backends.filter((b) => summaries.some((s) => s.backend === b));
  const ratios = TRAIN_RATIOS.filter(([x, y]) => cols.includes(x) && cols.includes(y));
  const header = ['case', 'κ', 'd', 'N', 'epochs / iteration', ...cols.map((b) => `${b} epochs/s (median ms)`),
    ...ratios.map(([x, y]) => `${x}/${y}`)];
  const rows = cases.map((c) => [
    c.id, String(c.kappa), String(c.d), String(c.N), c.epochs.toLocaleString('en-US'),
    ...cols.map((b) => {
      const s = get(c.id, b);
      if (s) return `${sig(s.epochsPerSecond)} (${sig(s.medianMs)})`;
      return failures.some((f) => f.name === trainCaseName(c, b)) ? 'FAILED' : '–';
    }),
    ...ratios.map(([x, y]) => {
      const sx = get(c.id, x), sy = get(c.id, y);
      return sx && sy ? `${(sy.medianMs / sx.medianMs).toFixed(2)}×` : '–';
    }),
  ]);
  const targets = cases.map((c) => {
    const s = get(c.id, 'native');
    const t = TARGETS[c.id];
    return `- ${verdict(s ? s.epochsPerSecond >= t : null)} native ${c.id} ≥ ${t.toLocaleString('en-US')} epochs/s: ` +
      (s ? sig(s.epochsPerSecond) : 'not measured');
  });
  const parts = ['### Training epochs per second (one student, full batch, one thread)', '', markdownTable(header, rows, 1), '',
    ...cases.map((c) => `- ${c.id}: ${c.description}`), '', 'Targets:', '', ...targets];
  if (failures.length > 0) parts.push('', 'Failed processes:', '', ...failures.map((f) => `- ${f.name} (round ${f.round}): ${f.error.split('\n').join(' ')}`));
  return parts.join('\n');
}
