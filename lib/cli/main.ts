/** The `ssm-poison` command line (argument parsing with commander). */
import { Command, InvalidArgumentError, Option } from 'commander';

import { backendInfo, BACKEND_NAMES, type BackendChoice } from '../backends/loader';
import { SsmPoisonError } from '../errors';
import { version } from '../version';
import { runEval } from './eval';
import { readJsonInput, toJson, UsageError } from './io';
import { reproduceCommand } from './reproduce';
import { runCommand } from './run';

function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError('expected an integer seed in [0, 4294967295]');
  }
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

const backendOption = () =>
  new Option('--backend <name>', 'backend to use (default: SSM_POISON_BACKEND or automatic)').choices([
    'auto',
    ...BACKEND_NAMES,
  ]);

export function buildProgram(): Command {
  const program = new Command();
  program
    .exitOverride() // inherited by the subcommands created below
    .name('ssm-poison')
    .description('Simulate how gradient descent and gradient flow train diagonal linear SSMs, and how clean-label special sequences poison their implicit bias.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  $ ssm-poison reproduce
  $ ssm-poison info
  $ ssm-poison run examples/theorem1-L7-d10-poisoned.json
  $ ssm-poison eval case.json --hessian
  $ ssm-poison run --help`);

  program
    .command('reproduce')
    .description("Reproduce the paper's experiments: Theorem 1 (gradient flow), the standalone SSM and the SSM in an MLP (gradient descent), each without and with special sequences, and the training dynamics of Figs 2–8; tables with the published values, results.json, results.csv and SVG figures.")
    .argument('[experiment]', 'theorem1, standalone, mlp, dynamics or all', 'all')
    .option('--quick', 'both Theorem-1 configurations and the first (κ = 6) configuration of the others, every seed (the default)')
    .option('--full', 'every published configuration and seed (SPEC §8)')
    .option('--json', 'one JSON object on stdout: experiments (per seed clean and poisoned, summary, published values), files, backend')
    .option('--out <dir>', 'directory for results.json, results.csv and the figures (default ./ssm-poison-results/<timestamp>)')
    .option('--no-figures', 'no SVG figures (dynamics_<config>.svg, theorem1_<config>.svg)')
    .option('--seed <n>', 'run this seed only in every experiment', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('expected an integer seed in [0, 4294967295]');
      return n;
    })
    .option('--quiet', 'no progress lines on stderr')
    .addOption(backendOption())
    .addHelpText('after', `
Every experiment runs in the native addon, or in its WebAssembly build where the addon
cannot load (--backend native, native-portable or wasm; js has no training loops).
Exit codes: 0 done, 2 bad arguments, 130 interrupted (Ctrl-C; finished experiments are kept).

Examples:
  $ ssm-poison reproduce
  $ ssm-poison reproduce theorem1 --json
  $ ssm-poison reproduce dynamics --out figs/
  $ ssm-poison reproduce all --full --out results/`)
    .action(async (which: string, opts: { full?: boolean; quick?: boolean; json?: boolean; out?: string; seed?: number; quiet?: boolean; figures?: boolean; backend?: BackendChoice }) => {
      if (opts.full && opts.quick) throw new UsageError('Expected one of --quick or --full, not both');
      process.exitCode = await reproduceCommand(which, opts);
    });

  program
    .command('run')
    .description('Run an experiment config (JSON, SPEC §10): one gradient-flow run per seed; prints per-seed train loss, extrapolation error and status, and their means.')
    .argument('<config>', 'experiment config (JSON file; "-" for standard input)')
    .option('--json', 'one JSON object on stdout: the config as understood (defaults filled in), per-seed runs, summary, backend')
    .addOption(backendOption())
    .option('--seed <N>', 'run this one seed instead of the config\'s seeds', seedValue)
    .option('--quiet', 'no progress output on stderr')
    .addHelpText('after', `
Config (see SPEC §10): { "kind": "gradient-flow", "length": 7,
  "teacher": { "a": [1, 0], "b": [1, 3], "c": [1, 3] },
  "student": { "dim": 10, "init": "theorem1", "sdA": 0.001, "diffExponent": 5 },
  "data": { "baseline": { "count": 1, "positions": [0, 1], "values": [[1]] },
            "special": { "count": 1, "positions": [5, 6], "values": [[1]] } },
  "seeds": [242, 243, 244, 246],
  "flow": { "until": 10000, "outputs": 1000 } }
flow.method defaults to "lsoda" with rtol = atol = 1.49012e-8, SciPy odeint's defaults, as
in the official experiments (they reproduce the published numbers).

Exit codes: 0 done, 2 invalid config or arguments, 130 interrupted (Ctrl-C; the seeds that
finished are printed), 1 other failures.

Examples:
  $ ssm-poison run examples/theorem1-L7-d10-poisoned.json
  $ ssm-poison run examples/theorem1-L7-d10-clean.json --json --seed 242
  $ ssm-poison run examples/theorem1-L9-d20-poisoned.json --backend native-portable`)
    .action(async (file: string, opts: { json?: boolean; backend?: BackendChoice; seed?: number; quiet?: boolean }) => {
      process.exitCode = await runCommand(file, opts);
    });

  program
    .command('eval')
    .description('Evaluate one diagonal SSM on given sequences: outputs, impulse response, loss, gradients, γ coefficients, optionally the Hessian. Output is JSON.')
    .argument('[file]', 'input JSON (standard input when omitted)')
    .option('--json', 'machine-readable JSON on stdout (the output is JSON either way)')
    .option('--impulse-length <L>', 'number of impulse-response entries (default: the sequence length)', positiveInteger)
    .option('--hessian', 'also output the Hessian ∂²L/∂a²')
    .addOption(backendOption())
    .addHelpText('after', `
Input: { "model": { "a": [...], "b": [...], "c": [...] }, "inputs": [[...], ...],
         "targets": [...] }   (targets optional; "teacher": {a, b, c} may replace them)

Examples:
  $ ssm-poison eval case.json --hessian
  $ echo '{"model":{"a":[0.5],"b":[1],"c":[1]},"inputs":[[1,0,0]],"targets":[0.2]}' | ssm-poison eval`)
    .action((file: string | undefined, opts: { impulseLength?: number; hessian?: boolean; backend?: BackendChoice }) => {
      const result = runEval(readJsonInput(file), opts);
      process.stdout.write(`${toJson(result)}\n`);
    });

  program
    .command('info')
    .description('Show the version and the backend that would be used (name, OpenBLAS, threads, load errors).')
    .option('--json', 'machine-readable JSON on stdout')
    .addOption(backendOption())
    .addHelpText('after', '\nExamples:\n  $ ssm-poison info --json\n  $ ssm-poison info --backend native-portable')
    .action((opts: { json?: boolean; backend?: BackendChoice }) => {
      const info = { version, node: process.version, ...backendInfo(opts.backend) };
      if (opts.json) {
        process.stdout.write(`${toJson(info)}\n`);
        return;
      }
      const lines = [
        `ssm-poison ${info.version} (Node.js ${info.node})`,
        `backend: ${info.name}`,
        `BLAS: ${info.blas}${info.openblas ? ' (OpenBLAS linked)' : ''}, ${info.blasThreads} BLAS thread(s)`,
        `threads for independent students: ${info.threads}`,
        ...(info.simd === undefined ? [] : [`WebAssembly build: ${info.simd ? 'SIMD (-msimd128)' : 'without SIMD'}`]),
        ...info.loadErrors.map((e) => `not loaded: ${e.backend}: ${e.message}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  return program;
}

/** Runs the CLI; bad input exits with code 2, other failures with 1. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander printed its own message (help, version, or a usage error)
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const usage = err instanceof UsageError || err instanceof TypeError || err instanceof RangeError;
    const label = err instanceof SsmPoisonError ? `${err.code}: ` : '';
    process.stderr.write(`ssm-poison: ${label}${e.message ?? String(err)}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}
