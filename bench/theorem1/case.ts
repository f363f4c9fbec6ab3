/**
 * The 16-run Theorem-1 table with ssm-poison, in one process (the node side of
 * `npm run bench:theorem1`): the preset runner `runTheorem1` (async, off the main thread)
 * for the 2 published configs × 4 seeds × clean/poisoned, in the notebook's order, on the
 * native addon (or --backend native-portable, wasm). `--method lsoda` is the official path (odeint's LSODA at odeint's default
 * tolerances, on the official output grids); `--method rosenbrock` the accurate variant
 * (analytic Jacobian, the library's default rtol 1e−10, atol 1e−16). `--endpoint` records
 * only t = 0 and t = until instead of the 1000 / 10000 official outputs: LSODA takes the same
 * steps (its first step still comes from t[1] of the official grid), the final states are
 * bitwise identical, and the time left is the integration itself.
 *
 * Prints ONE JSON line (Theorem1CaseResult): per-run extrapolation errors against the
 * published ones, the max relative difference, per-run times and the in-process compute
 * time (the runs only; module and addon loading reported apart). Diagnostics go to stderr.
 *
 *   node dist/bench/theorem1/case.js [--method lsoda|rosenbrock] [--backend native|native-portable|wasm]
 *     [--runs <n>] [--endpoint]
 */
import type { BackendName } from '../../lib/backends/backend';
import { backendInfo as loadedBackendInfo } from '../../lib/backends/loader';
import { loadAddon } from '../../lib/backends/native';
import { runTheorem1, THEOREM1_CONFIGS } from '../../lib/experiments/theorem1';
import { rangeError } from '../../lib/validate';
import { backendName, positiveInteger } from '../args';
import { parseCommandLine, printedHelp, runMain } from '../cli';
import { type PublishedRun, publishedRuns } from './published';

export const CASE_METHODS = ['lsoda', 'rosenbrock'] as const;
export type CaseMethod = (typeof CASE_METHODS)[number];

export interface Theorem1RunResult {
  name: string;
  seed: number;
  poisoned: boolean;
  extrapolationError: number;
  published: number;
  relDiff: number;
  ms: number;
  status: string;
  nsteps: number;
  nfev: number;
  njev: number;
}

export interface Theorem1CaseResult {
  script: 'ssm-poison';
  method: CaseMethod;
  backend: BackendName;
  /** Only t = 0 and t = until recorded (same steps and results as the official grid). */
  endpoint: boolean;
  runs: Theorem1RunResult[];
  maxRelDiff: number;
  /** The runs only (ms), measured in the process. */
  computeMs: number;
  /** Process start to the first run: Node start-up, modules and the addon (ms). */
  loadMs: number;
  node: string;
  backendInfo: Record<string, unknown>;
}

const OPTIONS = {
  method: { type: 'string', default: 'lsoda' },
  backend: { type: 'string', default: 'native' },
  runs: { type: 'string' },
  endpoint: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const USAGE = `Usage: node dist/bench/theorem1/case.js [options]

Runs the 16 published Theorem-1 gradient flows with ssm-poison and prints one JSON line.

Options:
  --method <m>     lsoda (official odeint path, default) or rosenbrock (accurate variant)
  --backend <b>    native (default), native-portable or wasm
  --runs <n>       only the first n of the 16 runs (smoke tests)
  --endpoint       record only t = 0 and t = until (lsoda: same steps, same results)
  -h, --help       this text`;

function method(value: string): CaseMethod {
  if (!(CASE_METHODS as readonly string[]).includes(value)) throw rangeError(`one of ${CASE_METHODS.join(', ')}`, '--method', value);
  return value as CaseMethod;
}

async function main(): Promise<void> {
  const values = parseCommandLine(OPTIONS);
  if (printedHelp(values, USAGE)) return;
  const m = method(values.method);
  const backend = backendName(values.backend, '--backend');
  if (backend !== 'native' && backend !== 'native-portable' && backend !== 'wasm') {
    throw rangeError('native, native-portable or wasm (gradient flow runs in the native addon or its WebAssembly build)', '--backend', backend);
  }
  const all = publishedRuns();
  const count = values.runs === undefined ? all.length : Math.min(all.length, positiveInteger(values.runs, '--runs'));
  const runs: PublishedRun[] = all.slice(0, count);
  const backendInfo = { ...(backend === 'wasm' ? loadedBackendInfo('wasm') : loadAddon(backend).buildInfo()) } as Record<string, unknown>;
  const loadMs = performance.now();

  const results: Theorem1RunResult[] = [];
  const start = performance.now();
  for (const r of runs) {
    const config = THEOREM1_CONFIGS.find((c) => c.name === r.name);
    if (config === undefined) throw new Error(`no preset config named ${r.name}`);
    const t0 = performance.now();
    // t[1] of the official grid still sets LSODA's first step (as in odeint)
    const endpoint = values.endpoint ? { outputs: 2, firstOutput: r.until / (r.outputs - 1) } : {};
    const res = await runTheorem1(config, r.seed, r.poisoned, { method: m, backend, ...endpoint });
    const ms = performance.now() - t0;
    const err = res.finalExtrapolationError;
    results.push({
      name: r.name, seed: r.seed, poisoned: r.poisoned, extrapolationError: err, published: r.published,
      relDiff: Math.abs(err - r.published) / Math.abs(r.published), ms, status: res.status,
      nsteps: res.nsteps, nfev: res.nfev, njev: res.njev,
    });
  }
  const computeMs = performance.now() - start;
  const out: Theorem1CaseResult = {
    script: 'ssm-poison',
    method: m,
    backend,
    endpoint: values.endpoint,
    runs: results,
    maxRelDiff: Math.max(...results.map((r) => (Number.isNaN(r.relDiff) ? Infinity : r.relDiff))),
    computeMs,
    loadMs,
    node: process.version,
    backendInfo,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) runMain('theorem1-case', main);
