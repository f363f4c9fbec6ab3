/**
 * The gradient-descent benchmark (`npm run bench:train`): training epochs per second of
 * one student, full batch, for the cases of bench/train/cases.ts × their backends. Every
 * case runs in its own `node dist/bench/train/case.js` process (tinybench inside), one
 * after the other (never in parallel), single-threaded (SSM_POISON_THREADS=1,
 * OPENBLAS_NUM_THREADS=1 in the children). With --rounds n the whole sequence of processes
 * runs n times, interleaved, and each case's figure is the median over the rounds of its
 * per-process median (spreads machine-load drift over all cases); the ratios come from
 * those medians, measured in the same run. Writes bench/results/train-<date>.json and
 * prints a markdown table with the load average.
 *
 *   node dist/bench/train/run.js [--cases standalone-k6,k1024-d64] [--backends native,js]
 *     [--rounds 3] [--time 1000] [--min-iterations 5] [--quick] [--out <file>]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { BackendName } from '../../lib/backends/backend';
import { backendLoadError } from '../../lib/backends/loader';
import { SsmPoisonError } from '../../lib/errors';
import { rangeError } from '../../lib/validate';
import { backendList, positiveInteger } from '../args';
import {
  DEFAULT_MIN_ITERATIONS,
  DEFAULT_ROUNDS,
  DEFAULT_TIME_MS,
  TARGETS,
  TRAIN_BACKENDS,
  TRAIN_CASES,
  TRAIN_RATIOS,
  type TrainCaseDef,
  type TrainCaseResult,
  trainCase,
  trainCaseName,
} from './cases';

const OPTIONS = {
  cases: { type: 'string' },
  backends: { type: 'string' },
  rounds: { type: 'string' },
  time: { type: 'string' },
  'min-iterations': { type: 'string' },
  quick: { type: 'boolean', default: false },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const USAGE = `Usage: node dist/bench/train/run.js [options]   (or: npm run bench:train)

Training epochs per second (full batch, one student, one thread) of the native loop
against the pure-TypeScript loop, one process per case, markdown table with ratios.

Options:
  --cases <list>           ${TRAIN_CASES.map((c) => c.id).join(', ')} (default: all)
  --backends <list>        restrict to these backends (default: each case's own list)
  --rounds <n>             interleaved repetitions of all processes (default ${DEFAULT_ROUNDS})
  --time <ms>              tinybench time budget per process (default ${DEFAULT_TIME_MS})
  --min-iterations <n>     at least n measured iterations per process (default ${DEFAULT_MIN_ITERATIONS})
  --quick                  1 round, 300 ms, 3 iterations (a smoke run)
  --out <file>             results JSON (default bench/results/train-<date>.json)
  -h, --help               this text`;

const CASE_SCRIPT = path.join(__dirname, 'case.js');
const RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', 'bench', 'results');
const CHILD_ENV = { SSM_POISON_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

interface Job {
  def: TrainCaseDef;
  backend: BackendName;
}

interface Failure {
  name: string;
  round: number;
  error: string;
}

export interface TrainSummary {
  name: string;
  case: string;
  backend: BackendName;
  epochsPerIteration: number;
  /** Median over the rounds of each process's median iteration time. */
  medianMs: number;
  epochsPerSecond: number;
  /** Per-round epochs/s (one process each). */
  rounds: number[];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Three significant digits, thousands separated for large values. */
function sig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

function runJob(job: Job, time: number, minIterations: number): TrainCaseResult | string {
  const args = [CASE_SCRIPT, '--case', job.def.id, '--backend', job.backend, '--time', String(time),
    '--min-iterations', String(minIterations)];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CHILD_ENV },
    maxBuffer: 16 * 1024 * 1024,
  });
  const stderr = (child.stderr ?? '').trim();
  if (stderr) log(stderr.split('\n').map((l) => `    ${l}`).join('\n'));
  const lines = (child.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  if (child.status === 0 && lines.length > 0) {
    try {
      return JSON.parse(lines[lines.length - 1]) as TrainCaseResult;
    } catch {
      // reported below
    }
  }
  return child.error?.message ?? (stderr || `exit code ${child.status}, signal ${child.signal}, no JSON result`);
}

export function buildMarkdown(summaries: readonly TrainSummary[], cases: readonly TrainCaseDef[], backends: readonly BackendName[],
  failures: readonly Failure[]): string {
  const get = (c: string, b: BackendName) => summaries.find((s) => s.case === c && s.backend === b);
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
  const table = [header, header.map((_, i) => (i === 0 ? '---' : '---:')), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const targets = cases.map((c) => {
    const s = get(c.id, 'native');
    const t = TARGETS[c.id];
    return `- ${s ? (s.epochsPerSecond >= t ? 'PASS' : 'FAIL') : 'n/a '} native ${c.id} ≥ ${t.toLocaleString('en-US')} epochs/s: ` +
      (s ? sig(s.epochsPerSecond) : 'not measured');
  });
  const parts = ['### Training epochs per second (one student, full batch, one thread)', '', ...table, '',
    ...cases.map((c) => `- ${c.id}: ${c.description}`), '', 'Targets:', '', ...targets];
  if (failures.length > 0) parts.push('', 'Failed processes:', '', ...failures.map((f) => `- ${f.name} (round ${f.round}): ${f.error.split('\n').join(' ')}`));
  return parts.join('\n');
}

function loadAvg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(', ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cases = values.cases === undefined
    ? [...TRAIN_CASES]
    : values.cases.split(',').map((v) => v.trim()).filter((v) => v !== '').map((id) => {
      const c = trainCase(id);
      if (!c) throw rangeError(`a list of ${TRAIN_CASES.map((x) => x.id).join(', ')}`, '--cases', values.cases);
      return c;
    });
  const explicit = values.backends !== undefined;
  const requested = explicit ? backendList(values.backends!, '--backends') : [...TRAIN_BACKENDS];
  const quick = values.quick;
  const rounds = values.rounds !== undefined ? positiveInteger(values.rounds, '--rounds') : quick ? 1 : DEFAULT_ROUNDS;
  const time = values.time !== undefined ? positiveInteger(values.time, '--time', 0) : quick ? 300 : DEFAULT_TIME_MS;
  const minIterations = values['min-iterations'] !== undefined
    ? positiveInteger(values['min-iterations'], '--min-iterations')
    : quick ? 3 : DEFAULT_MIN_ITERATIONS;

  const skipped: { backend: BackendName; reason: string }[] = [];
  const backends: BackendName[] = [];
  for (const name of requested) {
    if (name !== 'native' && name !== 'native-portable' && name !== 'js') {
      skipped.push({ backend: name, reason: 'no training loop for this backend' });
      continue;
    }
    const error = backendLoadError(name);
    if (error === undefined) backends.push(name);
    else skipped.push({ backend: name, reason: error });
  }
  if (explicit && skipped.length > 0) {
    throw new SsmPoisonError(`Cannot benchmark: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
      'ERR_SSM_BACKEND_UNAVAILABLE');
  }
  for (const s of skipped) log(`skipping backend ${s.backend}: ${s.reason}`);

  const jobs: Job[] = cases.flatMap((def) => def.backends.filter((b) => backends.includes(b)).map((backend) => ({ def, backend })));
  if (jobs.length === 0) throw new SsmPoisonError('No case to benchmark', 'ERR_SSM_BACKEND_UNAVAILABLE');
  const started = new Date();
  const full = values.cases === undefined && !explicit && !quick;
  const outFile = values.out !== undefined
    ? path.resolve(values.out)
    : path.join(RESULTS_DIR, `train-${started.toISOString().slice(0, 10)}${full ? '' : quick ? '-quick' : '-partial'}.json`);

  const cpus = os.cpus();
  const environment = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    totalMemoryGB: Math.round(os.totalmem() / 2 ** 30),
    childEnv: CHILD_ENV,
  };
  const loadBefore = os.loadavg();
  const results: (TrainCaseResult & { round: number })[] = [];
  const failures: Failure[] = [];
  const summarize = (): TrainSummary[] => jobs.flatMap(({ def, backend }) => {
    const mine = results.filter((r) => r.case === def.id && r.backend === backend);
    if (mine.length === 0) return [];
    const medianMs = median(mine.map((r) => r.medianMs));
    return [{
      name: trainCaseName(def, backend), case: def.id, backend, epochsPerIteration: def.epochs, medianMs,
      epochsPerSecond: def.epochs / (medianMs / 1000), rounds: mine.map((r) => r.epochsPerSecond),
    }];
  });
  const save = (extra: Record<string, unknown> = {}) => {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    const doc = {
      suite: 'train', operation: 'full-batch training epochs, one student', started: started.toISOString(), environment,
      options: { cases: cases.map((c) => c.id), backends, skipped, rounds, timeMs: time, minIterations },
      cases: cases.map(({ id, description, kappa, d, N, optimizer, epochs, guardEpochs }) =>
        ({ id, description, kappa, d, N, optimizer, epochsPerIteration: epochs, guardEpochs })),
      loadAverage: { before: loadBefore, after: os.loadavg() },
      summary: summarize(), results, failures, ...extra,
    };
    fs.writeFileSync(outFile, `${JSON.stringify(doc, null, 2)}\n`);
  };

  log(`training benchmark: ${jobs.length} processes × ${rounds} rounds, time ${time} ms, min ${minIterations} iterations; ` +
    `load average ${loadAvg()}; results → ${path.relative(process.cwd(), outFile)}`);
  const t0 = performance.now();
  for (let round = 1; round <= rounds; round++) {
    for (const job of jobs) {
      const name = trainCaseName(job.def, job.backend);
      const outcome = runJob(job, time, minIterations);
      const tag = `[round ${round}/${rounds}] ${name}`;
      if (typeof outcome === 'string') {
        failures.push({ name, round, error: outcome });
        log(`${tag}: FAILED`);
      } else {
        results.push({ ...outcome, round });
        log(`${tag}: ${sig(outcome.epochsPerSecond)} epochs/s, median ${sig(outcome.medianMs)} ms, ${outcome.samples} samples` +
          (outcome.guard.maxRelError === null ? '' : `, guard ${outcome.guard.maxRelError.toExponential(1)}`));
      }
      save();
    }
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const summaries = summarize();
  const markdown = buildMarkdown(summaries, cases, backends, failures);
  const info = results.find((r) => r.backend === 'native')?.backendInfo;
  const loadAfter = os.loadavg();
  const lines = [
    markdown,
    '',
    `Machine: ${environment.cpu}, ${environment.cpus} CPUs, ${environment.totalMemoryGB} GB, Node ${environment.node}` +
      (info ? `; native: ${String(info.blas)}` : '') + '; children with SSM_POISON_THREADS=1, OPENBLAS_NUM_THREADS=1.',
    `Load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(', ')} before, ` +
      `${loadAfter.map((x) => x.toFixed(2)).join(', ')} after.`,
    `Per process: tinybench, time budget ${time} ms, at least ${minIterations} measured iterations after ≥ 1 warmup; ` +
      `${rounds} interleaved round${rounds > 1 ? 's' : ''}, median of the per-process medians.`,
    ...skipped.map((s) => `Skipped ${s.backend}: ${s.reason}`),
    `Total ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  ];
  save({ totalSeconds, markdown });
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:train: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
