/**
 * The WebAssembly backend beyond the conformance suite (which runs the whole kernel suite
 * against it): both builds (SIMD and without) agree bit for bit, native and wasm agree to
 * 1e−12 relative on every kernel for random models, traps are reported and recovered
 * from, and the loader picks wasm when addons are disabled (node --no-addons).
 *
 * Skipped, with the reason, only when a built .wasm file is absent; CI requires it
 * (SSM_POISON_REQUIRE_BACKENDS names wasm).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { Backend, Evaluation, ModelBatch, ScanMode } from '../lib/backends/backend';
import { backendLoadError, getBackend } from '../lib/backends/loader';
import { createWasmBackend, WASM_FILES, wasmSimdSupported } from '../lib/backends/wasm';
import { compare } from './helpers/close';
import { REPO_ROOT } from './helpers/numpy-random-suite';
import { ALL_FIELDS } from './helpers/requests';
import { TestRng, randomModels, randomSequences, randomVector, seedFor } from './helpers/random-models';

const missing = Object.values(WASM_FILES).filter((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
const required = (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim()).includes('wasm');

/** Every kernel output of one backend on one problem, by name. */
function allKernels(backend: Backend, key: string, S: number, d: number, N: number, K: number): Map<string, Float64Array> {
  const rng = new TestRng(seedFor(key));
  const m = randomModels(rng, { count: S, dim: d });
  const x = randomSequences(rng, N, K);
  const targets = randomVector(rng, N);
  const teacher = randomModels(rng, { count: 1, dim: 3, aMin: 0.3, aMax: 0.9 });
  const out = new Map<string, Float64Array>();
  out.set('impulseResponse', backend.impulseResponse(m, K + 5));
  out.set('forward', backend.forward(m, x));
  for (const mode of ['final', 'outputs', 'states'] as ScanMode[]) out.set(`scan ${mode}`, backend.scan(m, x, mode));
  const ev: Evaluation = backend.evaluate(m, x, targets, ALL_FIELDS);
  for (const [field, v] of Object.entries(ev)) out.set(`evaluate ${field}`, v as Float64Array);
  out.set('extrapolationError', backend.extrapolationError(m, teacher, 1, K + 20));
  out.set('effectiveRank', backend.effectiveRank(m));
  const rngState = backend.numpyRandom(seedFor(key));
  out.set('numpyRandom', Float64Array.from([...rngState.randomSample(5), ...rngState.normal(0.5, 2, 1001)]));
  return out;
}

/** [S, d, N, K]: small to a few MB of inputs (linear memory grows during the calls). */
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [3, 7, 5, 2],
  [4, 16, 33, 40],
  [2, 64, 7, 257],
  [5, 33, 60, 300],
  [2, 20, 400, 1500],
];

function runNode(args: string[], script: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [...args, '-e', script], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    env: { ...process.env, SSM_POISON_BACKEND: '', NODE_DEBUG: '', ...env },
  });
}

const LIB = JSON.stringify(path.join(REPO_ROOT, 'dist', 'lib', 'index.js'));

describe('wasm backend', () => {
  if (missing.length > 0) {
    const reason = `the built module is absent (${missing.join(', ')}); run "npm run build:wasm"`;
    if (required) it('the built .wasm files exist (required by SSM_POISON_REQUIRE_BACKENDS)', () => assert.fail(reason));
    else it(`skipped: ${reason}`, function () { this.skip(); });
    return;
  }

  it('throws on invalid arguments with the native messages (backend level)', () => {
    const wasm = getBackend('wasm');
    const m: ModelBatch = { count: 1, dim: 2, a: Float64Array.of(0.5, 0.2), b: Float64Array.of(1, 1), c: Float64Array.of(1, 1) };
    assert.throws(() => wasm.impulseResponse(m, 0), {
      name: 'RangeError',
      message: 'Expected an integer between 1 and 2147483648 for length but received 0 of type number',
    });
    assert.throws(() => wasm.forward({ ...m, a: Float64Array.of(0.1) }, { count: 1, length: 1, x: Float64Array.of(1) }), {
      name: 'RangeError',
      message: 'Expected 2 elements (count×dim) for a but received Float64Array(1) of type Float64Array',
    });
    assert.throws(() => wasm.impulseResponse({ ...m, dim: 0.1 + 0.2 } as ModelBatch, 3), {
      name: 'RangeError',
      message: 'Expected an integer between 1 and 2147483648 for dim but received 0.30000000000000004 of type number',
    });
  });

  it('error messages are the native binding\'s, character for character (numbers as %.17g)', function () {
    const native = ['native', 'native-portable'].find((n) => backendLoadError(n as 'native') === undefined);
    if (native === undefined) this.skip();
    const wasm = getBackend('wasm');
    const nat = getBackend(native as 'native');
    const m: ModelBatch = { count: 1, dim: 1, a: Float64Array.of(0.5), b: Float64Array.of(1), c: Float64Array.of(1) };
    const message = (backend: Backend, fn: (b: Backend) => unknown) => {
      try {
        fn(backend);
        return 'no error';
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
    };
    const odd: unknown[] = [0.1, 1e-5, 1e20, 2 ** 31 + 1, -0, 1e17, 5e-324, -1e-7, 9.999999999999999e16, NaN, -Infinity,
      'x'.repeat(50), 'é'.repeat(30), '', true, null, undefined, {}, [1, 2], 3n, Symbol('s'), () => 1,
      new Float32Array(2), new Uint8Array(1), new BigInt64Array(1), new Int16Array(3)];
    for (const v of odd) {
      const cases: ((b: Backend) => unknown)[] = [
        (b) => b.impulseResponse(m, v as number),
        (b) => b.impulseResponse({ ...m, a: v } as unknown as ModelBatch, 2),
        (b) => b.scan(m, { count: 1, length: 1, x: Float64Array.of(1) }, v as ScanMode),
        (b) => b.numpyRandom(7).normal(0, v as number, 1),
      ];
      for (const fn of cases) assert.equal(message(wasm, fn), message(nat, fn), `value ${String(v)}`);
    }
  });

  it('reports its name, the portable BLAS, one thread and which build runs', () => {
    const info = getBackend('wasm').info();
    assert.deepEqual(info, {
      name: 'wasm', blas: 'portable', openblas: false, threads: 1, blasThreads: 1, simd: wasmSimdSupported(),
    });
    assert.equal(getBackend('wasm').setThreads, undefined);
  });

  it('the module imports only the progress function and has the expected exports', () => {
    const WA = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): unknown[]; exports(m: object): { name: string }[] } } }).WebAssembly;
    for (const file of Object.values(WASM_FILES)) {
      const mod = new WA.Module(fs.readFileSync(path.join(REPO_ROOT, file)));
      assert.deepEqual(WA.Module.imports(mod), [{ module: 'env', name: 'ssm_wasm_progress', kind: 'function' }], `${file} imports`);
      const names = WA.Module.exports(mod).map((e) => e.name);
      for (const name of ['memory', '_initialize', 'ssm_wasm_malloc', 'ssm_wasm_free', 'ssm_wasm_evaluate', 'ssm_wasm_mt_normal',
        'ssm_wasm_layouts', 'ssm_wasm_train', 'ssm_wasm_gradient_flow', 'ssm_wasm_gradient_flow_scaled', 'ssm_wasm_ode_solve_problem']) {
        assert.ok(names.includes(name), `${file} exports ${name}`);
      }
    }
  });

  it('the SIMD build and the build without SIMD give bit-identical results', function () {
    if (!wasmSimdSupported()) this.skip();
    const simd = createWasmBackend('simd');
    const plain = createWasmBackend('plain');
    for (const [S, d, N, K] of SHAPES.slice(0, 5)) {
      const key = `wasm-variants:${S}:${d}:${N}:${K}`;
      const a = allKernels(simd, key, S, d, N, K);
      const b = allKernels(plain, key, S, d, N, K);
      for (const [name, v] of a) assert.deepEqual(v, b.get(name), `${name} (S=${S} d=${d} N=${N} κ=${K})`);
    }
  });

  describe('native and wasm agree to 1e−12 relative on every kernel', () => {
    for (const native of ['native', 'native-portable'] as const) {
      const reason = backendLoadError(native);
      if (reason !== undefined) {
        it(`${native}: skipped, the backend does not load: ${reason}`, function () { this.skip(); });
        continue;
      }
      it(`${native} vs wasm on random models (${SHAPES.length} shapes)`, () => {
        let worst = 0;
        let worstAt = '';
        for (const [S, d, N, K] of SHAPES) {
          const key = `native-vs-wasm:${S}:${d}:${N}:${K}`;
          const want = allKernels(getBackend(native), key, S, d, N, K);
          const got = allKernels(getBackend('wasm'), key, S, d, N, K);
          assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
          for (const [name, w] of want) {
            const g = got.get(name)!;
            assert.equal(g.length, w.length, name);
            if (name === 'numpyRandom') {
              assert.deepEqual(g, w, 'NumPy streams are bit-identical');
              continue;
            }
            // Per student: students differ in scale by orders of magnitude.
            const rows = name === 'extrapolationError' || name === 'effectiveRank' || name === 'evaluate loss' ||
              name === 'evaluate kernelGradNorm' ? 1 : S;
            const width = w.length / rows;
            for (let s = 0; s < rows; s++) {
              const { error } = compare(g.subarray(s * width, (s + 1) * width), w.subarray(s * width, (s + 1) * width));
              if (!(error <= worst)) {
                worst = error;
                worstAt = `${name} S=${S} d=${d} N=${N} κ=${K} row ${s}`;
              }
            }
          }
        }
        assert.ok(worst <= 1e-12, `max relative difference ${worst} at ${worstAt}`);
        if (process.env.SSM_POISON_REPORT_WASM_DIFF) console.log(`      ${native} vs wasm: max relative difference ${worst.toExponential(2)} (${worstAt})`);
      });
    }
  });

  it('an allocation that fails inside the core is a RangeError, and the next call works', () => {
    const wasm = getBackend('wasm');
    const m: ModelBatch = { count: 1, dim: 1, a: Float64Array.of(0.5), b: Float64Array.of(1), c: Float64Array.of(1) };
    assert.throws(() => wasm.extrapolationError(m, m, 0, 2 ** 31 - 1), {
      name: 'RangeError',
      message: 'extrapolationError: not enough memory for the requested sizes',
    });
    assert.deepEqual(wasm.extrapolationError(m, m, 0, 3), Float64Array.of(0));
    assert.throws(() => wasm.impulseResponse(m, 2 ** 31), { name: 'RangeError', message: /^Could not allocate 2147483648 doubles for the impulse response$/ });
    assert.deepEqual(wasm.impulseResponse(m, 3), Float64Array.of(1, 0.5, 0.25));
  });

  it('with node --no-addons the library selects wasm and evaluate works', () => {
    const script = `
      const lib = require(${LIB});
      const info = lib.backendInfo();
      const r = lib.evaluate({ a: [0.5], b: [1], c: [1] }, [[1, 0]], [0], { gradA: true });
      console.log(JSON.stringify({ name: info.name, loadErrors: info.loadErrors.map((e) => e.backend), loss: r.loss, gradA: Array.from(r.gradA) }));`;
    const r = runNode(['--no-addons'], script);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no noise on stderr');
    const out = JSON.parse(r.stdout);
    assert.equal(out.name, 'wasm');
    assert.deepEqual(out.loadErrors, ['native', 'native-portable']);
    // y = h_0 x_1 + h_1 x_0 = 0.5 (x = [1, 0]); L = 0.25; ∂L/∂a = 2 r x_0 c b = 1.
    assert.equal(out.loss, 0.25);
    assert.deepEqual(out.gradA, [1]);
  });

  it('the fallback is reported through NODE_DEBUG=ssm-poison', () => {
    const r = runNode(['--no-addons'], `require(${LIB}).getBackend();`, { NODE_DEBUG: 'ssm-poison' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /backend native failed to load/);
    assert.match(r.stderr, /loaded backend wasm \((SIMD build|build without SIMD)\)/);
  });

  it('an explicit wasm request that cannot load throws one error with the causes and fixes', () => {
    // --jitless: no WebAssembly at all.
    const script = `
      const lib = require(${LIB});
      try { lib.getBackend('wasm'); console.log('loaded'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
    const r = runNode(['--jitless'], script);
    assert.equal(r.status, 0, r.stderr);
    const err = JSON.parse(r.stdout);
    assert.equal(err.name, 'SsmPoisonError');
    assert.equal(err.code, 'ERR_SSM_BACKEND_UNAVAILABLE');
    assert.match(err.message, /^Could not load the ssm-poison backend:\n {2}- wasm: WebAssembly is not available/);
    assert.match(err.message, /Possible solutions:\n {2}- run Node.js with WebAssembly enabled/);
    assert.match(err.message, /backend: "js"/);
  });

  it('automatic mode with neither addons nor WebAssembly lists every cause', () => {
    const script = `
      try { require(${LIB}).getBackend(); } catch (e) { console.log(e.message); }`;
    const r = runNode(['--no-addons', '--jitless'], script);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Could not load the ssm-poison backends:\n {2}- native: .*\n {2}- native-portable: .*\n {2}- wasm: WebAssembly is not available/);
  });
});
