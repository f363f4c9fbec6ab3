/**
 * Benchmark cases as whole processes (STYLE.md: one process per case), one after the other,
 * never in parallel: each prints ONE JSON line on stdout (its last line starting with "{"
 * counts) and its diagnostics on stderr. With several rounds the whole sequence of
 * processes runs round by round (interleaved), which spreads machine-load drift over all
 * cases; warmup rounds run first and are not recorded.
 */
import { spawnSync } from 'node:child_process';

import { indented, log } from './cli';

export interface CaseProcess {
  command: string;
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

export interface ProcessJob {
  name: string;
  process: CaseProcess;
  /** Measured rounds of this job (default: every round). */
  repeats?: number;
}

export type ProcessOutcome = { wallMs: number; stderr: string } & ({ json: unknown } | { error: string });

/** A node script of dist/bench as a case process. */
export function nodeScript(script: string, args: string[], env?: Record<string, string>): CaseProcess {
  return { command: process.execPath, args: [script, ...args], env };
}

/** Runs one process, timed from spawn to exit; its JSON line, or why there is none. */
export function runJsonProcess({ command, args, env }: CaseProcess): ProcessOutcome {
  const t0 = process.hrtime.bigint();
  const child = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = (child.stderr ?? '').trim();
  const lines = (child.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  if (!child.error && child.status === 0 && lines.length > 0) {
    try {
      return { wallMs, stderr, json: JSON.parse(lines[lines.length - 1]) as unknown };
    } catch {
      // reported below
    }
  }
  const error = child.error?.message ??
    (stderr || `exit code ${child.status}, signal ${child.signal}${child.status === 0 ? ', no JSON result' : ''}`);
  return { wallMs, stderr, error };
}

export interface RoundPlan {
  rounds: number;
  warmup?: number;
}

export interface JobSample<J> {
  job: J;
  /** 1 … rounds; warmup rounds are ≤ 0. */
  round: number;
  warmup: boolean;
  wallMs: number;
  json: unknown;
}

export interface JobFailure<J> {
  job: J;
  round: number;
  warmup: boolean;
  error: string;
}

export interface RoundHandlers<J> {
  /** Records a sample and returns its log text; throwing turns it into a failure. */
  sample(s: JobSample<J>): string;
  failure(f: JobFailure<J>): void;
  /** After every process (e.g. save the results so far). */
  after?(): void;
}

/** Runs every job once per round, round by round, logging one line per process. */
export function runRounds<J extends ProcessJob>(jobs: readonly J[], plan: RoundPlan, on: RoundHandlers<J>): void {
  const warmup = plan.warmup ?? 0;
  const runs = (job: J) => warmup + Math.min(job.repeats ?? plan.rounds, plan.rounds);
  const total = jobs.reduce((n, job) => n + runs(job), 0);
  let done = 0;
  for (let round = 1 - warmup; round <= plan.rounds; round++) {
    for (const job of jobs) {
      if (round > (job.repeats ?? plan.rounds)) continue;
      done++;
      const when = round <= 0 ? ', warmup' : plan.rounds > 1 ? `, round ${round}/${plan.rounds}` : '';
      const tag = `[${done}/${total}${when}] ${job.name}`;
      const outcome = runJsonProcess(job.process);
      const wall = `${(outcome.wallMs / 1000).toFixed(1)} s`;
      let error = 'error' in outcome ? outcome.error : undefined;
      if ('json' in outcome) {
        if (outcome.stderr) log(indented(outcome.stderr));
        try {
          log(`${tag}: ${on.sample({ job, round, warmup: round <= 0, wallMs: outcome.wallMs, json: outcome.json })} (${wall})`);
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
      }
      if (error !== undefined) {
        on.failure({ job, round, warmup: round <= 0, error });
        log(`${tag}: FAILED (${wall})\n${indented(error)}`);
      }
      on.after?.();
    }
  }
}
