/**
 * The kernel benchmark suite: every backend × κ × d × S of bench/grid.ts, each case in its
 * own `node dist/bench/kernels-case.js` process, one after the other (never in
 * parallel). Writes bench/results/kernels-<date>.json and prints a markdown table.
 *
 *   node dist/bench/run.js [--backends native,wasm-simd,js] [--kappas 64,1024] [--dims 10,256]
 *     [--students 1,64] [--quick] [--time <ms>] [--min-iterations <n>] [--out <file>]
 *
 * Default backends that cannot load here are skipped with the reason; a backend asked for
 * with --backends that cannot load is an error. Exit code 1 when any case failed.
 */
import os from 'node:os';
import path from 'node:path';

import { SsmPoisonError } from '../lib/errors';
import { integerList } from './args';
import { BENCH_BACKEND_NAMES, benchBackendList, benchBackendLoadError, selectBackends } from './backends';
import { log, parseCommandLine, parseTiming, printedHelp, RUNNER_OPTIONS, runMain, TIMING_OPTIONS, timingArgs } from './cli';
import {
  BENCH_BACKENDS,
  type CaseResult,
  type CaseSpec,
  caseName,
  DEFAULT_MIN_ITERATIONS,
  DEFAULT_TIME_MS,
  DIMS,
  KAPPAS,
  QUICK_KAPPAS,
  SEQUENCES,
  STUDENTS,
} from './grid';
import { nodeScript, type ProcessJob, runRounds } from './processes';
import { buildReport, type CaseFailure } from './report';
import { loadLine, machine, machineLine, resultsFile, type RunScope, writeResults } from './results';

const OPTIONS = {
  backends: { type: 'string' },
  kappas: { type: 'string' },
  dims: { type: 'string' },
  students: { type: 'string' },
  quick: { type: 'boolean', default: false },
  ...TIMING_OPTIONS,
  ...RUNNER_OPTIONS,
} as const;

const USAGE = `Usage: node dist/bench/run.js [options]   (or: npm run bench)

Benchmarks evaluate (forward + gradients a, b, c) per backend, κ, d and S, one process
per case, and prints markdown tables with ratios and the linearity in κ.

Options:
  --backends <list>        backends among ${BENCH_BACKEND_NAMES.join(', ')} (default: all that load)
  --kappas <list>          sequence lengths (default ${KAPPAS.join(',')})
  --dims <list>            state dimensions d (default ${DIMS.join(',')})
  --students <list>        students S per call (default ${STUDENTS.join(',')})
  --quick                  only κ = ${QUICK_KAPPAS.join(', ')} (a smoke run)
  --time <ms>              time budget per case (default ${DEFAULT_TIME_MS})
  --min-iterations <n>     at least n measured calls per case (default ${DEFAULT_MIN_ITERATIONS})
  --out <file>             results JSON (default bench/results/kernels-<date>.json)
  -h, --help               this text`;

const CASE_SCRIPT = path.join(__dirname, 'kernels-case.js');

interface KernelJob extends ProcessJob {
  spec: CaseSpec;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function main(): Promise<void> {
  const values = parseCommandLine(OPTIONS);
  if (printedHelp(values, USAGE)) return;
  const explicitBackends = values.backends !== undefined;
  const requested = explicitBackends ? benchBackendList(values.backends!, '--backends') : [...BENCH_BACKENDS];
  const kappas = values.kappas !== undefined
    ? integerList(values.kappas, '--kappas')
    : values.quick ? [...QUICK_KAPPAS] : [...KAPPAS];
  const dims = values.dims !== undefined ? integerList(values.dims, '--dims') : [...DIMS];
  const students = values.students !== undefined ? integerList(values.students, '--students') : [...STUDENTS];
  const timing = parseTiming(values, { time: DEFAULT_TIME_MS, minIterations: DEFAULT_MIN_ITERATIONS });

  // Which backends load here (loading in this process is only a probe; cases run in children).
  const { backends, skipped } = selectBackends(requested, explicitBackends, benchBackendLoadError);
  for (const s of skipped) log(`skipping backend ${s.backend}: ${s.reason}`);
  if (backends.length === 0) throw new SsmPoisonError('No backend to benchmark', 'ERR_SSM_BACKEND_UNAVAILABLE');

  const full = !explicitBackends && sameList(kappas, KAPPAS) && sameList(dims, DIMS) && sameList(students, STUDENTS);
  const scope: RunScope = full ? 'full' : values.quick && values.kappas === undefined ? 'quick' : 'partial';
  const started = new Date();
  const outFile = resultsFile('kernels', started, scope, values.out);

  const jobs: KernelJob[] = [];
  for (const backend of backends)
    for (const kappa of kappas)
      for (const d of dims)
        for (const S of students) {
          const spec: CaseSpec = { backend, kappa, d, N: SEQUENCES, S };
          const args = ['--backend', backend, '--kappa', String(kappa), '--d', String(d), '--n', String(SEQUENCES),
            '--s', String(S), ...timingArgs(timing)];
          jobs.push({ name: caseName(spec), spec, process: nodeScript(CASE_SCRIPT, args) });
        }

  const environment = { ...machine(), OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null };
  const options = { backends, skipped, kappas, dims, students, N: SEQUENCES, timeMs: timing.time,
    minIterations: timing.minIterations };
  const loadBefore = os.loadavg();
  const results: CaseResult[] = [];
  const failures: CaseFailure[] = [];
  const save = (extra: Record<string, unknown> = {}) => writeResults(outFile, {
    suite: 'kernels', operation: 'evaluate(gradA, gradB, gradC)', started: started.toISOString(),
    environment, options, loadAverage: { before: loadBefore }, results, failures, ...extra,
  });

  log(`kernel benchmarks: ${jobs.length} cases, backends ${backends.join(', ')}, time ${timing.time} ms, ` +
    `min ${timing.minIterations} iterations; results → ${path.relative(process.cwd(), outFile)}`);
  const t0 = performance.now();
  runRounds(jobs, { rounds: 1 }, {
    sample: ({ json }) => {
      const r = json as CaseResult;
      results.push(r);
      return `${r.evalsPerSecond.toPrecision(4)} evals/s, median ${r.medianMs.toPrecision(4)} ms, ${r.samples} samples`;
    },
    failure: ({ job, error }) => failures.push({ name: job.name, ...job.spec, error }),
    after: () => save(),
  });
  const totalSeconds = (performance.now() - t0) / 1000;
  const loadAfter = os.loadavg();

  const report = buildReport(results, failures, backends);
  save({ totalSeconds, loadAverage: { before: loadBefore, after: loadAfter }, linearity: report.linearity,
    acceptance: report.acceptance, markdown: report.markdown });
  const info = results.find((r) => r.backend === 'native')?.backendInfo;
  const lines = [
    report.markdown,
    '',
    machineLine(environment) +
      (info ? `; native: ${info.blas}, ${info.threads} threads, ${info.blasThreads} BLAS threads` : '') + '.',
    loadLine(loadBefore, loadAfter),
    `Per case: time budget ${timing.time} ms, at least ${timing.minIterations} measured calls after ≥ 1 warmup call.`,
    ...skipped.map((s) => `Skipped ${s.backend}: ${s.reason}`),
    `Total: ${jobs.length} cases in ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

runMain('bench', main);
