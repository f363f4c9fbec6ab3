/**
 * `ssm-poison run <config.json>`: runs an experiment config (SPEC §10), one run per seed.
 * "gradient-flow" configs run one integration per seed in turn; "gradient-descent" configs
 * train every seed in one native call (in parallel).
 *
 * stdout gets the result only (one JSON object with --json, else a table); progress goes to
 * stderr (a bar on a TTY, periodic plain lines otherwise, nothing with --json or --quiet).
 * Ctrl-C aborts the running integration and prints the seeds that finished (exit code 130).
 */
import { SingleBar } from 'cli-progress';

import { type BackendChoice, backendInfo } from '../backends/loader';
import { ConfigError, type ExperimentConfig, type GradientDescentConfig, type GradientFlowConfig, parseExperimentConfig } from '../config/schema';
import { type DescentExperimentResult, runDescentExperiment } from '../experiments/descent-config';
import { type FlowExperimentResult, type FlowRunReport, runFlowExperiment, theorem1Kind } from '../experiments/flow-config';
import type { RunBackendName } from '../backends/run-addon';
import { INTERRUPTED_EXIT_CODE, readJsonInput, toJson, UsageError, withInterrupt } from './io';
import { cliRunBackend } from './run-backend';

export { INTERRUPTED_EXIT_CODE };

export interface RunCommandOptions {
  json?: boolean;
  backend?: BackendChoice;
  seed?: number;
  quiet?: boolean;
}

/** Interval of the plain progress lines when stderr is not a TTY. */
const PLAIN_PROGRESS_MS = 10_000;

/** Reads and validates a config file ('-' for standard input); bad input is a UsageError. */
export function loadConfig(file: string, options: Pick<RunCommandOptions, 'seed'> = {}): ExperimentConfig {
  const input = readJsonInput(file === '-' ? undefined : file);
  let config;
  try {
    config = parseExperimentConfig(input, file === '-' ? 'on standard input' : file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  return options.seed === undefined ? config : { ...config, seeds: [options.seed] };
}

/** The backend a gradient flow or training runs on for a --backend choice. */
function flowBackend(choice: BackendChoice | undefined, what = 'gradient flows'): RunBackendName {
  return cliRunBackend(choice, what);
}

interface Progress {
  runStart(seed: number, index: number): void;
  update(seed: number, p: { t: number; loss: number; steps: number }): void;
  runEnd(run: FlowRunReport, index: number): void;
  stop(): void;
}

const noProgress: Progress = { runStart() {}, update() {}, runEnd() {}, stop() {} };

const g = (x: number, digits = 3) => (x === 0 ? '0' : Number.isFinite(x) ? x.toPrecision(digits).replace(/\.?0+e/, 'e') : String(x));

/** A bar on a TTY. The bar advances with t / until within each seed. */
function barProgress(config: GradientFlowConfig): Progress {
  const steps = 1000;
  const total = config.seeds.length * steps;
  const bar = new SingleBar({
    format: 'seed {seed} ({run}/{runs}) |{bar}| {percentage}% | t {t} | loss {loss}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let index = 0;
  bar.start(total, 0, { seed: config.seeds[0], run: 1, runs: config.seeds.length, t: '0', loss: '-' });
  return {
    runStart(seed, k) {
      index = k;
      bar.update(k * steps, { seed, run: k + 1, t: '0', loss: '-' });
    },
    update(_seed, p) {
      const fraction = Math.min(1, Math.max(0, p.t / config.flow.until));
      bar.update(index * steps + Math.floor(fraction * steps), { t: g(p.t), loss: g(p.loss) });
    },
    runEnd(_run, k) {
      bar.update((k + 1) * steps);
    },
    stop() {
      bar.stop();
    },
  };
}

/** Plain lines on stderr every PLAIN_PROGRESS_MS (only long runs print anything). */
function plainProgress(config: GradientFlowConfig): Progress {
  const runs = config.seeds.length;
  let last = Date.now();
  let started = Date.now();
  let printed = false;
  const line = (text: string) => process.stderr.write(`ssm-poison run: ${text}\n`);
  return {
    runStart(_seed, _k) {
      started = Date.now();
    },
    update(seed, p) {
      const now = Date.now();
      if (now - last < PLAIN_PROGRESS_MS) return;
      last = now;
      printed = true;
      const k = config.seeds.indexOf(seed) + 1;
      line(`seed ${seed} (${k}/${runs}): t = ${g(p.t)} of ${g(config.flow.until)}, loss ${g(p.loss)}, ${p.steps} steps, ${Math.round((now - started) / 1000)} s`);
    },
    runEnd(run, k) {
      if (printed) line(`seed ${run.seed} (${k + 1}/${runs}) done: ${run.status}, extrapolation error ${g(run.extrapolationError, 6)}`);
    },
    stop() {},
  };
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  return cells.map((row) => row.map((c, j) => (j === 0 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd()).join('\n');
}

/** The readable output: one line per seed, then the summary. */
export function formatTable(config: GradientFlowConfig, result: FlowExperimentResult, backend: string): string {
  const f = config.flow;
  const kind = theorem1Kind(config);
  const lines = [
    `gradient flow: κ ${config.length}, d ${config.student.dim}, ${config.seeds.length} seed(s)${kind ? ` (Theorem-1 ${kind})` : ''}; ${f.method} rtol ${g(f.rtol)} atol ${g(f.atol)} until ${g(f.until)}; backend ${backend}`,
    '',
  ];
  const rows = [['seed', 'status', 'train loss', 'extrapolation error', 'time', 'seconds']];
  for (const r of result.runs) {
    rows.push([String(r.seed), r.status, g(r.trainLoss), g(r.extrapolationError, 10), Number.isFinite(r.time) ? g(r.time) : `10^${r.log10Time.toFixed(2)}`, r.seconds.toFixed(2)]);
  }
  if (result.runs.length > 0) lines.push(pad(rows));
  else lines.push('no seed finished');
  const s = result.summary;
  const counts = Object.entries(s.statusCounts).map(([k, n]) => `${k} ${n}`).join(', ');
  lines.push('');
  lines.push(`summary: ${s.completed} of ${result.runs.length} finished run(s) completed${counts ? ` (${counts})` : ''}; `
    + `mean train loss ${s.meanTrainLoss === null ? '-' : g(s.meanTrainLoss)}, `
    + `mean extrapolation error ${s.meanExtrapolationError === null ? '-' : g(s.meanExtrapolationError, 10)}`);
  for (const r of result.runs) {
    if (r.status !== 'until' && r.status !== 'converged') lines.push(`seed ${r.seed}: ${r.message}`);
  }
  if (result.interrupted) {
    const i = result.interrupted;
    lines.push(`interrupted${i.seed === null ? '' : ` during seed ${i.seed} (t = ${g(i.time)})`}`
      + `${i.notStarted.length ? `; not started: ${i.notStarted.join(', ')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The readable output of a gradient-descent config: one line per seed, then the summary. */
export function formatDescentTable(config: GradientDescentConfig, result: DescentExperimentResult, backend: string): string {
  const o = config.optimizer;
  const head = config.mlp !== null;
  const lines = [
    `gradient descent: κ ${config.length}, d ${config.student.dim}${head ? `, MLP ${config.mlp!.width}×${config.mlp!.depth}` : ''}, `
      + `${config.seeds.length} seed(s); ${o.kind} lr ${g(o.lr)}, eps ${g(config.stop.eps)}, +${config.stop.epochsAfterStop} epochs after it; backend ${backend}`,
    '',
  ];
  const rows = [['seed', 'status', 'stop epoch', 'epochs', 'train loss', 'extrapolation error', ...(head ? ['test error'] : [])]];
  for (const r of result.runs) {
    rows.push([String(r.seed), r.status, r.stopEpoch === null ? '-' : String(r.stopEpoch), String(r.epochs), g(r.trainLoss),
      g(r.extrapolationError, 6), ...(head ? [g(r.testError ?? NaN, 6)] : [])]);
  }
  lines.push(pad(rows), '');
  const s = result.summary;
  const counts = Object.entries(s.statusCounts).map(([k, n]) => `${k} ${n}`).join(', ');
  lines.push(`summary: ${s.completed} of ${result.runs.length} run(s) reached eps${counts ? ` (${counts})` : ''}; `
    + `mean train loss ${s.meanTrainLoss === null ? '-' : g(s.meanTrainLoss)}, `
    + `mean extrapolation error ${s.meanExtrapolationError === null ? '-' : g(s.meanExtrapolationError, 6)}`
    + (head ? `, mean test error ${s.meanTestError === null ? '-' : g(s.meanTestError, 6)}` : ''));
  lines.push('(values as the official code reports them: the last row logged after the stop)');
  if (result.interrupted) lines.push('interrupted: aborted runs show where they stopped');
  return `${lines.join('\n')}\n`;
}

/** Progress of a training run: the slowest seed's epoch, on stderr. */
function descentProgress(config: GradientDescentConfig, tty: boolean): { update(p: { epoch: number; loss: number }): void; stop(): void } {
  if (tty) {
    const bar = new SingleBar({
      format: 'epoch {value} (slowest of {runs} seeds; cap {total}) | loss {loss}', stream: process.stderr, hideCursor: true, clearOnComplete: true,
    });
    bar.start(config.stop.maxEpochs, 0, { runs: config.seeds.length, loss: '-' });
    return { update: (p) => bar.update(p.epoch, { loss: g(p.loss) }), stop: () => bar.stop() };
  }
  let last = Date.now();
  return {
    update(p) {
      if (Date.now() - last < PLAIN_PROGRESS_MS) return;
      last = Date.now();
      process.stderr.write(`ssm-poison run: epoch ${p.epoch} (slowest of ${config.seeds.length} seeds), loss ${g(p.loss)}\n`);
    },
    stop() {},
  };
}

async function runDescentCommand(config: GradientDescentConfig, options: RunCommandOptions): Promise<number> {
  const name = flowBackend(options.backend, 'training loops');
  const quiet = options.json === true || options.quiet === true;
  const progress = quiet ? { update() {}, stop() {} } : descentProgress(config, process.stderr.isTTY === true);
  let result: DescentExperimentResult;
  try {
    result = await withInterrupt((signal) => runDescentExperiment(config, { backend: name, signal, onProgress: (p) => progress.update(p) }));
  } finally {
    progress.stop();
  }
  if (options.json) {
    const doc = { config, runs: result.runs, summary: result.summary, interrupted: result.interrupted, backend: { ...backendInfo(name), train: name } };
    process.stdout.write(`${toJson(doc)}\n`);
  } else {
    process.stdout.write(formatDescentTable(config, result, name));
  }
  return result.interrupted ? INTERRUPTED_EXIT_CODE : 0;
}

/** Runs the command; returns the exit code (0, or 130 when interrupted). */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const loaded = loadConfig(file, options);
  if (loaded.kind === 'gradient-descent') return runDescentCommand(loaded, options);
  const config = loaded;
  const flowName = flowBackend(options.backend);
  const backend = backendInfo(flowName);
  const quiet = options.json === true || options.quiet === true;
  const progress = quiet ? noProgress : process.stderr.isTTY ? barProgress(config) : plainProgress(config);

  let result: FlowExperimentResult;
  try {
    result = await withInterrupt((signal) => runFlowExperiment(config, {
      backend: flowName,
      signal,
      onRunStart: (seed, k) => progress.runStart(seed, k),
      onProgress: (seed, p) => progress.update(seed, p),
      onRunEnd: (run, k) => progress.runEnd(run, k),
    }));
  } finally {
    progress.stop();
  }
  if (result.interrupted) {
    process.stderr.write(`ssm-poison run: interrupted; ${result.runs.length} of ${config.seeds.length} seed(s) finished\n`);
  }
  if (options.json) {
    const doc = { config, runs: result.runs, summary: result.summary, interrupted: result.interrupted, backend: { ...backend, flow: flowName } };
    process.stdout.write(`${toJson(doc)}\n`);
  } else {
    process.stdout.write(formatTable(config, result, flowName));
  }
  return result.interrupted ? INTERRUPTED_EXIT_CODE : 0;
}
