/**
 * The kernel benchmark suite: every backend × κ × d × S of bench/grid.ts, each case in its
 * own `node dist/bench/kernels-case.js` process, one after the other (never in
 * parallel). Writes bench/results/kernels-<date>.json and prints a markdown table.
 *
 *   node dist/bench/run.js [--backends native,js] [--kappas 64,1024] [--dims 10,256]
 *     [--students 1,64] [--quick] [--time <ms>] [--min-iterations <n>] [--out <file>]
 *
 * Default backends that cannot load here are skipped with the reason; a backend asked for
 * with --backends that cannot load is an error. Exit code 1 when any case failed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { BackendName } from '../lib/backends/backend';
import { backendLoadError } from '../lib/backends/loader';
import { SsmPoisonError } from '../lib/errors';
import { backendList, integerList, positiveInteger } from './args';
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
import { buildReport, type CaseFailure } from './report';

const OPTIONS = {
  backends: { type: 'string' },
  kappas: { type: 'string' },
  dims: { type: 'string' },
  students: { type: 'string' },
  quick: { type: 'boolean', default: false },
  time: { type: 'string' },
  'min-iterations': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const USAGE = `Usage: node dist/bench/run.js [options]   (or: npm run bench)

Benchmarks evaluate (forward + gradients a, b, c) per backend, κ, d and S, one process
per case, and prints markdown tables with ratios and the linearity in κ.

Options:
  --backends <list>        backends, e.g. native,native-portable,js (default: all that load)
  --kappas <list>          sequence lengths (default ${KAPPAS.join(',')})
  --dims <list>            state dimensions d (default ${DIMS.join(',')})
  --students <list>        students S per call (default ${STUDENTS.join(',')})
  --quick                  only κ = ${QUICK_KAPPAS.join(', ')} (a smoke run)
  --time <ms>              time budget per case (default ${DEFAULT_TIME_MS})
  --min-iterations <n>     at least n measured calls per case (default ${DEFAULT_MIN_ITERATIONS})
  --out <file>             results JSON (default bench/results/kernels-<date>.json)
  -h, --help               this text`;

const CASE_SCRIPT = path.join(__dirname, 'kernels-case.js');
const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'bench', 'results');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs one case in a child process; the result, or the failure with the child's reason. */
function runCase(spec: CaseSpec, time: number, minIterations: number): CaseResult | CaseFailure {
  const args = [
    CASE_SCRIPT,
    '--backend', spec.backend,
    '--kappa', String(spec.kappa),
    '--d', String(spec.d),
    '--n', String(spec.N),
    '--s', String(spec.S),
    '--time', String(time),
    '--min-iterations', String(minIterations),
  ];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = (child.stderr ?? '').trim();
  if (stderr) log(stderr.split('\n').map((l) => `    ${l}`).join('\n'));
  const lines = (child.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  if (child.status === 0 && lines.length > 0) {
    try {
      return JSON.parse(lines[lines.length - 1]) as CaseResult;
    } catch {
      // fall through: reported as a failure below
    }
  }
  const why = child.error?.message ?? (stderr || `exit code ${child.status}, signal ${child.signal}, no JSON result`);
  return { name: caseName(spec), ...spec, error: why };
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const explicitBackends = values.backends !== undefined;
  const requested = explicitBackends ? backendList(values.backends!, '--backends') : [...BENCH_BACKENDS];
  const kappas = values.kappas !== undefined
    ? integerList(values.kappas, '--kappas')
    : values.quick ? [...QUICK_KAPPAS] : [...KAPPAS];
  const dims = values.dims !== undefined ? integerList(values.dims, '--dims') : [...DIMS];
  const students = values.students !== undefined ? integerList(values.students, '--students') : [...STUDENTS];
  const time = values.time === undefined ? DEFAULT_TIME_MS : positiveInteger(values.time, '--time', 0);
  const minIterations = values['min-iterations'] === undefined
    ? DEFAULT_MIN_ITERATIONS
    : positiveInteger(values['min-iterations'], '--min-iterations');

  // Which backends load here (loading in this process is only a probe; cases run in children).
  const skipped: { backend: BackendName; reason: string }[] = [];
  const backends: BackendName[] = [];
  for (const name of requested) {
    const error = backendLoadError(name);
    if (error === undefined) backends.push(name);
    else skipped.push({ backend: name, reason: error });
  }
  if (explicitBackends && skipped.length > 0) {
    throw new SsmPoisonError(
      `Cannot benchmark the requested backend${skipped.length > 1 ? 's' : ''}:\n` +
        skipped.map((s) => `  - ${s.backend}: ${s.reason}`).join('\n'),
      'ERR_SSM_BACKEND_UNAVAILABLE',
    );
  }
  for (const s of skipped) log(`skipping backend ${s.backend}: ${s.reason}`);
  if (backends.length === 0) throw new SsmPoisonError('No backend to benchmark', 'ERR_SSM_BACKEND_UNAVAILABLE');

  const full = !explicitBackends && sameList(kappas, KAPPAS) && sameList(dims, DIMS) && sameList(students, STUDENTS);
  const started = new Date();
  const suffix = full ? '' : values.quick && values.kappas === undefined ? '-quick' : '-partial';
  const outFile = values.out !== undefined
    ? path.resolve(values.out)
    : path.join(RESULTS_DIR, `kernels-${isoDate(started)}${suffix}.json`);

  const cases: CaseSpec[] = [];
  for (const backend of backends)
    for (const kappa of kappas)
      for (const d of dims)
        for (const S of students) cases.push({ backend, kappa, d, N: SEQUENCES, S });

  const cpus = os.cpus();
  const environment = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    totalMemoryGB: Math.round(os.totalmem() / 2 ** 30),
    OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null,
  };
  const options = { backends, skipped, kappas, dims, students, N: SEQUENCES, timeMs: time, minIterations };
  const results: CaseResult[] = [];
  const failures: CaseFailure[] = [];

  const save = (extra: Record<string, unknown> = {}) => {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    const doc = { suite: 'kernels', operation: 'evaluate(gradA, gradB, gradC)', started: started.toISOString(),
      environment, options, results, failures, ...extra };
    fs.writeFileSync(outFile, `${JSON.stringify(doc, null, 2)}\n`);
  };

  log(`kernel benchmarks: ${cases.length} cases, backends ${backends.join(', ')}, time ${time} ms, ` +
    `min ${minIterations} iterations; results → ${path.relative(process.cwd(), outFile)}`);
  const t0 = performance.now();
  cases.forEach((spec, i) => {
    const caseStart = performance.now();
    const outcome = runCase(spec, time, minIterations);
    const wall = ((performance.now() - caseStart) / 1000).toFixed(1);
    const tag = `[${i + 1}/${cases.length}] ${caseName(spec)}`;
    if ('error' in outcome) {
      failures.push(outcome);
      log(`${tag}: FAILED (${wall} s)`);
    } else {
      results.push(outcome);
      log(`${tag}: ${outcome.evalsPerSecond.toPrecision(4)} evals/s, median ${outcome.medianMs.toPrecision(4)} ms, ` +
        `${outcome.samples} samples (${wall} s)`);
    }
    save();
  });
  const totalSeconds = (performance.now() - t0) / 1000;

  const report = buildReport(results, failures, backends);
  save({ totalSeconds, linearity: report.linearity, acceptance: report.acceptance, markdown: report.markdown });
  const info = results.find((r) => r.backend === 'native')?.backendInfo;
  const lines = [
    report.markdown,
    '',
    `Machine: ${environment.cpu}, ${environment.cpus} CPUs, ${environment.totalMemoryGB} GB, Node ${environment.node}` +
      (info ? `; native: ${info.blas}, ${info.threads} threads, ${info.blasThreads} BLAS threads` : '') + '.',
    `Per case: time budget ${time} ms, at least ${minIterations} measured calls after ≥ 1 warmup call.`,
    ...skipped.map((s) => `Skipped ${s.backend}: ${s.reason}`),
    `Total: ${cases.length} cases in ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
