/**
 * The shared benchmark runner (bench/processes.ts): a case process's last JSON line or the
 * reason there is none, and the round-by-round order with warmup rounds and per-job repeats.
 */
import assert from 'node:assert/strict';

import { type ProcessJob, runJsonProcess, runRounds } from '../bench/processes';

const node = (source: string): ProcessJob['process'] => ({ command: process.execPath, args: ['-e', source] });

describe('bench: case processes', () => {
  it('returns the last JSON line and passes the extra environment', () => {
    const out = runJsonProcess({ ...node('console.log("{\\"a\\":1}"); console.log(JSON.stringify({ v: process.env.BENCH_X }))'),
      env: { BENCH_X: 'y' } });
    assert.ok('json' in out);
    assert.deepEqual(out.json, { v: 'y' });
    assert.ok(out.wallMs > 0);
  });

  it('reports a failing process with its stderr, and a silent one', () => {
    const failed = runJsonProcess(node('console.error("guard failed"); process.exit(1)'));
    assert.ok('error' in failed);
    assert.equal(failed.error, 'guard failed');
    const silent = runJsonProcess(node(''));
    assert.ok('error' in silent);
    assert.equal(silent.error, 'exit code 0, signal null, no JSON result');
  });

  it('runs warmup rounds first, then every job per round, honouring repeats; a throwing handler fails the sample', () => {
    const job = (name: string, repeats?: number): ProcessJob => ({ name, repeats, process: node(`console.log('{"job":"${name}"}')`) });
    const seen: string[] = [];
    const failures: string[] = [];
    const logged = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      runRounds([job('a'), job('b', 1)], { rounds: 2, warmup: 1 }, {
        sample: ({ job: j, round, warmup }) => {
          if (j.name === 'b' && round === 1) throw new Error('rejected');
          seen.push(`${j.name}${round}${warmup ? 'w' : ''}`);
          return 'ok';
        },
        failure: ({ job: j, round, error }) => failures.push(`${j.name}${round}: ${error}`),
      });
    } finally {
      process.stderr.write = logged;
    }
    assert.deepEqual(seen, ['a0w', 'b0w', 'a1', 'a2']);
    assert.deepEqual(failures, ['b1: rejected']);
  });
});
