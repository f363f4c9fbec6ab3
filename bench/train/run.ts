/**
 * The gradient-descent benchmark (`npm run bench:train`): training epochs per second of
 * one student, full batch, for the cases of bench/train/cases.ts × their backends. Every
 * case runs in its own `node dist/bench/train/case.js` process (tinybench inside), one
 * after the other (never in parallel), single-threaded (SSM_POISON_THREADS=1,
 * OPENBLAS_NUM_THREADS=1 in the children). With --rounds n the whole sequence of processes
 * runs n times, interleaved, and each case's figure is the median over the rounds of its
 * per-process median (spreads machine-load drift over all cases); the ratios come from
 * those medians, measured in the same run. Backends that cannot train here
 * (bench/train/trainers.ts) are skipped with the reason. Writes
 * bench/results/train-<date>.json and prints a markdown table with the load average.
 *
 *   node dist/bench/train/run.js [--cases standalone-k6,k1024-d64] [--backends native,js]
 *     [--rounds 3] [--time 1000] [--min-iterations 5] [--quick] [--out <file>]
 */
import os from 'node:os';
import path from 'node:path';

import { SsmPoisonError } from '../../lib/errors';
import { rangeError } from '../../lib/validate';
import { positiveInteger } from '../args';
import { type BenchBackendName, benchBackendList, selectBackends } from '../backends';
import { log, parseCommandLine, parseTiming, printedHelp, RUNNER_OPTIONS, runMain, TIMING_OPTIONS, timingArgs } from '../cli';
import { median, sig } from '../format';
import { nodeScript, type ProcessJob, runRounds } from '../processes';
import { formatLoad, loadLine, machine, machineLine, resultsFile, writeResults } from '../results';
import {
  DEFAULT_MIN_ITERATIONS,
  DEFAULT_ROUNDS,
  DEFAULT_TIME_MS,
  TRAIN_BACKENDS,
  TRAIN_CASES,
  type TrainCaseDef,
  type TrainCaseResult,
  trainCase,
  trainCaseName,
} from './cases';
import { buildMarkdown, type TrainFailure, type TrainSummary } from './report';
import { cannotTrain } from './trainers';

const OPTIONS = {
  cases: { type: 'string' },
  backends: { type: 'string' },
  rounds: { type: 'string' },
  quick: { type: 'boolean', default: false },
  ...TIMING_OPTIONS,
  ...RUNNER_OPTIONS,
} as const;

const USAGE = `Usage: node dist/bench/train/run.js [options]   (or: npm run bench:train)

Training epochs per second (full batch, one student, one thread) of the native loop
against the pure-TypeScript loop, one process per case, markdown table with ratios.

Options:
  --cases <list>           ${TRAIN_CASES.map((c) => c.id).join(', ')} (default: all)
  --backends <list>        restrict to these of ${TRAIN_BACKENDS.join(', ')} (default: each case's own list)
  --rounds <n>             interleaved repetitions of all processes (default ${DEFAULT_ROUNDS})
  --time <ms>              tinybench time budget per process (default ${DEFAULT_TIME_MS})
  --min-iterations <n>     at least n measured iterations per process (default ${DEFAULT_MIN_ITERATIONS})
  --quick                  1 round, 300 ms, 3 iterations (a smoke run)
  --out <file>             results JSON (default bench/results/train-<date>.json)
  -h, --help               this text`;

const CASE_SCRIPT = path.join(__dirname, 'case.js');
const CHILD_ENV = { SSM_POISON_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const QUICK = { rounds: 1, time: 300, minIterations: 3 } as const;

interface TrainJob extends ProcessJob {
  def: TrainCaseDef;
  backend: BenchBackendName;
}

function parseCases(value: string | undefined): TrainCaseDef[] {
  if (value === undefined) return [...TRAIN_CASES];
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '').map((id) => {
    const c = trainCase(id);
    if (!c) throw rangeError(`a list of ${TRAIN_CASES.map((x) => x.id).join(', ')}`, '--cases', value);
    return c;
  });
}

async function main(): Promise<void> {
  const values = parseCommandLine(OPTIONS);
  if (printedHelp(values, USAGE)) return;
  const cases = parseCases(values.cases);
  const explicit = values.backends !== undefined;
  const requested = explicit ? benchBackendList(values.backends!, '--backends') : [...TRAIN_BACKENDS];
  const quick = values.quick;
  const rounds = values.rounds !== undefined ? positiveInteger(values.rounds, '--rounds') : quick ? QUICK.rounds : DEFAULT_ROUNDS;
  const timing = parseTiming(values, quick ? QUICK : { time: DEFAULT_TIME_MS, minIterations: DEFAULT_MIN_ITERATIONS });

  const { backends, skipped } = selectBackends(requested, explicit, cannotTrain);
  for (const s of skipped) log(`skipping backend ${s.backend}: ${s.reason}`);

  const jobs: TrainJob[] = cases.flatMap((def) => def.backends.filter((b) => backends.includes(b)).map((backend) => ({
    name: trainCaseName(def, backend), def, backend,
    process: nodeScript(CASE_SCRIPT, ['--case', def.id, '--backend', backend, ...timingArgs(timing)], CHILD_ENV),
  })));
  if (jobs.length === 0) throw new SsmPoisonError('No case to benchmark', 'ERR_SSM_BACKEND_UNAVAILABLE');
  const started = new Date();
  const full = values.cases === undefined && !explicit && !quick;
  const outFile = resultsFile('train', started, full ? 'full' : quick ? 'quick' : 'partial', values.out);

  const environment = { ...machine(), childEnv: CHILD_ENV };
  const loadBefore = os.loadavg();
  const results: (TrainCaseResult & { round: number })[] = [];
  const failures: TrainFailure[] = [];
  const summarize = (): TrainSummary[] => jobs.flatMap(({ def, backend }) => {
    const mine = results.filter((r) => r.case === def.id && r.backend === backend);
    if (mine.length === 0) return [];
    const medianMs = median(mine.map((r) => r.medianMs));
    return [{
      name: trainCaseName(def, backend), case: def.id, backend, epochsPerIteration: def.epochs, medianMs,
      epochsPerSecond: def.epochs / (medianMs / 1000), rounds: mine.map((r) => r.epochsPerSecond),
    }];
  });
  const save = (extra: Record<string, unknown> = {}) => writeResults(outFile, {
    suite: 'train', operation: 'full-batch training epochs, one student', started: started.toISOString(), environment,
    options: { cases: cases.map((c) => c.id), backends, skipped, rounds, timeMs: timing.time, minIterations: timing.minIterations },
    cases: cases.map(({ id, description, kappa, d, N, optimizer, epochs, guardEpochs }) =>
      ({ id, description, kappa, d, N, optimizer, epochsPerIteration: epochs, guardEpochs })),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    summary: summarize(), results, failures, ...extra,
  });

  log(`training benchmark: ${jobs.length} processes × ${rounds} rounds, time ${timing.time} ms, ` +
    `min ${timing.minIterations} iterations; load average ${formatLoad(loadBefore)}; results → ${path.relative(process.cwd(), outFile)}`);
  const t0 = performance.now();
  runRounds(jobs, { rounds }, {
    sample: ({ json, round }) => {
      const r = json as TrainCaseResult;
      results.push({ ...r, round });
      return `${sig(r.epochsPerSecond)} epochs/s, median ${sig(r.medianMs)} ms, ${r.samples} samples` +
        (r.guard.maxRelError === null ? '' : `, guard ${r.guard.maxRelError.toExponential(1)}`);
    },
    failure: ({ job, round, error }) => failures.push({ name: job.name, round, error }),
    after: () => save(),
  });
  const totalSeconds = (performance.now() - t0) / 1000;
  const markdown = buildMarkdown(summarize(), cases, backends, failures);
  const info = results.find((r) => r.backend === 'native')?.backendInfo;
  const lines = [
    markdown,
    '',
    machineLine(environment) + (info ? `; native: ${String(info.blas)}` : '') +
      '; children with SSM_POISON_THREADS=1, OPENBLAS_NUM_THREADS=1.',
    loadLine(loadBefore, os.loadavg()),
    `Per process: tinybench, time budget ${timing.time} ms, at least ${timing.minIterations} measured iterations after ≥ 1 warmup; ` +
      `${rounds} interleaved round${rounds > 1 ? 's' : ''}, median of the per-process medians.`,
    ...skipped.map((s) => `Skipped ${s.backend}: ${s.reason}`),
    `Total ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  ];
  save({ totalSeconds, markdown });
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

runMain('bench:train', main);
