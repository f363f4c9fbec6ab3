/**
 * The kernel benchmark's pure parts: the backend names it accepts (the two WebAssembly
 * builds as separate backends), which backends a suite runs, and the report's ratio
 * columns and acceptance checks (native ≥ 2× wasm-simd, wasm-simd ≥ 3× js at κ = 16384,
 * S = 64, every d), computed from made-up medians.
 */
import assert from 'node:assert/strict';

import { type BenchBackendName, benchBackendList, benchBackendName, selectBackends } from '../bench/backends';
import type { CaseResult } from '../bench/grid';
import { buildReport } from '../bench/report';

function result(backend: BenchBackendName, kappa: number, d: number, S: number, medianMs: number): CaseResult {
  return {
    name: `evaluate-grad::${backend}:k=${kappa},d=${d},n=64,s=${S}`, backend, kappa, d, N: 64, S,
    medianMs, meanMs: medianMs, minMs: medianMs, maxMs: medianMs, rme: 0, samples: 3, evalsPerSecond: 1000 / medianMs,
    backendInfo: {}, guard: { reference: 'js', students: [0], maxRelError: 0, tolerance: 1e-10 }, setupMs: 0, guardMs: 0,
  };
}

describe('bench: backend names', () => {
  it('accepts the two wasm builds, deduplicates and rejects unknown names', () => {
    assert.deepEqual(benchBackendList('native, wasm-simd,wasm-plain,native', '--backends'), ['native', 'wasm-simd', 'wasm-plain']);
    assert.equal(benchBackendName('js', '--backend'), 'js');
    assert.throws(() => benchBackendName('wasm', '--backend'), /one of native, native-portable, wasm-simd, wasm-plain, js for --backend/);
    assert.throws(() => benchBackendList(' , ', '--backends'), RangeError);
  });

  it('skips default backends that cannot run, with the reason, and refuses explicit ones', () => {
    const cannotRun = (name: BenchBackendName) => (name.startsWith('wasm') ? 'no training loop' : undefined);
    assert.deepEqual(selectBackends(['native', 'wasm-simd', 'js'], false, cannotRun), {
      backends: ['native', 'js'],
      skipped: [{ backend: 'wasm-simd', reason: 'no training loop' }],
    });
    assert.throws(() => selectBackends(['native', 'wasm-plain'], true, cannotRun), /wasm-plain: no training loop/);
  });
});

describe('bench: kernel report', () => {
  const backends: BenchBackendName[] = ['native', 'wasm-simd', 'wasm-plain', 'js'];
  const medians: Record<BenchBackendName, number> = { native: 5, 'native-portable': 20, 'wasm-simd': 15, 'wasm-plain': 30, js: 60 };
  const results = [10, 256].flatMap((d) => backends.map((b) => result(b, 16384, d, 64, medians[b] * (d === 256 ? 2 : 1))));

  it('prints the wasm columns and their ratios', () => {
    const { markdown } = buildReport(results, [], backends);
    const header = markdown.split('\n').find((l) => l.startsWith('| κ'))!;
    assert.match(header, /wasm-simd evals\/s \(median ms\) \| wasm-plain evals\/s/);
    assert.match(header, /\| native\/js \| native\/wasm-simd \| wasm-simd\/js \| wasm-simd\/wasm-plain \|$/);
    const row = markdown.split('\n').find((l) => l.startsWith('| 16384 | 10 | 64 |'))!;
    assert.match(row, /\| 12× \| 3× \| 4× \| 2× \|$/);
  });

  it('checks native ≥ 2× wasm-simd and wasm-simd ≥ 3× js for every d', () => {
    const slowWasm = results.map((r) => (r.backend === 'wasm-simd' && r.d === 256 ? { ...r, medianMs: 25 } : r));
    const { acceptance } = buildReport(slowWasm, [], backends);
    const byCheck = new Map(acceptance.map((a) => [a.check, a]));
    assert.deepEqual(byCheck.get('native/wasm-simd at κ=16384, d=10, S=64 ≥ 2×'), {
      check: 'native/wasm-simd at κ=16384, d=10, S=64 ≥ 2×', value: 3, pass: true });
    assert.equal(byCheck.get('native/wasm-simd at κ=16384, d=256, S=64 ≥ 2×')!.value, 2.5);
    assert.equal(byCheck.get('wasm-simd/js at κ=16384, d=10, S=64 ≥ 3×')!.pass, true);
    assert.deepEqual(byCheck.get('wasm-simd/js at κ=16384, d=256, S=64 ≥ 3×'), {
      check: 'wasm-simd/js at κ=16384, d=256, S=64 ≥ 3×', value: 120 / 25, pass: true });
    const noJs = buildReport(results.filter((r) => r.backend !== 'js'), [], backends.filter((b) => b !== 'js'));
    assert.ok(noJs.acceptance.every((a) => !a.check.includes('/js')), 'no js check without the js backend');
  });

  it('marks a speed-up below its minimum as failed', () => {
    const fastWasm = results.map((r) => (r.backend === 'wasm-simd' ? { ...r, medianMs: r.medianMs / 3 } : r));
    const { acceptance, markdown } = buildReport(fastWasm, [], backends);
    assert.equal(acceptance.find((a) => a.check.startsWith('native/wasm-simd at κ=16384, d=10'))!.pass, false);
    assert.match(markdown, /- FAIL native\/wasm-simd at κ=16384, d=10, S=64 ≥ 2×: 1\.00/);
  });
});
