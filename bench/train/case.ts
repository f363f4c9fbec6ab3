/**
 * One gradient-descent benchmark case in one process (STYLE.md: benchmarks run each
 * backend in its own process): builds the case's problem, runs the correctness guard
 * (every backend but js: final a, b, c after the case's guardEpochs epochs against the js loop, ≤ 1e−10
 * relative; short enough that transients have not amplified the rounding differences of
 * the two summation orders), times
 * `epochs` training epochs per tinybench iteration and prints ONE JSON line
 * (TrainCaseResult) on stdout. Diagnostics go to stderr; a failed guard or a diverged
 * run exits 1 without a result.
 *
 * The backend trains through bench/train/trainers.ts: trainSync([problem], { backend,
 * maxEpochs: epochs, logEvery: epochs }) — the library call with its validation and result
 * arrays, one student, one thread when run with SSM_POISON_THREADS=1 (bench/train/run.ts
 * sets it) — or, for js, trainJs with the same options (lib/backends/js-train.ts).
 *
 *   node dist/bench/train/case.js --case standalone-k6 --backend native [--epochs 100000]
 *     [--time 1000] [--min-iterations 5] [--guard-epochs <n>]
 */
import { SsmPoisonError } from '../../lib/errors';
import { rangeError } from '../../lib/validate';
import { positiveInteger } from '../args';
import { benchBackendName, loadBenchBackend } from '../backends';
import { parseCommandLine, parseTiming, runMain, TIMING_OPTIONS } from '../cli';
import { measure } from '../measure';
import {
  buildTrainProblem,
  DEFAULT_MIN_ITERATIONS,
  DEFAULT_TIME_MS,
  TRAIN_CASES,
  type TrainCaseResult,
  trainCase,
  trainCaseName,
} from './cases';
import { trainerFor } from './trainers';

const OPTIONS = {
  case: { type: 'string' },
  backend: { type: 'string' },
  epochs: { type: 'string' },
  'guard-epochs': { type: 'string' },
  ...TIMING_OPTIONS,
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
  const values = parseCommandLine(OPTIONS);
  const def = trainCase(values.case ?? '');
  if (!def) throw rangeError(`one of ${TRAIN_CASES.map((c) => c.id).join(', ')}`, '--case', values.case);
  const backend = benchBackendName(values.backend, '--backend');
  const epochs = values.epochs === undefined ? def.epochs : positiveInteger(values.epochs, '--epochs');
  const timing = parseTiming(values, { time: DEFAULT_TIME_MS, minIterations: DEFAULT_MIN_ITERATIONS });
  const guardEpochs = values['guard-epochs'] === undefined ? def.guardEpochs : positiveInteger(values['guard-epochs'], '--guard-epochs');
  const name = trainCaseName(def, backend);
  const info = loadBenchBackend(backend).info();
  const train = trainerFor(backend);

  let t0 = performance.now();
  const problem = buildTrainProblem(def);
  const setupMs = performance.now() - t0;
  const run = (maxEpochs: number) => train(problem, def.optimizer, maxEpochs);

  t0 = performance.now();
  let guard: TrainCaseResult['guard'] = { reference: 'js (the baseline itself)', epochs: 0, maxRelError: null, tolerance: GUARD_TOLERANCE };
  if (backend !== 'js') {
    const got = run(guardEpochs);
    const ref = trainerFor('js')(problem, def.optimizer, guardEpochs);
    const err = Math.max(maxRel(got.final.a, ref.final.a), maxRel(got.final.b, ref.final.b), maxRel(got.final.c, ref.final.c));
    if (got.status !== ref.status || got.epochs !== ref.epochs || !(err <= GUARD_TOLERANCE)) {
      throw new SsmPoisonError(`Correctness guard failed for ${name} against js after ${guardEpochs} epochs: status ` +
        `${got.status}/${ref.status}, epochs ${got.epochs}/${ref.epochs}, relative difference ${err}`, 'ERR_SSM_BENCH_GUARD');
    }
    guard = { reference: 'js', epochs: guardEpochs, maxRelError: err, tolerance: GUARD_TOLERANCE };
  }
  const guardMs = performance.now() - t0;

  let last = run(1);
  const latency = await measure(name, () => {
    last = run(epochs);
    if (last.status === 'diverged' || last.epochs !== epochs) {
      throw new Error(`${name}: status ${last.status} after ${last.epochs} of ${epochs} epochs`);
    }
  }, timing);
  if (!Number.isFinite(last.final.trainLoss)) throw new Error(`${name}: the final loss is not finite (${last.final.trainLoss})`);
  const out: TrainCaseResult = {
    name,
    case: def.id,
    backend,
    kappa: def.kappa,
    d: def.d,
    N: def.N,
    epochsPerIteration: epochs,
    ...latency,
    epochsPerSecond: epochs / (latency.medianMs / 1000),
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

runMain('train-case', main);
