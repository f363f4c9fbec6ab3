/**
 * One gradient-descent benchmark case in one process (STYLE.md: benchmarks run each
 * backend in its own process): builds the case's problem, runs the correctness guard
 * (native: final a, b, c after the case's guardEpochs epochs against the js loop, ≤ 1e−10
 * relative; short enough that transients have not amplified the rounding differences of
 * the two summation orders), times
 * `epochs` training epochs per tinybench iteration and prints ONE JSON line
 * (TrainCaseResult) on stdout. Diagnostics go to stderr; a failed guard or a diverged
 * run exits 1 without a result.
 *
 * Native: trainSync([problem], { backend, maxEpochs: epochs, logEvery: epochs }) — the
 * library call with its validation and result arrays, one student, one thread when run
 * with SSM_POISON_THREADS=1 (bench/train/run.ts sets it). js: trainJs with the same
 * options (lib/backends/js-train.ts).
 *
 *   node dist/bench/train/case.js --case standalone-k6 --backend native [--epochs 100000]
 *     [--time 1000] [--min-iterations 5] [--guard-epochs <n>]
 */
import { parseArgs } from 'node:util';

import { Bench } from 'tinybench';

import { trainJs } from '../../lib/backends/js-train';
import { getBackend } from '../../lib/backends/loader';
import { SsmPoisonError } from '../../lib/errors';
import { trainSync } from '../../lib/train';
import { rangeError } from '../../lib/validate';
import { backendName, positiveInteger } from '../args';
import {
  buildTrainProblem,
  DEFAULT_MIN_ITERATIONS,
  DEFAULT_TIME_MS,
  TRAIN_CASES,
  type TrainCaseResult,
  trainCase,
  trainCaseName,
} from './cases';

const OPTIONS = {
  case: { type: 'string' },
  backend: { type: 'string' },
  epochs: { type: 'string' },
  time: { type: 'string' },
  'min-iterations': { type: 'string' },
  'guard-epochs': { type: 'string' },
} as const;

export const GUARD_TOLERANCE = 1e-10;

function maxRel(got: Float64Array, want: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff === 0 ? 0 : scale === 0 ? Infinity : diff / scale;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  const def = trainCase(values.case ?? '');
  if (!def) throw rangeError(`one of ${TRAIN_CASES.map((c) => c.id).join(', ')}`, '--case', values.case);
  const backend = backendName(values.backend, '--backend');
  if (backend !== 'js' && backend !== 'native' && backend !== 'native-portable') {
    throw rangeError('one of native, native-portable, js', '--backend', backend);
  }
  const epochs = values.epochs === undefined ? def.epochs : positiveInteger(values.epochs, '--epochs');
  const time = values.time === undefined ? DEFAULT_TIME_MS : positiveInteger(values.time, '--time', 0);
  const minIterations = values['min-iterations'] === undefined
    ? DEFAULT_MIN_ITERATIONS
    : positiveInteger(values['min-iterations'], '--min-iterations');
  const guardEpochs = values['guard-epochs'] === undefined ? def.guardEpochs : positiveInteger(values['guard-epochs'], '--guard-epochs');
  const name = trainCaseName(def, backend);
  const info = getBackend(backend).info();

  let t0 = performance.now();
  const problem = buildTrainProblem(def);
  const setupMs = performance.now() - t0;

  const run = (maxEpochs: number) => {
    if (backend === 'js') {
      const r = trainJs(problem, { optimizer: def.optimizer, maxEpochs, logEvery: maxEpochs });
      return { status: r.status, epochs: r.epochs, final: r.final };
    }
    const [r] = trainSync([problem], { optimizer: def.optimizer, maxEpochs, logEvery: maxEpochs, backend });
    return { status: r.status, epochs: r.epochs, final: r.final };
  };

  t0 = performance.now();
  let guard: TrainCaseResult['guard'] = { reference: 'js (the baseline itself)', epochs: 0, maxRelError: null, tolerance: GUARD_TOLERANCE };
  if (backend !== 'js') {
    const got = run(guardEpochs);
    const ref = trainJs(problem, { optimizer: def.optimizer, maxEpochs: guardEpochs, logEvery: guardEpochs });
    const err = Math.max(maxRel(got.final.a, ref.final.a), maxRel(got.final.b, ref.final.b), maxRel(got.final.c, ref.final.c));
    if (got.status !== ref.status || got.epochs !== ref.epochs || !(err <= GUARD_TOLERANCE)) {
      throw new SsmPoisonError(`Correctness guard failed for ${name} against js after ${guardEpochs} epochs: status ` +
        `${got.status}/${ref.status}, epochs ${got.epochs}/${ref.epochs}, relative difference ${err}`, 'ERR_SSM_BENCH_GUARD');
    }
    guard = { reference: 'js', epochs: guardEpochs, maxRelError: err, tolerance: GUARD_TOLERANCE };
  }
  const guardMs = performance.now() - t0;

  let last = run(1);
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
    last = run(epochs);
    if (last.status === 'diverged' || last.epochs !== epochs) {
      throw new Error(`${name}: status ${last.status} after ${last.epochs} of ${epochs} epochs`);
    }
  }, { async: false });
  await bench.run();

  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`tinybench did not complete ${name}: state ${result.state}` +
      (result.state === 'errored' ? `: ${result.error.message}` : ''));
  }
  if (!Number.isFinite(last.final.trainLoss)) throw new Error(`${name}: the final loss is not finite (${last.final.trainLoss})`);
  const { latency } = result;
  const out: TrainCaseResult = {
    name,
    case: def.id,
    backend,
    kappa: def.kappa,
    d: def.d,
    N: def.N,
    epochsPerIteration: epochs,
    medianMs: latency.p50,
    meanMs: latency.mean,
    minMs: latency.min,
    maxMs: latency.max,
    rme: latency.rme,
    samples: latency.samplesCount,
    epochsPerSecond: epochs / (latency.p50 / 1000),
    status: last.status,
    finalLoss: last.final.trainLoss,
    guard,
    backendInfo: { ...info },
    env: {
      SSM_POISON_THREADS: process.env.SSM_POISON_THREADS ?? null,
      OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null,
    },
    setupMs,
    guardMs,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`train-case: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
