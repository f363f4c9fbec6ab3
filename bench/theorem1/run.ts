/**
 * The Theorem-1 benchmark: the 16 published gradient flows (2 configs × 4 seeds ×
 * clean/poisoned) computed by whole processes, one after the other (never in parallel),
 * interleaved round by round:
 *
 *   theorem1-16::ssm-poison:lsoda       node dist/bench/theorem1/case.js --method lsoda
 *   theorem1-16::ssm-poison:lsoda-endpoint  … --method lsoda --endpoint (same steps, no trajectory)
 *   theorem1-16::ssm-poison:rosenbrock  node dist/bench/theorem1/case.js --method rosenbrock
 *   theorem1-16::scipy:vectorized       python3 bench/theorem1/vectorized.py
 *   theorem1-16::scipy:official         python3 bench/theorem1/official.py
 *
 * Each process is timed from spawn to exit (wall) and reports its in-process compute time;
 * the table shows medians and the speed ratios over ssm-poison lsoda. The Python rows are
 * skipped, with the reason, when python3 with NumPy and SciPy is missing (the project never
 * needs Python). Writes bench/results/theorem1-<date>.json and prints a markdown table.
 *
 * Plain timing, not tinybench: tinybench runs all the samples of one task back to back, so
 * it cannot interleave the four processes round by round (which spreads machine-load
 * drift evenly over them), and its per-task time budget and warmup do not fit a few
 * multi-second whole-process samples. Each sample is one spawnSync timed with
 * process.hrtime.bigint().
 *
 *   node dist/bench/theorem1/run.js [--repeats 5] [--official-repeats 3] [--warmup 1]
 *     [--quick] [--python python3] [--no-python] [--out <file>]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import { SsmPoisonError } from '../../lib/errors';
import { positiveInteger } from '../args';
import { log, parseCommandLine, printedHelp, RUNNER_OPTIONS, runMain } from '../cli';
import { median } from '../format';
import { nodeScript, type ProcessJob, runRounds } from '../processes';
import { loadLine, machine, machineLine, resultsFile, type RunScope, writeResults } from '../results';
import type { Theorem1CaseResult } from './case';
import { publishedRuns, THEOREM1_BENCH_DIR } from './published';
import { buildReport, type CaseSummary, type PerRunRow } from './report';

const OPTIONS = {
  repeats: { type: 'string' },
  'official-repeats': { type: 'string' },
  warmup: { type: 'string' },
  quick: { type: 'boolean', default: false },
  python: { type: 'string' },
  'no-python': { type: 'boolean', default: false },
  ...RUNNER_OPTIONS,
} as const;

const DEFAULTS = { repeats: 5, officialRepeats: 3, warmup: 1 } as const;
const QUICK = { repeats: 2, officialRepeats: 1, warmup: 0 } as const;
/** A case whose results stray further than this from the published errors fails. */
const MAX_REL_DIFF = 1e-2;

const USAGE = `Usage: node dist/bench/theorem1/run.js [options]   (or: npm run bench:theorem1)

The 16-run Theorem-1 table (SPEC §8) by whole processes: ssm-poison (lsoda, the official
odeint path; rosenbrock, the accurate variant) against a vectorized SciPy odeint script and
the official notebook's code, interleaved, medians of wall (spawn to exit) and in-process
compute times. Python rows need python3 with NumPy and SciPy, skipped otherwise.

Options:
  --repeats <n>            measured processes per ssm-poison / vectorized case (default ${DEFAULTS.repeats})
  --official-repeats <n>   measured processes of the official code (default ${DEFAULTS.officialRepeats})
  --warmup <n>             unmeasured rounds first (default ${DEFAULTS.warmup})
  --quick                  ${QUICK.repeats} / ${QUICK.officialRepeats} repetitions, no warmup (a smoke run)
  --python <cmd>           the Python interpreter (default $PYTHON or python3)
  --no-python              only the ssm-poison rows
  --out <file>             results JSON (default bench/results/theorem1-<date>.json)
  -h, --help               this text`;

const CASE_SCRIPT = path.join(__dirname, 'case.js');

interface CaseDef extends ProcessJob {
  label: string;
  repeats: number;
}

/** What any case process prints, normalized to milliseconds. */
interface CaseOutput {
  computeMs: number;
  /** Start-up before the runs: Node + modules + addon, or the NumPy/SciPy imports (ms). */
  loadMs: number | null;
  maxRelDiff: number;
  runs: { name: string; seed: number; poisoned: boolean; extrapolationError: number; relDiff: number; ms: number }[];
  raw: Record<string, unknown>;
}

interface Sample {
  /** 1 … repeats (warmup rounds are not recorded). */
  round: number;
  wallMs: number;
  computeMs: number;
  loadMs: number | null;
  maxRelDiff: number;
}

/** The interpreter itself (not a pyenv shim) with NumPy and SciPy, or why not. */
function probePython(command: string): { executable: string; versions: Record<string, string> } | { reason: string } {
  const probe = spawnSync(command, ['-c',
    'import json, sys, platform, numpy, scipy, scipy.integrate\n' +
    'blas = "unknown"\n' +
    'try: blas = "%s %s" % (scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"], ' +
    'scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]["version"])\n' +
    'except Exception: pass\n' +
    'print(json.dumps({"executable": sys.executable, "python": platform.python_version(), ' +
    '"numpy": numpy.__version__, "scipy": scipy.__version__, "scipyBlas": blas}))'], { encoding: 'utf8' });
  if (probe.error) return { reason: `${command} cannot be run: ${probe.error.message}` };
  if (probe.status !== 0) {
    const why = (probe.stderr ?? '').trim().split('\n').pop() || `exit code ${probe.status}`;
    return { reason: `${command} has no NumPy/SciPy: ${why}` };
  }
  try {
    const info = JSON.parse(probe.stdout.trim()) as Record<string, string>;
    const { executable, ...versions } = info;
    return { executable: executable || command, versions };
  } catch {
    return { reason: `${command} printed no version information` };
  }
}

/** The system OpenBLAS the addon links (pkg-config), or null. */
function openblasVersion(): string | null {
  const r = spawnSync('pkg-config', ['--modversion', 'openblas'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** A case's JSON line, normalized (ssm-poison reports ms, the Python scripts seconds). */
function parseOutput(def: CaseDef, json: unknown): CaseOutput {
  const raw = json as Record<string, unknown>;
  if (raw.script === 'ssm-poison') {
    const r = raw as unknown as Theorem1CaseResult;
    return { computeMs: r.computeMs, loadMs: r.loadMs, maxRelDiff: r.maxRelDiff, runs: r.runs, raw };
  }
  const py = raw as { computeSeconds: number; importSeconds: number; maxRelDiff: number;
    runs: { name: string; seed: number; poisoned: boolean; extrapolationError: number; relDiff: number; seconds: number }[] };
  if (typeof py.computeSeconds !== 'number' || !Array.isArray(py.runs)) throw new Error(`${def.name}: unexpected JSON`);
  return {
    computeMs: py.computeSeconds * 1000,
    loadMs: py.importSeconds * 1000,
    maxRelDiff: py.maxRelDiff,
    runs: py.runs.map((r) => ({ ...r, ms: r.seconds * 1000 })),
    raw,
  };
}

async function main(): Promise<void> {
  const values = parseCommandLine(OPTIONS);
  if (printedHelp(values, USAGE)) return;
  const base = values.quick ? QUICK : DEFAULTS;
  const repeats = values.repeats === undefined ? base.repeats : positiveInteger(values.repeats, '--repeats');
  const officialRepeats = values['official-repeats'] === undefined
    ? base.officialRepeats
    : positiveInteger(values['official-repeats'], '--official-repeats', 0);
  const warmup = values.warmup === undefined ? base.warmup : positiveInteger(values.warmup, '--warmup', 0);

  const defs: CaseDef[] = [
    { name: 'theorem1-16::ssm-poison:lsoda', label: 'ssm-poison, lsoda (official odeint path)',
      process: nodeScript(CASE_SCRIPT, ['--method', 'lsoda']), repeats },
    { name: 'theorem1-16::ssm-poison:lsoda-endpoint', label: 'ssm-poison, lsoda, end point only',
      process: nodeScript(CASE_SCRIPT, ['--method', 'lsoda', '--endpoint']), repeats },
    { name: 'theorem1-16::ssm-poison:rosenbrock', label: 'ssm-poison, rosenbrock (rtol 1e−10)',
      process: nodeScript(CASE_SCRIPT, ['--method', 'rosenbrock']), repeats },
  ];
  const skipped: { case: string; reason: string }[] = [];
  let python: { command: string; executable: string; versions: Record<string, string> } | null = null;
  const pyCases = [
    { name: 'theorem1-16::scipy:vectorized', label: 'SciPy odeint, vectorized + Dfun', script: 'vectorized.py', repeats },
    { name: 'theorem1-16::scipy:official', label: 'official notebook code (odeint)', script: 'official.py', repeats: officialRepeats },
  ];
  if (values['no-python']) {
    for (const c of pyCases) skipped.push({ case: c.name, reason: '--no-python' });
  } else {
    const command = values.python ?? process.env.PYTHON ?? 'python3';
    const probe = probePython(command);
    if ('reason' in probe) {
      for (const c of pyCases) skipped.push({ case: c.name, reason: probe.reason });
    } else {
      python = { command, ...probe };
      for (const c of pyCases) {
        if (c.repeats === 0) skipped.push({ case: c.name, reason: 'repetitions set to 0' });
        else {
          defs.push({ name: c.name, label: c.label, repeats: c.repeats,
            process: { command: probe.executable, args: [path.join(THEOREM1_BENCH_DIR, c.script)] } });
        }
      }
    }
  }
  for (const s of skipped) log(`skipping ${s.case}: ${s.reason}`);

  const started = new Date();
  const standard = repeats === DEFAULTS.repeats && officialRepeats === DEFAULTS.officialRepeats && warmup === DEFAULTS.warmup;
  const scope: RunScope = standard ? 'full'
    : values.quick && values.repeats === undefined && values['official-repeats'] === undefined ? 'quick' : 'partial';
  const outFile = resultsFile('theorem1', started, scope, values.out);

  const environment = {
    ...machine(),
    loadAverageAtStart: os.loadavg(),
    OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null,
    openblasVersion: openblasVersion(),
    python: python ? { executable: python.executable, ...python.versions } as Record<string, string> : null,
    backendInfo: null as Record<string, unknown> | null,
  };
  const options = { repeats, officialRepeats, warmup, maxRelDiff: MAX_REL_DIFF,
    cases: defs.map((d) => ({ name: d.name, command: [d.process.command, ...d.process.args].join(' '), repeats: d.repeats })), skipped };
  const samples = new Map<string, Sample[]>(defs.map((d) => [d.name, []]));
  const outputs = new Map<string, CaseOutput[]>(defs.map((d) => [d.name, []]));
  const failures: { case: string; round: number; error: string }[] = [];

  const save = (extra: Record<string, unknown> = {}) => writeResults(outFile, {
    suite: 'theorem1', operation: 'the 16 published Theorem-1 gradient flows (SPEC §8), whole processes',
    started: started.toISOString(), environment, options,
    samples: Object.fromEntries(samples), failures, ...extra,
  });

  const rounds = Math.max(...defs.map((d) => d.repeats));
  log(`theorem1 benchmark: ${defs.length} cases, ${warmup} warmup + up to ${rounds} measured rounds, interleaved; ` +
    `results → ${path.relative(process.cwd(), outFile)}`);
  const t0 = performance.now();
  runRounds(defs, { rounds, warmup }, {
    sample: ({ job, round, warmup: warming, wallMs, json }) => {
      const output = parseOutput(job, json);
      if (!(output.maxRelDiff <= MAX_REL_DIFF)) {
        throw new Error(`the extrapolation errors are off the published ones by ${output.maxRelDiff} (> ${MAX_REL_DIFF})`);
      }
      if (job.process.command === process.execPath && environment.backendInfo === null) {
        environment.backendInfo = (output.raw.backendInfo as Record<string, unknown>) ?? null;
      }
      if (!warming) {
        samples.get(job.name)!.push({ round, wallMs, computeMs: output.computeMs, loadMs: output.loadMs, maxRelDiff: output.maxRelDiff });
        outputs.get(job.name)!.push(output);
      }
      return `wall ${(wallMs / 1000).toFixed(3)} s, compute ${(output.computeMs / 1000).toFixed(3)} s, ` +
        `max rel. diff. ${output.maxRelDiff.toExponential(1)}`;
    },
    failure: ({ job, round, error }) => failures.push({ case: job.name, round, error }),
    after: () => save(),
  });
  const totalSeconds = (performance.now() - t0) / 1000;

  const runs = publishedRuns();
  const summaries: CaseSummary[] = defs.filter((d) => samples.get(d.name)!.length > 0).map((d) => {
    const s = samples.get(d.name)!;
    const outs = outputs.get(d.name)!;
    return {
      name: d.name,
      label: d.label,
      wallMs: s.map((x) => x.wallMs),
      computeMs: s.map((x) => x.computeMs),
      wallMedianMs: median(s.map((x) => x.wallMs)),
      computeMedianMs: median(s.map((x) => x.computeMs)),
      maxRelDiff: Math.max(...s.map((x) => x.maxRelDiff)),
      perRunMs: runs.map((_, k) => median(outs.map((o) => o.runs[k]?.ms ?? NaN))),
    };
  });
  const perRun: PerRunRow[] = runs.map((r, k) => ({
    name: r.name, seed: r.seed, poisoned: r.poisoned, published: r.published,
    cases: Object.fromEntries(summaries.map((c) => {
      const last = outputs.get(c.name)!.at(-1)!.runs[k];
      return [c.name, { extrapolationError: last.extrapolationError, relDiff: last.relDiff, medianMs: c.perRunMs[k] }];
    })),
  }));
  const report = buildReport(summaries, perRun);
  const loadAverageAtEnd = os.loadavg();
  save({
    totalSeconds,
    loadAverageAtEnd,
    summary: summaries.map(({ perRunMs: _, ...s }) => s),
    perRun,
    acceptance: report.acceptance,
    markdown: report.markdown,
  });

  const info = environment.backendInfo;
  const pyInfo = environment.python;
  const lines = [
    report.markdown,
    '',
    machineLine(environment) +
      (info ? `; ssm-poison native: ${info.blas} ${environment.openblasVersion ?? ''}, ${info.threads} threads, ` +
        `${info.blasThreads} BLAS threads` : '') +
      (pyInfo ? `; Python ${pyInfo.python}, NumPy ${pyInfo.numpy}, SciPy ${pyInfo.scipy} (${pyInfo.scipyBlas})` : '') + '.',
    loadLine(environment.loadAverageAtStart, loadAverageAtEnd),
    ...skipped.map((s) => `Skipped ${s.case}: ${s.reason}`),
    `Total ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
  if (summaries.length === 0) throw new SsmPoisonError('No case completed', 'ERR_SSM_BENCH_FAILED');
}

runMain('bench:theorem1', main);
