/** Input and output helpers shared by the CLI commands. */
import fs from 'node:fs';

/** Thrown for bad user input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads a JSON document from a file, or from standard input when no file is given. */
export function readJsonInput(file: string | undefined): unknown {
  let text: string;
  const source = file ?? 'standard input';
  try {
    text = fs.readFileSync(file ?? 0, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${source}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}

/** JSON with typed arrays written as plain arrays (numbers round-trip exactly). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v), 2);
}

/** Rows of a row-major n×n matrix. */
export function matrixRows(data: Float64Array, n: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * n, (i + 1) * n)));
  return rows;
}

/** Exit code of an interrupted command (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs work with Ctrl-C wired to an AbortSignal: the first SIGINT aborts (the work stops
 * cleanly and keeps what finished), a second one exits at once with code 130. Every
 * backend's long runs leave the event loop free (native: the libuv pool; WebAssembly: a
 * worker thread), so the handler runs while they work.
 */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let signals = 0;
  const onSigint = () => {
    if (++signals > 1) process.exit(INTERRUPTED_EXIT_CODE);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
