/**
 * `ssm-poison reproduce [theorem1|standalone|mlp|dynamics|all]`: the paper's experiments
 * (SPEC §8), each without and with special sequences, per seed; a table per experiment with
 * the published values beside ours where the paper prints them; results.json, results.csv
 * and the SVG figures (dynamics: the largest |a_i|, effective rank and γ^(0) over the epochs;
 * Theorem 1: the gradient flow over log time; not with --no-figures) in --out (each written
 * to a temporary name, then renamed: never half-written).
 *
 * --quick (default): both Theorem-1 configurations and the first (κ = 6) standalone,
 * SSM-in-MLP and dynamics configurations, every seed; --full: every published configuration.
 * stdout gets the result only; progress lines go to stderr (not with --json or --quiet).
 * Ctrl-C stops the running experiment and keeps what finished (exit code 130).
 */
import fs from 'node:fs';
import path from 'node:path';

import { type BackendChoice, backendInfo } from '../backends/loader';
import { EXPERIMENT_GROUPS, type ExperimentGroup, type ExperimentPlan, type ExperimentResult, THEOREM1_INTEGRATION, experimentPlans } from '../experiments/reproduce';
import { RISE_THRESHOLD } from '../experiments/dynamics';
import { experimentFigures } from '../plots';
import { version } from '../version';
import { INTERRUPTED_EXIT_CODE, toJson, UsageError, withInterrupt } from './io';
import { cliRunBackend } from './run-backend';

export interface ReproduceOptions {
  full?: boolean;
  json?: boolean;
  out?: string;
  backend?: BackendChoice;
  seed?: number;
  quiet?: boolean;
  /** false: no SVG figures (commander's --no-figures). */
  figures?: boolean;
}

/** The experiments a selection runs. */
export function selectPlans(which: string, full: boolean): ExperimentPlan[] {
  if (which !== 'all' && !EXPERIMENT_GROUPS.includes(which as ExperimentGroup)) {
    throw new UsageError(`Expected one of ${[...EXPERIMENT_GROUPS, 'all'].join(', ')} for the experiment but received ${JSON.stringify(which)}`);
  }
  const plans = experimentPlans().filter((p) => which === 'all' || p.group === which);
  if (full) return plans;
  // quick: both Theorem-1 configurations (seconds), the first of the others (dynamics: standalone_L6_d10)
  const seen = new Set<ExperimentGroup>();
  return plans.filter((p) => {
    if (p.group === 'theorem1') return true;
    if (seen.has(p.group)) return false;
    seen.add(p.group);
    return true;
  });
}

const g = (x: number | undefined, digits = 4) =>
  x === undefined || Number.isNaN(x) ? '-' : x === 0 ? '0' : x.toPrecision(digits).replace(/\.?0+e/, 'e');

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  return cells.map((row) => row.map((c, j) => (j === 0 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd()).join('\n');
}

/** One experiment as a readable table. */
export function formatExperiment(e: ExperimentResult): string {
  const metric = e.metric === 'testError' ? 'test error' : 'extrapolation error';
  const value = (s: ExperimentResult['runs'][number]['clean']) => (e.metric === 'testError' ? s.testError : s.extrapolationError);
  const rows = [['seed', 'train loss (clean)', `${metric} (clean)`, 'train loss (poisoned)', `${metric} (poisoned)`, 'ratio']];
  for (const r of e.runs) {
    rows.push([String(r.seed), g(r.clean.trainLoss, 3), g(value(r.clean), 6), g(r.poisoned.trainLoss, 3), g(value(r.poisoned), 6),
      g((value(r.poisoned) ?? NaN) / (value(r.clean) ?? NaN), 3)]);
  }
  const s = e.summary;
  const mean = (x: typeof s.clean) => (e.metric === 'testError' ? x.meanTestError : x.meanExtrapolationError);
  rows.push(['mean', g(s.clean.meanTrainLoss, 3), g(mean(s.clean), 6), g(s.poisoned.meanTrainLoss, 3), g(mean(s.poisoned), 6), g(s.ratio, 3)]);
  if (s.published) rows.push(['paper', '≈ 0', g(s.published.clean, 6), '≈ 0', g(s.published.poisoned, 6), g(s.published.poisoned / s.published.clean, 3)]);
  const verdict = s.poisonedWorseOnEverySeed
    ? `special sequences raise the ${metric} on every seed (mean ×${g(s.ratio, 3)})`
    : s.ratio > 1 ? `special sequences raise the mean ${metric} ×${g(s.ratio, 3)}, not on every seed`
      : `special sequences do not raise the mean ${metric} (×${g(s.ratio, 3)})`;
  return `${e.name}\n${pad(rows)}\n${verdict}\n${(e.series ?? []).map(dynamicsLine).join('')}${officialMlpLine(e)}`;
}

/** The SSM-in-MLP notebook's printed test errors per seed beside the table (float32 Keras). */
function officialMlpLine(e: ExperimentResult): string {
  const printed = e.runs.filter((r) => r.official?.clean && r.official.poisoned);
  if (printed.length === 0) return '';
  const seeds = printed.map((r) => {
    const c = r.official!.clean!.final.testError;
    const p = r.official!.poisoned!.final.testError;
    return `${r.seed} ${g(c, 3)} / ${g(p, 3)} (×${g(p / c, 3)})`;
  });
  return `official notebook (float32 Keras), test error clean / poisoned: ${seeds.join(', ')}\n`;
}

/** How the largest |a_i| rose in one dynamics seed (RiseSummary, lib/experiments/dynamics.ts). */
function dynamicsLine(x: NonNullable<ExperimentResult['series']>[number]): string {
  const side = (r: typeof x.clean.rise) => {
    const risen = `${r.risen} entr${r.risen === 1 ? 'y' : 'ies'} ≥ ${RISE_THRESHOLD}`;
    const spread = r.riseSpread === null ? '' : `, rise-epoch spread ×${g(r.riseSpread, 3)}`;
    return `${risen}${spread}, |a|(2)/|a|(1) ${g(r.secondToFirst, 2)} when |a|(1) is half-grown`;
  };
  return `seed ${x.seed} dynamics: without: ${side(x.clean.rise)}; with: ${side(x.poisoned.rise)}\n${officialLine(x)}`;
}

/** The official notebook's printed final values beside ours (float32 Keras against our float64). */
function officialLine(x: NonNullable<ExperimentResult['series']>[number]): string {
  const sides = (['clean', 'poisoned'] as const).filter((k) => x.official[k] !== null);
  if (sides.length === 0) return '';
  const part = (k: 'clean' | 'poisoned') => {
    const printed = x.official[k]!.final;
    const ours = x.reported[k];
    const top = (v: readonly number[]) => v.slice(0, 3).map((a) => g(a, 4)).join(', ');
    return `${k === 'clean' ? 'without' : 'with'}: train loss ${g(printed.trainLoss, 4)} (ours ${ours ? g(ours.trainLoss, 4) : '-'}), `
      + `|a| ${top(printed.absA)} (ours ${ours ? top(ours.absA) : '-'})`;
  };
  return `seed ${x.seed} official notebook (float32 Keras), final values: ${sides.map(part).join('; ')}\n`;
}

const CSV_COLUMNS = ['experiment', 'seed', 'side', 'train_loss', 'extrapolation_error', 'test_error', 'status', 'stop_epoch', 'epochs', 'seconds'];

export function toCsv(results: readonly ExperimentResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of results) {
    for (const r of e.runs) {
      for (const side of ['clean', 'poisoned'] as const) {
        const s = r[side];
        lines.push([e.name, r.seed, side, s.trainLoss, s.extrapolationError, s.testError ?? '', s.status, s.stopEpoch ?? '', s.epochs ?? '', s.seconds]
          .map(String).join(','));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a file through a temporary name in the same directory, then renames it. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function defaultOut(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return path.join('ssm-poison-results', stamp);
}

export async function reproduceCommand(which: string, options: ReproduceOptions): Promise<number> {
  const plans = selectPlans(which, options.full === true);
  const backend = cliRunBackend(options.backend, 'the training loops and the gradient flow');
  const out = options.out ?? defaultOut();
  const quiet = options.json === true || options.quiet === true;
  const say = (text: string) => { if (!quiet) process.stderr.write(`ssm-poison reproduce: ${text}\n`); };

  const results: ExperimentResult[] = [];
  const started = performance.now();
  let interrupted = false;
  let figures: Awaited<ReturnType<typeof experimentFigures>> = [];
  await withInterrupt(async (signal) => {
    for (const plan of plans) {
      if (signal.aborted) break;
      const result = await plan.run({
        backend, signal, seeds: options.seed === undefined ? undefined : [options.seed], onProgress: say,
      });
      const aborted = result.runs.some((r) => r.clean.status === 'aborted' || r.poisoned.status === 'aborted');
      if (aborted) break;
      results.push(result);
      if (!options.json) process.stdout.write(`${formatExperiment(result)}\n`);
    }
    interrupted = signal.aborted;
    if (options.figures !== false && !interrupted) {
      figures = await experimentFigures(results, { backend, signal, onProgress: say });
      interrupted = signal.aborted;
    }
  });
  fs.mkdirSync(out, { recursive: true });
  const files = [path.join(out, 'results.json'), path.join(out, 'results.csv'), ...figures.map((f) => path.join(out, f.file))];
  const info = { ...backendInfo(backend), version };
  const doc = {
    experiments: results, files, backend: info, interrupted,
    settings: { selection: which, mode: options.full ? 'full' : 'quick', theorem1Integration: THEOREM1_INTEGRATION },
    seconds: (performance.now() - started) / 1000,
  };
  writeAtomic(files[0], `${toJson(doc)}\n`);
  writeAtomic(files[1], toCsv(results));
  figures.forEach((f, k) => writeAtomic(files[2 + k], f.svg));
  if (options.json) process.stdout.write(`${toJson(doc)}\n`);
  else process.stdout.write(`${interrupted ? 'interrupted; ' : ''}${results.length} experiment(s) in ${doc.seconds.toFixed(1)} s; files: ${files.join(', ')}\n`);
  return interrupted ? INTERRUPTED_EXIT_CODE : 0;
}
