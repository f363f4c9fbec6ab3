/**
 * The command line of the bench scripts: strict parsing, --help, the shared timing options
 * (--time, --min-iterations), stderr logging and the top-level error handler.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { positiveInteger } from './args';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The tinybench budget of one case process. */
export const TIMING_OPTIONS = {
  time: { type: 'string' },
  'min-iterations': { type: 'string' },
} as const;

/** Options every runner has besides its own. */
export const RUNNER_OPTIONS = {
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface Timing {
  /** tinybench time budget per case (ms). */
  time: number;
  /** At least this many measured calls per case. */
  minIterations: number;
}

type Strict<T extends Options> = { options: T; strict: true; allowPositionals: false };

/** The option values (strict: unknown options and positionals are errors). */
export function parseCommandLine<T extends Options>(options: T): ReturnType<typeof parseArgs<Strict<T>>>['values'] {
  return parseArgs<Strict<T>>({ options, strict: true, allowPositionals: false }).values;
}

/** Prints `usage` when --help was given; true when it did. */
export function printedHelp(values: { help?: boolean | (string | boolean)[] }, usage: string): boolean {
  if (values.help !== true) return false;
  process.stdout.write(`${usage}\n`);
  return true;
}

/** --time and --min-iterations, or the defaults. */
export function parseTiming(values: { time?: string; 'min-iterations'?: string }, defaults: Timing): Timing {
  return {
    time: values.time === undefined ? defaults.time : positiveInteger(values.time, '--time', 0),
    minIterations: values['min-iterations'] === undefined
      ? defaults.minIterations
      : positiveInteger(values['min-iterations'], '--min-iterations'),
  };
}

/** The arguments that pass a timing on to a case process. */
export function timingArgs({ time, minIterations }: Timing): string[] {
  return ['--time', String(time), '--min-iterations', String(minIterations)];
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Indents every line of a child's diagnostics under the runner's own lines. */
export function indented(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

/** Runs `main`; an error is printed as "<label>: message" and sets exit code 1. */
export function runMain(label: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
