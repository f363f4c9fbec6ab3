/**
 * The pure-TypeScript training loop (lib/backends/js-train.ts) against the native one
 * (trainSync, native/core/train.cc): same epochs, same arithmetic up to summation order
 * and fused multiply-adds, so the final parameters agree to ≤ 1e−10 relative — for every
 * optimizer, trained subsets, fixBC, weight decay, close pairs of a (the Horner branch of
 * the kernel norm), the BLAS path of long sequences, the eps stop and divergence, and the
 * standalone κ = 6 experiment for 2000 adaptive epochs.
 */
import assert from 'node:assert/strict';

import { type JsTrainOptions, type JsTrainProblem, trainJs } from '../lib/backends/js-train';
import { STANDALONE_CONFIGS, standaloneProblem } from '../lib/experiments/standalone';
import { DiagonalSSM, teacherLabels } from '../lib/model';
import { type OptimizerOptions, trainSync } from '../lib/train';
import { forEachAddon } from './helpers/addons';
import { lcg, maxEntryRelative } from './helpers/close';

const TOLERANCE = 1e-10;

/** max_i |got_i − want_i| / max(|want_i|, 1e−12). */
const maxRel = maxEntryRelative;


/**
 * κ, d, N random: inputs U(−0.5, 0.5), labels of a 2-dimensional teacher, a student with
 * a ∈ (0.1, 0.7) and one pair of a 1e−9 apart (the kernel norm's Horner branch).
 */
function randomProblem(seed: number, K = 8, d = 6, N = 5): JsTrainProblem {
  const r = lcg(seed);
  const inputs = Array.from({ length: N }, () => Array.from({ length: K }, () => r() - 0.5));
  const teacher = new DiagonalSSM({ a: [0.9, 0.4], b: [1, 0.5], c: [1, 0.8] });
  const a = Array.from({ length: d }, () => 0.1 + 0.6 * r());
  a[1] = a[0] - 1e-9;
  const b = Array.from({ length: d }, () => 0.2 + 0.5 * r());
  const c = Array.from({ length: d }, () => 0.2 + 0.5 * r());
  return { student: { a, b, c }, inputs, targets: teacherLabels(teacher, inputs, { backend: 'js' }) };
}

const OPTIMIZERS: Record<string, OptimizerOptions> = {
  gd: { kind: 'gd', lr: 0.05 },
  adaptive: { kind: 'adaptive', lr: 0.01 },
  adam: { kind: 'adam', lr: 0.01 },
};

describe('trainJs (the pure-TypeScript training loop)', () => {
  it('validates its arguments', () => {
    const p = randomProblem(3);
    assert.throws(() => trainJs(p, { optimizer: { kind: 'sgd' as 'gd', lr: 0.1 }, maxEpochs: 1 }), /gd, adaptive, adam/);
    assert.throws(() => trainJs(p, { optimizer: { kind: 'gd', lr: -1 }, maxEpochs: 1 }), /> 0/);
    assert.throws(() => trainJs(p, { optimizer: { kind: 'gd', lr: 0.1 }, maxEpochs: 0 }), /maxEpochs/);
    assert.throws(() => trainJs(p, { optimizer: { kind: 'gd', lr: 0.1 }, maxEpochs: 1, train: ['mlp' as 'a'] }), /one of a, b, c/);
    assert.throws(() => trainJs({ ...p, targets: [1, 2] }, { optimizer: { kind: 'gd', lr: 0.1 }, maxEpochs: 1 }), /targets/);
  });

  it('leaves the student untouched and logs every logEvery epochs', () => {
    const p = randomProblem(5);
    const before = JSON.stringify(p.student);
    const run = trainJs(p, { optimizer: { kind: 'gd', lr: 0.05 }, maxEpochs: 25, logEvery: 10 });
    assert.equal(JSON.stringify(p.student), before);
    assert.equal(run.status, 'max-epochs');
    assert.equal(run.epochs, 25);
    assert.deepEqual(run.logEpoch, [0, 10, 20]);
    assert.ok(run.trainLoss[2] < run.trainLoss[0]);
    assert.ok(run.final.trainLoss < run.trainLoss[2]);
  });
});

forEachAddon((backend) => {
  describe('trainJs against the native loop', () => {
    const compare = (p: JsTrainProblem, options: JsTrainOptions, tolerance = TOLERANCE) => {
      const js = trainJs(p, options);
      const [native] = trainSync([p], { ...options, backend });
      assert.equal(js.status, native.status);
      assert.equal(js.epochs, native.epochs);
      assert.equal(js.stopEpoch, native.stopEpoch);
      assert.equal(js.divergedEpoch, native.divergedEpoch);
      for (const key of ['a', 'b', 'c'] as const) {
        const err = maxRel(js.final[key], native.final[key]);
        assert.ok(err <= tolerance, `final ${key}: relative difference ${err}`);
      }
      assert.deepEqual(js.logEpoch, Array.from(native.log.epoch));
      assert.ok(maxRel(js.trainLoss, native.log.trainLoss) <= tolerance, 'logged losses');
      if (Number.isFinite(native.final.trainLoss)) {
        assert.ok(maxRel([js.final.trainLoss], [native.final.trainLoss]) <= tolerance, 'final loss');
      }
      return { js, native };
    };

    for (const [name, optimizer] of Object.entries(OPTIMIZERS)) {
      it(`${name}: the same final a, b, c after 200 epochs on a small random problem`, () => {
        for (const seed of [1, 2, 3]) {
          const { js } = compare(randomProblem(seed), { optimizer, maxEpochs: 200, logEvery: 10 });
          assert.equal(js.status, 'max-epochs');
          assert.ok(js.trainLoss[js.trainLoss.length - 1] < js.trainLoss[0], 'the loss went down');
        }
      });
    }

    it('trained subsets, fixBC and weight decay', () => {
      const p = randomProblem(11);
      for (const kind of ['gd', 'adaptive', 'adam'] as const) {
        const optimizer = OPTIMIZERS[kind];
        compare(p, { optimizer, maxEpochs: 200, train: ['a'] });
        compare(p, { optimizer, maxEpochs: 200, train: ['b', 'c'] });
        compare(p, { optimizer, maxEpochs: 200, train: ['a'], fixBC: true });
        compare(p, { optimizer, maxEpochs: 200, train: [], fixBC: true });
        compare(p, { optimizer: { ...optimizer, weightDecay: 0.01 }, maxEpochs: 200 });
      }
    });

    it('long sequences (the BLAS path of the native loop, N·κ ≥ 4096)', () => {
      const p = randomProblem(17, 300, 12, 20);
      for (const optimizer of Object.values(OPTIMIZERS)) compare(p, { optimizer: { ...optimizer, lr: optimizer.lr / 10 }, maxEpochs: 50 });
    });

    it('the eps stop, the epochs after it, and divergence', () => {
      const p = randomProblem(23);
      // eps halfway between the losses of epochs 199 and 200: the stop is at 200 in both
      const first = trainJs(p, { optimizer: OPTIMIZERS.adaptive, maxEpochs: 400, logEvery: 1 });
      const eps = (first.trainLoss[199] + first.trainLoss[200]) / 2;
      const { js } = compare(p, { optimizer: OPTIMIZERS.adaptive, maxEpochs: 5000, eps, epochsAfterStop: 150, logEvery: 50 });
      assert.equal(js.status, 'converged');
      assert.equal(js.stopEpoch, 200);
      assert.equal(js.epochs, 351);
      compare(p, { optimizer: OPTIMIZERS.adaptive, maxEpochs: 5000, eps });
      const diverged = compare(p, { optimizer: { kind: 'gd', lr: 500 }, maxEpochs: 1000 }).js;
      assert.equal(diverged.status, 'diverged');
      assert.ok(diverged.divergedEpoch !== null && diverged.divergedEpoch > 0);
    });

    it('the standalone κ = 6 experiment (poisoned, seed 200): 2000 adaptive epochs', () => {
      const cfg = STANDALONE_CONFIGS[0];
      const { student, inputs, targets } = standaloneProblem(cfg, cfg.seeds[0], true);
      const { js } = compare({ student, inputs, targets }, { optimizer: cfg.optimizer, maxEpochs: 2000, logEvery: 100 });
      assert.ok(js.final.trainLoss < js.trainLoss[0] / 10);
    });
  });
});
