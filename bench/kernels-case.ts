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
import { positiveInteger } from './args';
import { benchBackendName, loadBenchBackend } from './backends';
import { parseCommandLine, parseTiming, runMain, TIMING_OPTIONS } from './cli';
import { type CaseResult, type CaseSpec, caseName, DEFAULT_MIN_ITERATIONS, DEFAULT_TIME_MS } from './grid';
import { GRAD_REQUEST, runGuard } from './guard';
import { measure } from './measure';
import { buildProblem } from './problem';

const OPTIONS = {
  backend: { type: 'string' },
  kappa: { type: 'string' },
  d: { type: 'string' },
  n: { type: 'string' },
  s: { type: 'string' },
  ...TIMING_OPTIONS,
} as const;

async function main(): Promise<void> {
  const values = parseCommandLine(OPTIONS);
  const spec: CaseSpec = {
    backend: benchBackendName(values.backend, '--backend'),
    kappa: positiveInteger(values.kappa, '--kappa'),
    d: positiveInteger(values.d, '--d'),
    N: positiveInteger(values.n, '--n'),
    S: positiveInteger(values.s, '--s'),
  };
  const timing = parseTiming(values, { time: DEFAULT_TIME_MS, minIterations: DEFAULT_MIN_ITERATIONS });
  const name = caseName(spec);
  const backend = loadBenchBackend(spec.backend);

  let t0 = performance.now();
  const problem = buildProblem(spec);
  const setupMs = performance.now() - t0;

  t0 = performance.now();
  const guard = runGuard(backend, problem);
  const guardMs = performance.now() - t0;

  let checksum = 0;
  const latency = await measure(name, () => {
    checksum += backend.evaluate(problem.models, problem.sequences, problem.targets, GRAD_REQUEST).loss[0];
  }, timing);
  if (!Number.isFinite(checksum)) throw new Error(`${name}: the loss is not finite (${checksum})`);
  const out: CaseResult = {
    name,
    ...spec,
    ...latency,
    evalsPerSecond: 1000 / latency.medianMs,
    backendInfo: { ...backend.info() },
    guard,
    setupMs,
    guardMs,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runMain('kernels-case', main);
