/**
 * Training and gradient flows accept a Backend object as `backend`, as the kernels do: a
 * WebAssembly backend from createWasmBackend(variant) runs on that build (the training
 * benchmark's wasm-simd and wasm-plain rows), a native one on its addon, and the
 * TypeScript backend, which has no run methods, is refused with the loader's message.
 */
import assert from 'node:assert/strict';

import { jsBackend } from '../lib/backends/js';
import { requireRunAddon } from '../lib/backends/run-addon';
import { createWasmBackend, wasmSimdSupported } from '../lib/backends/wasm';
import { STANDALONE_CONFIGS, standaloneProblem } from '../lib/experiments/standalone';
import { trainSync } from '../lib/train';

describe('runs with a Backend object as the backend option', () => {
  const config = STANDALONE_CONFIGS[0];
  const { teacher, ...problem } = standaloneProblem(config, config.seeds[0], true);
  const run = (backend: Parameters<typeof trainSync>[1]['backend']) =>
    trainSync([problem], { optimizer: config.optimizer, maxEpochs: 200, logEvery: 50, teacher, backend })[0];

  it('a WebAssembly backend object trains on its own build; plain and SIMD give the same run', function () {
    if (!wasmSimdSupported()) this.skip();
    const plain = createWasmBackend('plain');
    const simd = createWasmBackend('simd');
    assert.equal(requireRunAddon(plain, 'training').name, 'wasm');
    assert.notEqual(requireRunAddon(plain, 'training').addon, requireRunAddon(simd, 'training').addon);
    const a = run(plain);
    const b = run(simd);
    assert.equal(a.epochs, 200);
    assert.deepEqual(Array.from(a.final.a), Array.from(b.final.a));
    assert.deepEqual(Array.from(a.log.trainLoss), Array.from(b.log.trainLoss));
  });

  it('the TypeScript backend object is refused with the options.backend message', () => {
    assert.throws(() => run(jsBackend), (e: unknown) => e instanceof RangeError && /options\.backend/.test(e.message) && /"js"/.test(e.message));
  });
});
