/**
 * `ssm-poison run <config.json>` end to end, in child processes: the example configs against
 * the official Theorem-1 results (test/fixtures/theorem1.json, a copy of the official
 * fixture), configs outside that fixture against SciPy odeint computed the official way
 * (test/fixtures/run-odeint.json, scripts/fixtures/run_config_odeint.py), invalid configs,
 * --help, and Ctrl-C.
 *
 * odeint itself is sensitive to the rounding of f on a few runs: perturbing f by ±4e−16
 * relative moves its result by up to 2e−5 (the "rounding" records of lsoda-odeint.json and
 * run-odeint.json). On those runs our LSODA, whose f rounds differently from NumPy's, may land
 * on odeint's other branch; there a result must match one of odeint's own perturbed runs to
 * 1e−6 instead, and the official value to 5e−5 (as in test/lsoda.test.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { resolveRunBackend } from '../lib/backends/run-addon';
import { parseExperimentConfig, type GradientFlowConfig } from '../lib/config/schema';
import { flowProblem, runFlowExperiment } from '../lib/experiments/flow-config';
import { STANDALONE_CONFIGS, runStandalone } from '../lib/experiments/standalone';
import { tryRunAddon } from './helpers/addons';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'ssm-poison.js');
const fixtures = path.join(root, 'test', 'fixtures');
const examples = path.join(root, 'examples');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

/** The acceptance bound: per-seed extrapolation errors within 1e−5 relative. */
const ACCEPT = 1e-5;

interface OfficialRun { seed: number; poisoned: boolean; initialA: number[]; extrapolationError: number; publishedExtrapolationError: number }
const OFFICIAL = readJson(path.join(fixtures, 'theorem1.json')) as {
  configs: { name: string; runs: OfficialRun[]; publishedMeans: { clean: number; poisoned: number } }[];
};
interface Rounding { extrapolationErrors: number[] }
const LSODA = readJson(path.join(fixtures, 'lsoda-odeint.json')) as {
  theorem1: { name: string; seed: number; poisoned: boolean; extrapolationError: number; rounding: Rounding }[];
};
interface OdeintRun {
  name: string; length: number; dim: number; sdA: number; diffExponent: number; seed: number; poisoned: boolean;
  until: number; outputs: number; initialA: number[]; finalA: number[]; extrapolationError: number; trainLoss: number;
  teacher?: { a: number[]; b: number[]; c: number[] }; extrapolation?: { from: number; to: number };
  inputs?: number[][]; targets?: number[]; rounding: Rounding;
}
const ODEINT = readJson(path.join(fixtures, 'run-odeint.json')) as { rtol: number; runs: OdeintRun[] };

/** Within 1e−5 of odeint, or (where odeint flips under rounding) on one of odeint's branches. */
function assertFollowsOdeint(got: number, want: number, rounding: Rounding | undefined, label: string): void {
  const dev = rel(got, want);
  if (dev <= ACCEPT) return;
  const spread = rounding ? Math.max(...rounding.extrapolationErrors.map((e) => rel(e, want))) : 0;
  assert.ok(spread > ACCEPT, `${label}: ${got} is ${dev.toExponential(2)} from odeint's ${want}`);
  const nearest = Math.min(...rounding!.extrapolationErrors.map((e) => rel(got, e)));
  assert.ok(nearest < 1e-6, `${label}: ${dev.toExponential(2)} from odeint, ${nearest.toExponential(2)} from its nearest rounding-perturbed run`);
  assert.ok(dev <= 5e-5, `${label}: ${dev.toExponential(2)} from odeint`);
}

describe('ssm-poison run', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-poison-run-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, doc: unknown) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  describe('the published Theorem-1 configuration (examples/theorem1-L7-d10-*.json)', () => {
    const official = OFFICIAL.configs.find((c) => c.name === 'L7_d10')!;
    for (const kind of ['clean', 'poisoned'] as const) {
      it(`${kind}: per-seed extrapolation errors within 1e−5 of the official values`, () => {
        const r = run(['run', path.join(examples, `theorem1-L7-d10-${kind}.json`), '--json']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        const out = JSON.parse(r.stdout);
        // the config as understood: odeint's defaults filled in
        assert.equal(out.config.kind, 'gradient-flow');
        assert.equal(out.config.flow.method, 'lsoda');
        assert.equal(out.config.flow.rtol, 1.49012e-8);
        assert.equal(out.config.flow.atol, 1.49012e-8);
        assert.deepEqual(out.config.eval.extrapolation, { from: 0, to: 20 });
        assert.deepEqual(out.config.seeds, [242, 243, 244, 246]);
        assert.equal(out.backend.flow, resolveRunBackend(undefined, 'gradient flows'), 'the automatic choice: native, else wasm');
        const want = official.runs.filter((x) => x.poisoned === (kind === 'poisoned'));
        assert.equal(out.runs.length, want.length);
        const report: string[] = [];
        for (const w of want) {
          const got = out.runs.find((x: { seed: number }) => x.seed === w.seed);
          assert.deepEqual(got.initial.a, w.initialA, `seed ${w.seed}: initial a`);
          assert.deepEqual(got.initial.b, new Array(10).fill(1));
          assert.equal(got.status, 'until');
          assert.equal(got.time, kind === 'clean' ? 1e11 : 1e4);
          assert.equal(got.path, 'theorem1-preset');
          assert.ok(got.trainLoss < 1e-28, `seed ${w.seed}: train loss ${got.trainLoss}`);
          assert.ok(got.counters.nsteps > 0);
          const rounding = LSODA.theorem1.find((x) => x.name === 'L7_d10' && x.seed === w.seed && x.poisoned === w.poisoned)?.rounding;
          assertFollowsOdeint(got.extrapolationError, w.extrapolationError, rounding, `seed ${w.seed}`);
          report.push(`${w.seed}: ${rel(got.extrapolationError, w.extrapolationError).toExponential(1)}`);
        }
        // the published mean to the same level
        assert.equal(out.summary.completed, 4);
        assert.deepEqual(out.summary.statusCounts, { until: 4 });
        assert.ok(rel(out.summary.meanExtrapolationError, official.publishedMeans[kind]) <= ACCEPT,
          `mean ${out.summary.meanExtrapolationError} vs published ${official.publishedMeans[kind]}`);
      });
    }

    it('without --json prints a table per seed and the summary; --seed runs one seed', () => {
      const r = run(['run', path.join(examples, 'theorem1-L7-d10-clean.json'), '--seed', '243']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /seed\s+status\s+train loss\s+extrapolation error\s+time/);
      assert.match(r.stdout, /\b243\s+until\s+\S+\s+0\.001225059939/);
      assert.doesNotMatch(r.stdout, /\b242\s+until/);
      assert.match(r.stdout, /summary: 1 of 1 .*mean extrapolation error 0\.001225059939/);
    });
  });

  describe('configs outside the official fixture vs SciPy odeint (test/fixtures/run-odeint.json)', () => {
    assert.equal(ODEINT.rtol, 1.49012e-8);
    const groups = new Map<string, OdeintRun[]>();
    for (const r of ODEINT.runs) {
      const key = `${r.name} ${r.poisoned ? 'poisoned' : 'clean'}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [label, runs] of groups) {
      const r0 = runs[0];
      const generic = r0.teacher !== undefined;
      it(`${label} (seeds ${runs.map((r) => r.seed).join(', ')}): within 1e−5 of odeint${generic ? ' (generic path)' : ''}`, () => {
        const root2 = Math.sqrt(r0.dim - 1);
        const config = generic
          ? {
            kind: 'gradient-flow', length: r0.length, teacher: r0.teacher,
            student: { dim: r0.dim, init: 'theorem1', sdA: r0.sdA, diffExponent: r0.diffExponent },
            data: {
              baseline: { count: 2, positions: [0, 1], sd: 1 },
              special: r0.poisoned ? { count: 1, positions: [4, 5], sd: 1 } : null,
              rng: 'numpy',
            },
            seeds: runs.map((r) => r.seed),
            flow: { until: r0.until, outputs: r0.outputs },
            eval: { extrapolation: r0.extrapolation },
          }
          : {
            kind: 'gradient-flow', length: r0.length, teacher: { a: [1, 0], b: [1, root2], c: [1, root2] },
            student: { dim: r0.dim, init: 'theorem1', sdA: r0.sdA, diffExponent: r0.diffExponent },
            data: {
              baseline: { count: 1, positions: [0, 1], values: [[1]] },
              special: r0.poisoned ? { count: 1, positions: [r0.length - 2, r0.length - 1], values: [[1]] } : null,
            },
            seeds: runs.map((r) => r.seed),
            flow: { until: r0.until, outputs: r0.outputs },
          };
        const res = run(['run', write(`${label.replace(/\W+/g, '_')}.json`, config), '--json']);
        assert.equal(res.code, 0, res.stderr);
        const out = JSON.parse(res.stdout);
        for (const w of runs) {
          const got = out.runs.find((x: { seed: number }) => x.seed === w.seed);
          assert.equal(got.path, generic ? 'generic' : 'theorem1-preset');
          assert.deepEqual(got.initial.a, w.initialA, `seed ${w.seed}: initial a`);
          assert.equal(got.status, 'until', got.message);
          assert.ok(got.trainLoss < 1e-20, `seed ${w.seed}: train loss ${got.trainLoss}`);
          assertFollowsOdeint(got.extrapolationError, w.extrapolationError, w.rounding, `${label} seed ${w.seed}`);
          const scale = Math.max(...w.finalA.map(Math.abs));
          const da = Math.max(...w.finalA.map((v, i) => Math.abs(got.final.a[i] - v)));
          assert.ok(da <= ACCEPT * scale, `${label} seed ${w.seed}: final a off by ${da / scale} relative`);
        }
      });
    }

    it('the generic path builds the init, data and clean labels of the official code (NumPy draws)', () => {
      for (const w of ODEINT.runs.filter((r) => r.teacher)) {
        const config = parseExperimentConfig({
          kind: 'gradient-flow', length: w.length, teacher: w.teacher,
          student: { dim: w.dim, sdA: w.sdA, diffExponent: w.diffExponent },
          data: { baseline: { count: 2, positions: [0, 1] }, special: w.poisoned ? { count: 1, positions: [4, 5] } : null },
          seeds: [w.seed], flow: { until: w.until },
        }) as GradientFlowConfig;
        const p = flowProblem(config, w.seed);
        assert.deepEqual(Array.from(p.student.a), w.initialA);
        const rows = w.inputs!;
        assert.deepEqual(Array.from(p.inputs.x), rows.flat());
        const dt = Math.max(...w.targets!.map((t, i) => Math.abs(p.targets[i] - t)));
        assert.ok(dt < 1e-14, `targets off by ${dt}`);
      }
    });

    it('a Theorem-1 config given with diff instead of diffExponent takes the generic path, with the same numbers', () => {
      const doc = readJson(path.join(examples, 'theorem1-L7-d10-poisoned.json'));
      const preset = JSON.parse(run(['run', path.join(examples, 'theorem1-L7-d10-poisoned.json'), '--json', '--seed', '244']).stdout);
      delete doc.student.diffExponent;
      doc.student.diff = 0.05 / Math.exp(5 * Math.log10(1 / 1e-3));
      const res = run(['run', write('diff.json', doc), '--json', '--seed', '244']);
      assert.equal(res.code, 0, res.stderr);
      const generic = JSON.parse(res.stdout);
      assert.equal(generic.runs[0].path, 'generic');
      assert.equal(preset.runs[0].path, 'theorem1-preset');
      assert.deepEqual(generic.runs[0].initial, preset.runs[0].initial);
      assert.ok(rel(generic.runs[0].extrapolationError, preset.runs[0].extrapolationError) < 1e-12);
    });
  });

  describe('invalid configs: exit code 2, the field named on stderr, nothing on stdout', () => {
    const good = () => readJson(path.join(examples, 'theorem1-L7-d10-poisoned.json'));
    const cases: [string, () => unknown, RegExp][] = [
      ['an unknown key', () => ({ ...good(), flows: {} }), /config: expected only the keys .*received unknown key "flows" \(did you mean "flow"\?\)/],
      ['an unknown nested key', () => { const c = good(); c.student.sda = 1; return c; }, /config\.student: .*unknown key "sda" \(did you mean "sdA"\?\)/],
      ['a wrong type', () => ({ ...good(), length: '7' }), /config\.length: expected an integer ≥ 2, received "7"/],
      ['a negative rtol', () => { const c = good(); c.flow.rtol = -1; return c; }, /config\.flow\.rtol: expected a number in \(0, 1\), received -1/],
      ['a missing kind', () => { const c = good(); delete c.kind; return c; }, /config\.kind: expected "gradient-flow" or "gradient-descent", received nothing/],
      ['an unknown kind', () => ({ ...good(), kind: 'flow' }), /config\.kind: expected "gradient-flow" or "gradient-descent", received "flow"/],
      ['a missing until', () => { const c = good(); delete c.flow.until; return c; }, /config\.flow\.until: expected a number > 0 \(only "arc-length" runs until convergence without one\), received nothing/],
      ['positions past the sequence', () => { const c = good(); c.data.special.positions = [6, 8]; c.data.special.values = [[1, 1]]; return c; }, /config\.data\.special\.positions\[1\]: expected an integer ≤ length \(7\), received 8/],
      ['values of the wrong width', () => { const c = good(); c.data.baseline.values = [[1, 2]]; return c; }, /config\.data\.baseline\.values\[0\]: expected a row of 1 numbers/],
      ['a short teacher b', () => { const c = good(); c.teacher.b = [1]; return c; }, /config\.teacher\.b: expected an array of 2 numbers/],
      ['the official init for gradient flow', () => { const c = good(); c.student.init = 'official'; return c; }, /config\.student\.init: expected "theorem1" or an object \{a, b, c\} for gradient-flow runs .*received "official"/],
      ['an MLP for gradient flow', () => ({ ...good(), mlp: { width: 15, depth: 2, sd: 0.03 } }), /config\.mlp: expected null/],
      ['an unknown method', () => { const c = good(); c.flow.method = 'rk4'; return c; }, /config\.flow\.method: expected one of "lsoda", "auto", "dopri5", "rosenbrock", "arc-length", received "rk4"/],
      ['a JSON array', () => [1, 2], /config: expected an object, received \[1,2\]/],
    ];
    for (const [what, make, message] of cases) {
      it(what, () => {
        const r = run(['run', write('bad.json', make())]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, message);
      });
    }

    it('bad JSON', () => {
      const r = run(['run', write('broken.json', '{"kind": "gradient-flow",')]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /broken\.json is not valid JSON/);
    });

    it('a file that does not exist', () => {
      const r = run(['run', path.join(tmp, 'missing.json'), '--json']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /Cannot read .*missing\.json/);
    });

    it('reports every issue at once', () => {
      const c = good();
      c.flow.rtol = 2;
      c.flow.atol = 0;
      c.seeds = [];
      const r = run(['run', write('many.json', c)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /config\.flow\.rtol: .*received 2/);
      assert.match(r.stderr, /config\.flow\.atol: expected a number > 0, received 0/);
      assert.match(r.stderr, /config\.seeds: expected a non-empty array of integer seeds, received \[\]/);
    });

    it('gradient-descent configs run: the standalone κ = 6 examples reproduce the preset, poisoned ≫ clean', async () => {
      const result = (kind: string) => {
        const r = run(['run', path.join(examples, `standalone-L6-d10-${kind}.json`), '--json']);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as { runs: { seed: number; status: string; trainLoss: number; extrapolationError: number; stopEpoch: number }[]; summary: { meanExtrapolationError: number } };
      };
      const clean = result('clean');
      const poisoned = result('poisoned');
      const cfg = STANDALONE_CONFIGS[0];
      for (const [doc, isPoisoned] of [[clean, false], [poisoned, true]] as const) {
        const preset = await runStandalone(cfg, isPoisoned);
        doc.runs.forEach((r, k) => {
          assert.equal(r.status, 'converged');
          assert.ok(r.trainLoss <= 0.01);
          assert.equal(r.seed, cfg.seeds[k]);
          assert.equal(r.extrapolationError, preset[k].reported!.extrapolationError);
          assert.equal(r.stopEpoch, preset[k].stopEpoch);
        });
      }
      assert.ok(poisoned.summary.meanExtrapolationError >= 5 * clean.summary.meanExtrapolationError);
      // the table form
      const table = run(['run', path.join(examples, 'standalone-L6-d10-poisoned.json')]);
      assert.equal(table.code, 0);
      assert.match(table.stdout, /gradient descent: κ 6, d 10, 4 seed\(s\); adaptive/);
      assert.match(table.stdout, /summary: 4 of 4 run\(s\) reached eps/);
    });

    it('large κ: "arc-length" configs converge for κ = 512, clean and poisoned, with log10 time', () => {
      for (const kind of ['clean', 'poisoned']) {
        const r = run(['run', path.join(examples, `large-kappa-L512-d10-${kind}.json`), '--json', '--seed', '243']);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout) as { runs: { status: string; trainLoss: number; log10Time: number; extrapolationError: number }[] };
        const [run0] = doc.runs;
        assert.equal(run0.status, 'converged');
        assert.ok(run0.trainLoss < 1e-12, `loss ${run0.trainLoss}`);
        assert.ok(run0.log10Time > (kind === 'clean' ? 1500 : 500), `log10 time ${run0.log10Time}`);
        assert.ok(Number.isFinite(run0.extrapolationError));
      }
      const bad = run(['run', write('arc-bc.json', { ...readJson(path.join(examples, 'large-kappa-L512-d10-clean.json')), student: { ...readJson(path.join(examples, 'large-kappa-L512-d10-clean.json')).student, train: ['a', 'b'] } })]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /arc-length/);
    });

    it('gradient-descent configs are validated too', () => {
      const c = good();
      delete c.flow;
      const gd = { ...c, kind: 'gradient-descent', optimizer: { kind: 'adaptive', lr: -1 }, stop: { eps: 0.01 } };
      const bad = run(['run', write('gd-bad.json', gd)]);
      assert.equal(bad.code, 2);
      assert.equal(bad.stdout, '');
      assert.match(bad.stderr, /config\.optimizer\.lr: expected a number > 0, received -1/);
      const mlpTrain = run(['run', write('gd-bad2.json', { ...gd, optimizer: { lr: 0.01 }, student: { ...c.student, train: ['a', 'mlp'] } })]);
      assert.equal(mlpTrain.code, 2);
      assert.match(mlpTrain.stderr, /config\.student\.train: expected a subset of "a", "b", "c" \(no mlp is configured\)/);
    });

    it('a backend that cannot run gradient flow, and a bad --seed', () => {
      const file = path.join(examples, 'theorem1-L7-d10-clean.json');
      const r = run(['run', file, '--backend', 'js']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--backend/);
      const s = run(['run', file, '--seed', '-3']);
      assert.equal(s.code, 2);
      assert.match(s.stderr, /--seed/);
    });
  });

  it('--help shows the config keys and an example', () => {
    const r = run(['run', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: ssm-poison run \[options\] <config>/);
    assert.match(r.stdout, /\$ ssm-poison run examples\/theorem1-L7-d10-poisoned\.json/);
    assert.match(r.stdout, /--json/);
    assert.match(r.stdout, /--seed <N>/);
    assert.match(r.stdout, /1\.49012e-8/);
  });

  /** `run file --json` interrupted by SIGINT after 1.5 s; asserts that it stops within 5 s. */
  async function interruptedRun(file: string, backend: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [bin, 'run', file, '--json', '--backend', backend], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (n) => resolve(n)));
    assert.ok(Date.now() - started < 5000, 'stops promptly');
    return { code, stdout, stderr };
  }

  // The automatic backend, and the WebAssembly build (its runs in a worker thread) when it loads.
  const interruptible = [...new Set([resolveRunBackend(undefined, 'gradient flows'), ...(tryRunAddon('wasm').addon ? ['wasm'] : [])])];
  for (const backend of interruptible) {
    it(`Ctrl-C (SIGINT) stops the running integration cleanly on ${backend}: exit code 130, the finished seeds printed`, async function () {
      this.timeout(20_000);
      // an explicit method on the stiff Theorem-1 flow: a long run (millions of steps)
      const c = readJson(path.join(examples, 'theorem1-L7-d10-clean.json'));
      c.flow.method = 'dopri5';
      const file = write(`slow-${backend}.json`, c);
      const { code, stdout, stderr } = await interruptedRun(file, backend);
      assert.equal(code, 130, stderr);
      const out = JSON.parse(stdout);
      assert.deepEqual(out.runs, []);
      assert.equal(out.interrupted.seed, 242);
      assert.ok(out.interrupted.time > 0);
      assert.deepEqual(out.interrupted.notStarted, [243, 244, 246]);
      assert.match(stderr, /interrupted; 0 of 4 seed\(s\) finished/);
    });

    it(`Ctrl-C (SIGINT) stops gradient-descent training cleanly on ${backend}: exit code 130, the runs aborted`, async function () {
      this.timeout(20_000);
      const c = readJson(path.join(examples, 'standalone-L6-d10-clean.json'));
      c.stop = { maxEpochs: 1e12, eps: 1e-300, epochsAfterStop: 0 };
      const { code, stdout, stderr } = await interruptedRun(write(`slow-descent-${backend}.json`, c), backend);
      assert.equal(code, 130, stderr);
      const out = JSON.parse(stdout) as { interrupted: boolean; runs: { status: string }[] };
      assert.equal(out.interrupted, true);
      assert.deepEqual(out.runs.map((r) => r.status), ['aborted', 'aborted', 'aborted', 'aborted']);
    });
  }

  it('an abort keeps the seeds that finished (library)', async () => {
    const config = parseExperimentConfig(readJson(path.join(examples, 'theorem1-L7-d10-poisoned.json'))) as GradientFlowConfig;
    const controller = new AbortController();
    const result = await runFlowExperiment(config, { signal: controller.signal, onRunEnd: (_run, k) => { if (k === 1) controller.abort(); } });
    assert.deepEqual(result.runs.map((r) => r.seed), [242, 243]);
    assert.deepEqual(result.interrupted, { seed: null, time: 0, notStarted: [244, 246] });
    assert.equal(result.summary.completed, 2);
  });
});
