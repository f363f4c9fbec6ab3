/**
 * `ssm-poison reproduce` end to end in child processes: the JSON document, the tables, the
 * files (results.json, results.csv, the figures; test/figures.test.ts checks their content), the published Theorem-1 means to 4 significant digits,
 * the poisoning contrast of the standalone experiment, bad arguments.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { THEOREM1_CONFIGS } from '../lib/experiments/theorem1';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'ssm-poison.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Equal to n significant digits. */
const sameDigits = (x: number, y: number, n: number) => Number(x.toPrecision(n)) === Number(y.toPrecision(n));

interface Side { trainLoss: number; extrapolationError: number; testError?: number; status: string }
interface Doc {
  experiments: {
    name: string; metric: string;
    runs: { seed: number; clean: Side; poisoned: Side }[];
    summary: { clean: { meanTrainLoss: number; meanExtrapolationError: number }; poisoned: { meanTrainLoss: number; meanExtrapolationError: number };
      ratio: number; published: { clean: number; poisoned: number } | null; poisonedWorseOnEverySeed: boolean };
  }[];
  files: string[];
  backend: { name: string };
  interrupted: boolean;
}

describe('ssm-poison reproduce', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-poison-reproduce-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('theorem1 --json: both configurations, every seed, the published means to 4 significant digits; the files', () => {
    const out = path.join(dir, 't1');
    const r = run(['reproduce', 'theorem1', '--quick', '--json', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr with --json');
    const doc = JSON.parse(r.stdout) as Doc;
    assert.deepEqual(doc.experiments.map((e) => e.name), ['theorem1/L7_d10', 'theorem1/L9_d20']);
    assert.equal(doc.interrupted, false);
    for (const e of doc.experiments) {
      const cfg = THEOREM1_CONFIGS.find((c) => `theorem1/${c.name}` === e.name)!;
      assert.deepEqual(e.runs.map((x) => x.seed), [...cfg.seeds]);
      for (const x of e.runs) {
        for (const side of [x.clean, x.poisoned]) {
          assert.equal(side.status, 'until');
          assert.ok(side.trainLoss < 1e-20, `train loss ${side.trainLoss}`);
        }
        assert.ok(x.poisoned.extrapolationError > x.clean.extrapolationError);
      }
      assert.ok(sameDigits(e.summary.clean.meanExtrapolationError, cfg.published.clean, 4), `${e.summary.clean.meanExtrapolationError} vs ${cfg.published.clean}`);
      assert.ok(sameDigits(e.summary.poisoned.meanExtrapolationError, cfg.published.poisoned, 4), `${e.summary.poisoned.meanExtrapolationError} vs ${cfg.published.poisoned}`);
      assert.deepEqual(e.summary.published, cfg.published);
      assert.ok(e.summary.poisonedWorseOnEverySeed);
    }
    assert.deepEqual(doc.files, ['results.json', 'results.csv', 'theorem1_L7_d10.svg', 'theorem1_L9_d20.svg'].map((f) => path.join(out, f)));
    assert.deepEqual(JSON.parse(fs.readFileSync(doc.files[0], 'utf8')).experiments, doc.experiments);
    const csv = fs.readFileSync(doc.files[1], 'utf8').trim().split('\n');
    assert.equal(csv[0], 'experiment,seed,side,train_loss,extrapolation_error,test_error,status,stop_epoch,epochs,seconds');
    assert.equal(csv.length, 1 + 2 * 8);
    const first = csv[1].split(',');
    assert.equal(first[0], 'theorem1/L7_d10');
    assert.equal(Number(first[4]), doc.experiments[0].runs[0].clean.extrapolationError);
    assert.deepEqual(fs.readdirSync(out).sort(), ['results.csv', 'results.json', 'theorem1_L7_d10.svg', 'theorem1_L9_d20.svg'], 'no temporary files left');
  });

  it('standalone: the table, poisoned worse than clean on every seed, progress on stderr', () => {
    const r = run(['reproduce', 'standalone', '--out', path.join(dir, 'sa')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^standalone\/L6_d10\n/);
    assert.match(r.stdout, /special sequences raise the extrapolation error on every seed/);
    assert.match(r.stdout, /1 experiment\(s\) in [0-9.]+ s; files: /);
    assert.match(r.stderr, /ssm-poison reproduce: standalone\/L6_d10 poisoned/);
    const quiet = run(['reproduce', 'standalone', '--quiet', '--seed', '200', '--out', path.join(dir, 'sa2')]);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    assert.match(quiet.stdout, /\n 200 /);
    assert.doesNotMatch(quiet.stdout, /\n 201 /);
  });

  it('bad arguments exit with 2 and say why; --help has examples', () => {
    const bad = run(['reproduce', 'fig9', '--out', path.join(dir, 'bad')]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /theorem1, standalone, mlp, dynamics, all for the experiment but received "fig9"/);
    assert.equal(fs.existsSync(path.join(dir, 'bad')), false, 'nothing written');
    const both = run(['reproduce', '--quick', '--full']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--quick or --full/);
    const js = run(['reproduce', '--backend', 'js']);
    assert.equal(js.code, 2);
    const help = run(['reproduce', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:\n {2}\$ ssm-poison reproduce\n/);
  });
});
