/**
 * One benchmark case in one process (STYLE.md: benchmarks run each backend in its own
 * process): builds the deterministic problem, runs the correctness guard, times
 * "forward + gradient" (`evaluate` with gradA, gradB, gradC) with tinybench and prints
 * ONE JSON line (CaseResult) on stdout. Diagnostics go to stderr; a failed guard exits 1
 * without printing a result.
 *
 *   node dist/bench/kernels-case.js --backend native --kappa 1024 --d 10 --n 64 --s 64 \
 *     [--time 1000] [--min-iterations 3]
 */
import { parseArgs } from 'node:util';

import { Bench } from 'tinybench';

import { getBackend } from '../lib/backends/loader';
import { backendName, positiveInteger } from './args';
import { type CaseResult, type CaseSpec, caseName, DEFAULT_MIN_ITERATIONS, DEFAULT_TIME_MS } from './grid';
import { GRAD_REQUEST, runGuard } from './guard';
import { buildProblem } from './problem';

const OPTIONS = {
  backend: { type: 'string' },
  kappa: { type: 'string' },
  d: { type: 'string' },
  n: { type: 'string' },
  s: { type: 'string' },
  time: { type: 'string' },
  'min-iterations': { type: 'string' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  const spec: CaseSpec = {
    backend: backendName(values.backend, '--backend'),
    kappa: positiveInteger(values.kappa, '--kappa'),
    d: positiveInteger(values.d, '--d'),
    N: positiveInteger(values.n, '--n'),
    S: positiveInteger(values.s, '--s'),
  };
  const time = values.time === undefined ? DEFAULT_TIME_MS : positiveInteger(values.time, '--time', 0);
  const minIterations = values['min-iterations'] === undefined
    ? DEFAULT_MIN_ITERATIONS
    : positiveInteger(values['min-iterations'], '--min-iterations');
  const name = caseName(spec);
  const backend = getBackend(spec.backend);

  let t0 = performance.now();
  const problem = buildProblem(spec);
  const setupMs = performance.now() - t0;

  t0 = performance.now();
  const guard = runGuard(backend, problem);
  const guardMs = performance.now() - t0;

  // Warmup: at least one call (tinybench's default of 16 calls would take minutes for the
  // slowest js cases); measured: both the time budget and `minIterations` calls.
  let checksum = 0;
  const bench = new Bench({
    name,
    time,
    iterations: minIterations,
    warmup: true,
    warmupTime: Math.min(250, time / 4),
    warmupIterations: 1,
    throws: true,
  });
  bench.add(name, () => {
    checksum += backend.evaluate(problem.models, problem.sequences, problem.targets, GRAD_REQUEST).loss[0];
  }, { async: false });
  await bench.run();

  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`tinybench did not complete ${name}: state ${result.state}` +
      (result.state === 'errored' ? `: ${result.error.message}` : ''));
  }
  if (!Number.isFinite(checksum)) throw new Error(`${name}: the loss is not finite (${checksum})`);
  const { latency } = result;
  const out: CaseResult = {
    name,
    ...spec,
    medianMs: latency.p50,
    meanMs: latency.mean,
    samples: latency.samplesCount,
    evalsPerSecond: 1000 / latency.p50,
    backendInfo: { ...backend.info() },
    guard,
    minMs: latency.min,
    maxMs: latency.max,
    rme: latency.rme,
    setupMs,
    guardMs,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`kernels-case: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
