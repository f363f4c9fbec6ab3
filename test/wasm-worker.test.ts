/**
 * The Promise forms of the WebAssembly runs, which run in worker threads (lib/backends/
 * wasm-run-job.ts, wasm-worker-pool.ts, wasm-run-worker.ts): this thread's timers keep
 * ticking during a run; abort() ends a run within 100 ms, also one whose epochs take a
 * millisecond, with status aborted and the partial logs; an error in the worker (a trap)
 * rejects the promise with the synchronous form's class and message and the next run works;
 * concurrent runs and reused workers give the synchronous results; a throwing progress
 * callback changes nothing; and no worker keeps the process alive (a script that ran some
 * exits by itself).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import type { NativeTrainConfig, NativeTrainResult, RunAddon } from '../lib/backends/addon-types';
import { tryRunAddon } from './helpers/addons';
import { lcg } from './helpers/close';

const required = (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim()).includes('wasm');
const F = (v: ArrayLike<number>) => Float64Array.from(v);
const ABORTED = -5;

/** One student of dim d on N random sequences of length K; gd with a small rate, logs every logEvery. */
function trainConfig(d: number, N: number, K: number, extra: Partial<NativeTrainConfig> = {}): NativeTrainConfig {
  const r = lcg(11);
  const vec = (n: number, lo: number, hi: number) => F(Array.from({ length: n }, () => lo + (hi - lo) * r()));
  return {
    students: 1, dim: d, count: N, length: K, a: vec(d, 0.05, 0.6), b: vec(d, 0.1, 0.5), c: vec(d, 0.1, 0.5),
    x: vec(N * K, -0.5, 0.5), targets: vec(N, -1, 1), train: 7, fixBC: false,
    optimizer: { kind: 0, lr: 1e-4, beta: 0.8, soft: 1e-6, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
    batchSize: 0, batchSeed: 0, eps: 0, maxEpochs: 1e12, epochsAfterStop: 0, logEvery: 20, maxLogs: 10_000,
    ...extra,
  };
}

/** Epochs of about a millisecond in WebAssembly (κ = 1024, d = 64, N = 64). */
const slowEpochs = () => trainConfig(64, 64, 1024);

/** The largest gap between the ticks of a 5 ms interval while `work` runs. */
async function largestTimerGap<T>(work: Promise<T>): Promise<{ value: T; gap: number; ticks: number }> {
  let last = performance.now();
  let gap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    return { value: await work, gap, ticks };
  } finally {
    clearInterval(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function suite(wasm: RunAddon): void {
  it('timers keep ticking while a run works; abort() ends it within 100 ms with its partial logs', async () => {
    const seen: number[] = [];
    const handle = wasm.trainAsync(slowEpochs(), (p) => seen.push(p.epoch), 10);
    const aborting = sleep(400).then(() => {
      const at = performance.now();
      handle.abort();
      return handle.promise.then((r) => ({ r, latency: performance.now() - at }));
    });
    const { value, gap, ticks } = await largestTimerGap(aborting);
    const { r, latency } = value;
    assert.ok(latency < 100, `returned ${latency.toFixed(0)} ms after abort()`);
    assert.ok(gap < 100 && ticks >= 30, `largest gap between timer ticks ${gap.toFixed(0)} ms, ${ticks} ticks`);
    assert.deepEqual(r.status, [ABORTED]);
    const epochs = r.epochs[0];
    const rows = r.logCount[0];
    assert.ok(epochs > 20 && rows === Math.ceil(epochs / 20), `${epochs} epochs, ${rows} log rows`);
    const logged = Array.from(r.logEpoch!.subarray(0, rows));
    assert.deepEqual(logged, logged.map((_, k) => 20 * k));
    assert.ok(r.logLoss![rows - 1] < r.logLoss![0]);
    assert.ok(seen.length >= 5 && seen.every((e, k) => k === 0 || e >= seen[k - 1]), `progress ${seen}`);
  });

  it('an error in the worker (a trap: no memory inside the core) rejects with the synchronous error, and the next run works', async () => {
    const trapping = trainConfig(2, 3, 4, {
      maxEpochs: 10, teacherA: F([0.9]), teacherB: F([1]), teacherC: F([1]), extFrom: 0, extTo: 2 ** 31 - 1,
    });
    let sync: Error | undefined;
    try {
      wasm.train(trapping);
    } catch (e) {
      sync = e as Error;
    }
    assert.ok(sync instanceof RangeError, String(sync));
    await assert.rejects(wasm.trainAsync(trapping, undefined, 100).promise, (e: Error) => {
      assert.equal(e.constructor, RangeError);
      assert.equal(e.message, sync!.message);
      return true;
    });
    const fine = { ...trapping, extTo: 5 };
    const r = await wasm.trainAsync(fine, undefined, 100).promise;
    assert.deepEqual(r, wasm.train(fine));
  });

  it('concurrent runs (one worker each) and runs one after the other (a reused worker) give the synchronous results', async () => {
    const configs = [1, 2, 3].map((k) => trainConfig(2 + k, 4, 5 + k, { maxEpochs: 2000 + 500 * k, maxLogs: 200 }));
    const together = await Promise.all(configs.map((c) => wasm.trainAsync(c, undefined, 100).promise));
    const inTurn: NativeTrainResult[] = [];
    for (const c of configs) inTurn.push(await wasm.trainAsync(c, undefined, 100).promise);
    configs.forEach((c, k) => {
      const sync = wasm.train(c);
      assert.deepEqual(together[k], sync, `concurrent run ${k}`);
      assert.deepEqual(inTurn[k], sync, `run ${k} in turn`);
    });
  });

  it('a throwing progress callback is ignored: the same result as without one', async () => {
    const config = trainConfig(3, 5, 6, { maxEpochs: 5000, maxLogs: 300, optimizer: { ...trainConfig(1, 1, 1).optimizer, lr: 0.01 } });
    let calls = 0;
    const r = await wasm.trainAsync(config, () => {
      calls++;
      throw new Error('from onProgress');
    }, 0).promise;
    assert.ok(calls > 1, `${calls} progress calls`);
    assert.deepEqual(r, wasm.train(config) as NativeTrainResult);
  });

  it('no worker keeps the process alive: a script that ran, aborted and failed runs exits by itself (also with --no-addons)', function () {
    this.timeout(30_000);
    const lib = JSON.stringify(path.join(__dirname, '..', 'lib'));
    const script = `
      const { train } = require(${lib} + '/train');
      const problem = { student: { a: [0.5, 0.3], b: [1, 1], c: [1, 1] }, inputs: [[1, 0, 0.5]], targets: [0.7] };
      const options = { optimizer: { kind: 'gd', lr: 0.01 }, maxEpochs: 100, backend: 'wasm' };
      (async () => {
        const [done] = await train([problem], options);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        const [aborted] = await train([problem], { ...options, maxEpochs: 1e12, logEvery: 1e9, signal: controller.signal });
        const failed = await train([problem], { ...options, teacher: { a: [0.9], b: [1], c: [1] }, extrapolation: { from: 0, to: 2 ** 31 - 2 } })
          .then(() => 'resolved', (e) => e.constructor.name);
        const end = performance.now();
        process.on('exit', () => console.log(JSON.stringify({ statuses: [done.status, aborted.status, failed], exitMs: performance.now() - end })));
      })();`;
    for (const args of [[], ['--no-addons']]) {
      const r = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } });
      assert.equal(r.signal, null, `${args.join(' ')}: still running after 20 s (a worker kept it alive)`);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { statuses: string[]; exitMs: number };
      assert.deepEqual(out.statuses, ['max-epochs', 'aborted', 'RangeError']);
      assert.ok(out.exitMs < 1000, `${args.join(' ')}: exited ${out.exitMs.toFixed(0)} ms after the last run`);
    }
  });
}

describe('WebAssembly runs in a worker thread', () => {
  const { addon, reason } = tryRunAddon('wasm');
  if (addon === undefined) {
    if (required) it('loads (required by SSM_POISON_REQUIRE_BACKENDS)', () => assert.fail(reason));
    else it(`skipped: ${reason}`, function () { this.skip(); });
    return;
  }
  suite(addon);
});
