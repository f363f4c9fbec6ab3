/**
 * The Theorem-1 benchmark scripts (bench/theorem1/) in child processes, without Python:
 * the node case prints one valid JSON line with the 16 published runs, and the runner
 * with --no-python writes its results file and table. The Python rows are never needed here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { backendLoadError } from '../lib/backends/loader';
import type { Theorem1CaseResult } from '../bench/theorem1/case';

const root = path.join(__dirname, '..', '..');
const caseScript = path.join(root, 'dist', 'bench', 'theorem1', 'case.js');
const runScript = path.join(root, 'dist', 'bench', 'theorem1', 'run.js');

/** odeint itself moves these by ~2e−5 under 4e−16 rounding noise (test/fixtures/lsoda-odeint.json). */
const ROUNDING_SENSITIVE = new Set(['L7_d10 242 true', 'L7_d10 243 true', 'L7_d10 246 true']);

function node(args: string[]) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseCase(stdout: string): Theorem1CaseResult {
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON line, got ${lines.length}`);
  return JSON.parse(lines[0]) as Theorem1CaseResult;
}

describe('bench:theorem1 (no Python needed)', function () {
  this.timeout(30_000);
  const nativeError = backendLoadError('native');
  before(function () {
    if (nativeError !== undefined) this.skip();
  });

  it('case.js --help and argument errors', () => {
    const help = node([caseScript, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--method <m>/);
    const bad = node([caseScript, '--method', 'euler']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Expected one of lsoda, rosenbrock for --method but received "euler" of type string/);
  });

  it('case.js (lsoda): the 16 runs as one JSON line, matching the published errors', () => {
    const r = node([caseScript, '--method', 'lsoda']);
    assert.equal(r.code, 0, r.stderr);
    const out = parseCase(r.stdout);
    assert.equal(out.script, 'ssm-poison');
    assert.equal(out.method, 'lsoda');
    assert.equal(out.runs.length, 16);
    assert.ok(out.computeMs > 0 && out.loadMs > 0);
    for (const run of out.runs) {
      const label = `${run.name} ${run.seed} ${run.poisoned}`;
      assert.equal(run.status, 'until', label);
      const bound = ROUNDING_SENSITIVE.has(label) ? 5e-5 : 1e-5;
      assert.ok(run.relDiff <= bound, `${label}: ${run.relDiff} from the published value`);
    }
    assert.equal(out.maxRelDiff, Math.max(...out.runs.map((x) => x.relDiff)));

    // --endpoint: the same LSODA steps, bitwise the same results
    const e = node([caseScript, '--method', 'lsoda', '--endpoint', '--runs', '4']);
    assert.equal(e.code, 0, e.stderr);
    const end = parseCase(e.stdout);
    assert.equal(end.runs.length, 4);
    end.runs.forEach((x, k) => {
      assert.equal(x.extrapolationError, out.runs[k].extrapolationError);
      assert.equal(x.nsteps, out.runs[k].nsteps);
    });
  });

  it('run.js --no-python: writes the results JSON and the table', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-poison-bench-'));
    try {
      const file = path.join(tmp, 'theorem1.json');
      const r = node([runScript, '--no-python', '--quick', '--repeats', '1', '--out', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\| ssm-poison, lsoda \(official odeint path\) \| 1 \|/);
      assert.match(r.stdout, /Skipped theorem1-16::scipy:official: --no-python/);
      const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(doc.suite, 'theorem1');
      assert.deepEqual(doc.summary.map((s: { name: string }) => s.name), [
        'theorem1-16::ssm-poison:lsoda', 'theorem1-16::ssm-poison:lsoda-endpoint', 'theorem1-16::ssm-poison:rosenbrock']);
      assert.equal(doc.perRun.length, 16);
      assert.equal(doc.failures.length, 0);
      assert.ok(doc.acceptance.every((a: { pass: boolean | null }) => a.pass === null));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
