/**
 * The run methods on the WebAssembly build against the native addon (lib/backends/
 * wasm-run-addon.ts, native/wasm/exports_run.cc): the same raw configs give the same raw
 * results — the same keys, statuses, counters and sizes, numbers to 1e−10 relative (the
 * native build contracts to fused multiply-adds, wasm has none), and the gradient flows
 * bit for bit (native/core/fixed_order.h) — and the same bad
 * configs fail with the same error class and message (the binding's checks, repeated in
 * TypeScript). The struct layouts the module describes cover every field the runs write.
 *
 * Needs both: skipped when one does not load, unless SSM_POISON_REQUIRE_BACKENDS names it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import type { NativeFlowConfig, NativeScaledFlowConfig, NativeTrainConfig, RunAddon } from '../lib/backends/addon-types';
import { wasmRuntime } from '../lib/backends/wasm-module';
import { compare } from './helpers/close';
import { tryRunAddon } from './helpers/addons';
import { lcg } from './helpers/close';

const required = (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim());
const TOLERANCE = 1e-10;

const F = (v: ArrayLike<number>) => Float64Array.from(v);

/** S students of dim d, N random sequences of length K with labels from a small teacher. */
function trainConfig(S: number, d: number, N: number, K: number, seed: number, extra: Partial<NativeTrainConfig> = {}): NativeTrainConfig {
  const r = lcg(seed);
  const vec = (n: number, lo: number, hi: number) => F(Array.from({ length: n }, () => lo + (hi - lo) * r()));
  const x = vec(S * N * K, -0.5, 0.5);
  const targets = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    for (let n = 0; n < N; n++) {
      let y = 0;
      for (let t = 0; t < K; t++) y += x[(s * N + n) * K + t] * (0.9 ** (K - 1 - t) + 0.5 * 0.4 ** (K - 1 - t));
      targets[s * N + n] = y;
    }
  }
  return {
    students: S, dim: d, count: N, length: K, a: vec(S * d, 0.05, 0.6), b: vec(S * d, 0.1, 0.5), c: vec(S * d, 0.1, 0.5),
    x, targets, train: 7, fixBC: false,
    optimizer: { kind: 0, lr: 0.02, beta: 0.8, soft: 1e-6, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
    batchSize: 0, batchSeed: 0, eps: 0, maxEpochs: 300, epochsAfterStop: 0, logEvery: 50, maxLogs: 7,
    teacherA: F([0.9, 0.4]), teacherB: F([1, 0.5]), teacherC: F([1, 1]), extFrom: 0, extTo: 30,
    ...extra,
  };
}

/** Every entry of two raw results: the same keys; numbers and arrays within TOLERANCE. */
function assertSameResult(wasm: object, native: object, label: string, tolerance = TOLERANCE): void {
  const w = wasm as Record<string, unknown>;
  const n = native as Record<string, unknown>;
  assert.deepEqual(Object.keys(w).sort(), Object.keys(n).sort(), `${label}: keys`);
  for (const key of Object.keys(n)) {
    const a = w[key];
    const b = n[key];
    if (b instanceof Float64Array || Array.isArray(b)) {
      const x = a as ArrayLike<number>;
      assert.equal(x.length, b.length, `${label}: ${key} length`);
      // NaN and ±Infinity (outputs never reached, a diverged loss) in the same places; the rest close
      for (let i = 0; i < b.length; i++) {
        if (!Number.isFinite(b[i])) assert.ok(Object.is(x[i], b[i]), `${label}: ${key}[${i}] ${x[i]} vs ${b[i]}`);
      }
      const finite = (v: ArrayLike<number>) => Array.from(v).filter((_, i) => Number.isFinite(b[i]));
      if (finite(b).length === 0) continue;
      const { error } = compare(finite(x), finite(b));
      assert.ok(error <= tolerance, `${label}: ${key} differs by ${error}`);
    } else if (typeof b === 'number' && !Number.isFinite(b)) {
      assert.ok(Object.is(a, b), `${label}: ${key} ${a} vs ${b}`);
    } else if (typeof b === 'number' && Number.isFinite(b) && b !== 0) {
      assert.ok(Math.abs((a as number) - b) <= tolerance * Math.abs(b), `${label}: ${key} ${a} vs ${b}`);
    } else {
      assert.deepEqual(a, b, `${label}: ${key}`);
    }
  }
}

/** Both throw: the same class and message. */
function assertSameError(wasm: () => unknown, native: () => unknown, label: string): void {
  let expected: Error | undefined;
  try {
    native();
  } catch (e) {
    expected = e as Error;
  }
  assert.ok(expected, `${label}: the native addon accepts it`);
  assert.throws(wasm, (e: unknown) => {
    assert.equal((e as Error).constructor, expected!.constructor, `${label}: class`);
    assert.equal((e as Error).message, expected!.message, `${label}: message`);
    return true;
  }, label);
}

function suite(wasm: RunAddon, native: RunAddon): void {
  describe('training: the same runs', () => {
    const cases: [string, NativeTrainConfig][] = [
      ['gd, 3 students, teacher', trainConfig(3, 4, 5, 6, 1)],
      ['adaptive, eps and epochs after the stop', trainConfig(2, 5, 4, 7, 2, { optimizer: { ...trainConfig(1, 1, 1, 1, 0).optimizer, kind: 1, lr: 0.01 }, eps: 1e-3, epochsAfterStop: 20, maxEpochs: 5000 })],
      ['adam with weight decay, minibatches', trainConfig(2, 3, 9, 5, 3, { optimizer: { ...trainConfig(1, 1, 1, 1, 0).optimizer, kind: 2, lr: 0.01, weightDecay: 1e-3 }, batchSize: 4, batchSeed: 7 })],
      ['fixBC, only a, no logs', trainConfig(1, 6, 3, 8, 4, { fixBC: true, train: 1, maxLogs: 0 })],
      ['an MLP head and a test set', trainConfig(2, 3, 6, 5, 5, {
        train: 15, mlp: { width: 3, depth: 2, weights: F(Array.from({ length: 2 * 15 }, (_, i) => 0.1 + 0.03 * (i % 7))) },
        testCount: 4, testLength: 5, testX: F(Array.from({ length: 2 * 4 * 5 }, (_, i) => Math.sin(i))), testTargets: F([0.1, -0.2, 0.3, 0.05, 0.2, 0.1, -0.1, 0.4]),
      })],
      ['divergence', trainConfig(1, 3, 4, 5, 6, { optimizer: { ...trainConfig(1, 1, 1, 1, 0).optimizer, lr: 1e6 } })],
    ];
    for (const [label, config] of cases) {
      it(label, () => assertSameResult(wasm.train(config), native.train(config), label));
    }

    it('the Promise form gives the synchronous result and reports progress', async () => {
      const config = trainConfig(2, 4, 5, 6, 8, { maxEpochs: 5000 });
      const seen: { epoch: number; loss: number }[] = [];
      const r = await wasm.trainAsync(config, (p) => seen.push(p), 0).promise;
      assertSameResult(r, native.train(config), 'trainAsync');
      assert.ok(seen.length >= 5 && seen.every((p) => Number.isFinite(p.epoch) && Number.isFinite(p.loss)), JSON.stringify(seen));
    });

    it('kernelGradNormFast and mlpPredict', () => {
      const a = F([0.5, 0.49, 0.2]), b = F([1, 0.5, 0.3]), c = F([0.2, 0.4, 1]), e = F([0.1, -0.3, 0.2, 0.05, 0.7]);
      assertSameResult({ n: wasm.kernelGradNormFast(a, b, c, e) }, { n: native.kernelGradNormFast(a, b, c, e) }, 'kernelGradNormFast');
      const w = F(Array.from({ length: 2 * 3 + 3 * 9 }, (_, i) => Math.cos(i)));
      assertSameResult({ y: wasm.mlpPredict(3, 4, w, F([-1, 0.5, 2])) }, { y: native.mlpPredict(3, 4, w, F([-1, 0.5, 2])) }, 'mlpPredict');
    });
  });

  const ode = { method: 0, rtol: 1e-10, atol: 1e-14, firstStep: 0, maxStep: Infinity, maxSteps: 100_000 };
  const flowConfig = (extra: Partial<NativeFlowConfig> = {}): NativeFlowConfig => {
    const t = trainConfig(1, 4, 3, 6, 11);
    return {
      dim: 4, count: 3, length: 6, a: t.a, b: t.b, c: t.c, x: t.x, targets: t.targets, train: 7, ode, until: 20,
      lossTol: 0, gradTol: 0, outputTimes: F([0, 1, 5, 20]), record: { a: true, b: true, c: false },
      teacherA: t.teacherA, teacherB: t.teacherB, teacherC: t.teacherC, extFrom: 0, extTo: 20, ...extra,
    };
  };

  describe('gradient flow: the same runs', () => {
    for (const [label, method] of [['dopri5', 0], ['rosenbrock', 1], ['auto', 2], ['lsoda', 3]] as const) {
      it(label, () => {
        const config = flowConfig({ ode: { ...ode, method, rtol: method === 3 ? 1e-8 : 1e-10 } });
        // the flows round in a fixed order (native/core/fixed_order.h): the same bits
        assertSameResult(wasm.gradientFlow(config), native.gradientFlow(config), label, 0);
      });
    }
    it('with an MLP head, stopping on the loss', () => {
      const config = flowConfig({ train: 9, until: Infinity, lossTol: 1e-3, outputTimes: F([]), mlp: { width: 2, depth: 1, weights: F([0.5, 0.7, 0.4, 0.6]) } });
      assertSameResult(wasm.gradientFlow(config), native.gradientFlow(config), 'mlp', 0);
    });
    it('an exhausted step budget: the same status and message', () => {
      const config = flowConfig({ ode: { ...ode, maxSteps: 7 } });
      const r = wasm.gradientFlow(config);
      assert.equal(r.status, -2);
      assertSameResult(r, native.gradientFlow(config), 'max-steps', 0);
    });
  });

  describe('large-κ flow and the ODE test problems: the same runs', () => {
    const k = 64;
    const x = new Float64Array(2 * k);
    x[0] = 1;
    x[k + k - 2] = 1;
    const a = F(Array.from({ length: 6 }, (_, i) => 1e-2 * (1 - 0.07 * i)));
    const scaled: NativeScaledFlowConfig = {
      dim: 6, count: 2, length: k, a, b: F(new Array(6).fill(1)), c: F(new Array(6).fill(1)), x, targets: F([1, 1]),
      teacherA: F([1, 0]), teacherB: F([1, 2]), teacherC: F([1, 2]), extFrom: 0, extTo: 20,
      ode: { ...ode, method: 1 }, lossTol: 1e-20, gradTol: 0, maxLog10Time: Infinity, rescale: 0,
      outputLog10Times: F([0, 10, 50]), recordEvery: 3, maxRecords: 50,
    };
    it('gradientFlowScaled: the same end, times and outputs (thousands of adaptive steps: counters may differ)', () => {
      const w = wasm.gradientFlowScaled(scaled);
      const n = native.gradientFlowScaled(scaled);
      const pick = (r: typeof w) => ({
        status: r.status, message: r.message, converged: r.converged, stationary: r.stationary, written: r.written,
        log10Times: r.log10Times, a: r.a, loss: r.loss, finalA: r.finalA, finalLog10Time: r.finalLog10Time,
        finalExtrapolationError: r.finalExtrapolationError,
      });
      assertSameResult(pick(w), pick(n), 'scaled', 1e-7);
      assert.ok(w.finalLoss <= 1e-20 && n.finalLoss <= 1e-20);
      assert.ok(Math.abs(w.nfev / n.nfev - 1) < 0.05, `nfev ${w.nfev} vs ${n.nfev}`);
    });
    it('scaledFlowField', () => {
      const at = F([0.5, 0.49, 0.3, 0.1, 0.01, 0.001]);
      assertSameResult(wasm.scaledFlowField(scaled, at, -20), native.scaledFlowField(scaled, at, -20), 'field');
    });
    it('solveTestProblem (Robertson, every method)', () => {
      for (const method of [0, 1, 2, 3]) {
        const args = [3, F([]), F([1, 0, 0]), 0, 100, F([1e-3, 1, 10, 100]), { ...ode, method, rtol: 1e-6, atol: 1e-10 }] as const;
        assertSameResult(wasm.solveTestProblem(...args), native.solveTestProblem(...args), `Robertson, method ${method}`, 0);
      }
    });
  });

  describe('bad input: the same error class and message', () => {
    const t = trainConfig(2, 3, 4, 5, 9);
    const trainCases: [string, object][] = [
      ['not an object', 1 as unknown as object], ['students', { students: 0 }], ['dim type', { dim: '3' }],
      ['a length', { a: F([1]) }], ['x NaN', { x: F(Array.from(t.x, (v, i) => (i === 3 ? NaN : v))) }],
      ['targets type', { targets: [1, 2] }], ['train', { train: 16 }], ['mlp bit without an mlp', { train: 9 }],
      ['mlp type', { mlp: 3 }], ['mlp width', { mlp: { width: 0, depth: 1, weights: F([]) } }],
      ['mlp weights', { mlp: { width: 2, depth: 1, weights: F([1]) } }], ['optimizer', { optimizer: null }],
      ['optimizer kind', { optimizer: { ...t.optimizer, kind: 3 } }], ['optimizer lr type', { optimizer: { ...t.optimizer, lr: 'x' } }],
      ['lr 0 (the core says so)', { optimizer: { ...t.optimizer, lr: 0 } }], ['eps', { eps: -1 }], ['eps NaN', { eps: NaN }],
      ['maxEpochs', { maxEpochs: 0.5 }], ['logEvery', { logEvery: 0 }], ['maxLogs', { maxLogs: -1 }],
      ['batchSeed', { batchSeed: 2 ** 32 }], ['teacherA empty', { teacherA: F([]) }], ['teacherB length', { teacherB: F([1]) }],
      ['extTo before extFrom', { extFrom: 5, extTo: 2 }], ['test set', { testX: F([1]), testCount: 1, testLength: 1 }],
      ['test count', { testX: F([1]), testCount: 0, testLength: 1 }], ['log too large', { maxLogs: 2 ** 31 }],
    ];
    for (const [label, patch] of trainCases) {
      const config = typeof patch === 'object' && patch !== null ? { ...t, ...patch } : patch;
      it(`train: ${label}`, () => assertSameError(() => wasm.train(config as never), () => native.train(config as never), label));
    }
    const f = flowConfig();
    const flowCases: [string, object][] = [
      ['not an object', null as unknown as object], ['count', { count: 0 }], ['until', { until: -1 }], ['until NaN', { until: NaN }],
      ['never ends', { until: Infinity, lossTol: 0, gradTol: 0 }], ['ode', { ode: [] }], ['ode method', { ode: { ...ode, method: 7 } }],
      ['ode rtol', { ode: { ...ode, rtol: 1 } }], ['ode maxSteps', { ode: { ...ode, maxSteps: 0 } }], ['ode atol type', { ode: { ...ode, atol: null } }],
      ['ode firstOutput', { ode: { ...ode, firstOutput: -1 } }], ['outputTimes order', { outputTimes: F([0, 3, 2.5]) }],
      ['outputTimes beyond until', { outputTimes: F([0, 21]) }], ['train', { train: 0 }], ['lossTol type', { lossTol: undefined }],
    ];
    for (const [label, patch] of flowCases) {
      const config = patch === null ? null : { ...f, ...patch };
      it(`gradientFlow: ${label}`, () => assertSameError(() => wasm.gradientFlow(config as never), () => native.gradientFlow(config as never), label));
    }
    it('gradientFlowScaled, scaledFlowField, solveTestProblem, kernelGradNormFast, mlpPredict', () => {
      const s = { ...f, ode, lossTol: 1e-20, gradTol: 0, maxLog10Time: Infinity, rescale: 0, outputLog10Times: F([]), recordEvery: 0, maxRecords: 0 };
      for (const patch of [{ rescale: 700 }, { maxLog10Time: -Infinity }, { lossTol: Infinity }, { lossTol: 0 },
        { outputLog10Times: F([3, 2]) }, { recordEvery: -1 }, { ode: 1 }]) {
        assertSameError(() => wasm.gradientFlowScaled({ ...s, ...patch } as never), () => native.gradientFlowScaled({ ...s, ...patch } as never), JSON.stringify(patch));
      }
      assertSameError(() => wasm.gradientFlowScaled([] as never), () => native.gradientFlowScaled([] as never), 'an array');
      assertSameError(() => wasm.scaledFlowField(s, F([1]), 0), () => native.scaledFlowField(s, F([1]), 0), 'field a');
      assertSameError(() => wasm.scaledFlowField(s, f.a, 2 ** 41), () => native.scaledFlowField(s, f.a, 2 ** 41), 'field scale');
      assertSameError(() => wasm.solveTestProblem(4, F([1]), F([1]), 0, 1, F([1]), ode), () => native.solveTestProblem(4, F([1]), F([1]), 0, 1, F([1]), ode), 'problem');
      assertSameError(() => wasm.solveTestProblem(0, F([1]), F([]), 0, 1, F([1]), ode), () => native.solveTestProblem(0, F([1]), F([]), 0, 1, F([1]), ode), 'y0');
      assertSameError(() => wasm.solveTestProblem(0, F([1]), F([1]), 0, NaN, F([1]), ode), () => native.solveTestProblem(0, F([1]), F([1]), 0, NaN, F([1]), ode), 'tEnd');
      assertSameError(() => wasm.kernelGradNormFast(F([]), F([]), F([]), F([1])), () => native.kernelGradNormFast(F([]), F([]), F([]), F([1])), 'empty');
      assertSameError(() => wasm.kernelGradNormFast(F([1]), F([1, 2]), F([1]), F([1])), () => native.kernelGradNormFast(F([1]), F([1, 2]), F([1]), F([1])), 'b');
      assertSameError(() => wasm.mlpPredict(2, 1, F([1]), F([1])), () => native.mlpPredict(2, 1, F([1]), F([1])), 'weights');
      assertSameError(() => wasm.mlpPredict(2, 1, F([1, 1, 1, 1]), F([])), () => native.mlpPredict(2, 1, F([1, 1, 1, 1]), F([])), 'z');
      assertSameError(() => wasm.trainAsync(null as never, undefined, 0), () => native.trainAsync(null as never, undefined, 0), 'trainAsync');
    });
  });
}

describe('run methods: WebAssembly against the native addon', () => {
  const wasm = tryRunAddon('wasm');
  const native = tryRunAddon('native');
  for (const [name, loaded] of [['wasm', wasm], ['native', native]] as const) {
    if (loaded.addon === undefined && required.includes(name)) {
      it(`${name}: loads (required by SSM_POISON_REQUIRE_BACKENDS)`, () => assert.fail(`${name} does not load: ${loaded.reason}`));
    }
  }
  if (wasm.addon === undefined || native.addon === undefined) {
    it(`skipped: ${wasm.addon ? '' : `wasm: ${wasm.reason} `}${native.addon ? '' : `native: ${native.reason}`}`, function () {
      this.skip();
    });
  } else {
    suite(wasm.addon, native.addon);
  }

  it('SSM_POISON_BACKEND=wasm and node --no-addons run training and gradient flow on wasm', function () {
    if (wasm.addon === undefined) this.skip();
    const lib = JSON.stringify(path.join(__dirname, '..', 'lib'));
    const script = `
      const { requireRunAddon } = require(${lib} + '/backends/run-addon');
      const { trainSync } = require(${lib} + '/train');
      const [run] = trainSync([{ student: { a: [0.5], b: [1], c: [1] }, inputs: [[1, 0]], targets: [0.7] }], { optimizer: { kind: 'gd', lr: 0.1 }, maxEpochs: 10 });
      console.log(requireRunAddon(undefined, 'x').name, run.status);`;
    for (const [args, env] of [[[], { SSM_POISON_BACKEND: 'wasm' }], [['--no-addons'], { SSM_POISON_BACKEND: '' }]] as const) {
      const r = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'wasm max-epochs', `${args.join(' ')} ${JSON.stringify(env)}`);
    }
  });

  it('the module describes every struct the runs fill, with the wasm32 sizes', function () {
    if (wasm.addon === undefined) this.skip();
    const runtime = wasmRuntime();
    const seen = runtime.run('layouts', (call) => call.layouts);
    for (const name of ['ssm_train_config', 'ssm_train_output', 'ssm_flow_config', 'ssm_flow_output', 'ssm_flow_scaled_config',
      'ssm_flow_scaled_output', 'ssm_scaled_field_output', 'ssm_ode_options', 'ssm_ode_stats']) {
      const layout = seen.get(name);
      assert.ok(layout, name);
      // fields lie inside the struct and do not overlap
      const fields = [...layout.fields.values()].sort((x, y) => x.offset - y.offset);
      for (let k = 0; k < fields.length; k++) {
        assert.ok(fields[k].offset + fields[k].size <= layout.size, `${name}: a field beyond the end`);
        if (k > 0) assert.ok(fields[k - 1].offset + fields[k - 1].size <= fields[k].offset, `${name}: fields overlap`);
      }
    }
    assert.equal(seen.get('ssm_ode_stats')!.fields.get('message')!.size, 160);
    assert.equal(seen.get('ssm_train_config')!.fields.get('optimizer.lr')!.kind, 'f64');
    assert.equal(seen.get('ssm_flow_config')!.fields.get('ode.abort')!.kind, 'ptr');
  });
});
