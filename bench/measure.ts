/**
 * Times one synchronous call with tinybench inside a case process. Warmup: at least one
 * call (tinybench's default of 16 calls would take minutes for the slowest cases);
 * measured: both the time budget and `minIterations` calls.
 */
import { Bench } from 'tinybench';

import type { Timing } from './cli';

/** Latency statistics of the measured calls (ms). */
export interface Latency {
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Relative margin of error (%). */
  rme: number;
  samples: number;
}

export async function measure(name: string, call: () => void, { time, minIterations }: Timing): Promise<Latency> {
  const bench = new Bench({
    name,
    time,
    iterations: minIterations,
    warmup: true,
    warmupTime: Math.min(250, time / 4),
    warmupIterations: 1,
    throws: true,
  });
  bench.add(name, call, { async: false });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`tinybench did not complete ${name}: state ${result.state}` +
      (result.state === 'errored' ? `: ${result.error.message}` : ''));
  }
  const { latency } = result;
  return {
    medianMs: latency.p50,
    meanMs: latency.mean,
    minMs: latency.min,
    maxMs: latency.max,
    rme: latency.rme,
    samples: latency.samplesCount,
  };
}
