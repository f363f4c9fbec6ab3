/** Where a benchmark run writes its results JSON, and what it records about the machine. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** bench/results of the package (the scripts run from dist/bench). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'bench', 'results');

/** A full run, a --quick smoke run or any other subset. */
export type RunScope = 'full' | 'quick' | 'partial';

/** `--out`, else bench/results/<suite>-<date>[-quick|-partial].json. */
export function resultsFile(suite: string, started: Date, scope: RunScope, out: string | undefined): string {
  if (out !== undefined) return path.resolve(out);
  const suffix = scope === 'full' ? '' : `-${scope}`;
  return path.join(RESULTS_DIR, `${suite}-${started.toISOString().slice(0, 10)}${suffix}.json`);
}

export function writeResults(file: string, doc: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/** The CPU model from /proc/cpuinfo (os.cpus() can be vague in VMs). */
export function cpuModel(): string {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export interface Machine {
  node: string;
  platform: string;
  cpu: string;
  cpus: number;
  totalMemoryGB: number;
}

export function machine(): Machine {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpuModel(),
    cpus: os.cpus().length,
    totalMemoryGB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/** "Machine: <cpu>, <n> CPUs, <m> GB, Node <version>" (the caller adds its backend details). */
export function machineLine(m: Machine): string {
  return `Machine: ${m.cpu}, ${m.cpus} CPUs, ${m.totalMemoryGB} GB, Node ${m.node}`;
}

/** A load average (1, 5, 15 min) as "a, b, c". */
export function formatLoad(load: readonly number[]): string {
  return load.map((x) => x.toFixed(2)).join(', ');
}

export function loadLine(before: readonly number[], after: readonly number[]): string {
  return `Load average (1, 5, 15 min): ${formatLoad(before)} before, ${formatLoad(after)} after.`;
}
