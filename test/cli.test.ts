/** The `ssm-poison` command end to end, in child processes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertClose } from './helpers/close';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'ssm-poison.js');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ReferenceCase {
  name: string;
  model: { a: number[]; b: number[]; c: number[] };
  inputs: number[][];
  targets: number[];
  teacher?: { a: number[]; b: number[]; c: number[] };
  expected: {
    outputs: number[]; impulse: number[]; loss: number; gamma: number[]; hessian: number[][];
    grad: { a: number[]; b: number[]; c: number[] };
  };
}

const reference = JSON.parse(
  fs.readFileSync(path.join(root, 'test', 'fixtures', 'eval-reference.json'), 'utf8'),
) as { cases: ReferenceCase[] };

describe('ssm-poison eval', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-poison-cli-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const c of reference.cases) {
    it(`agrees with the independent NumPy computation to 1e−10: ${c.name}`, () => {
      const file = path.join(tmp, `${c.name.replace(/\W+/g, '_')}.json`);
      fs.writeFileSync(file, JSON.stringify({ model: c.model, inputs: c.inputs, targets: c.targets }));
      const r = run(['eval', file, '--hessian', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assertClose(out.outputs, c.expected.outputs, 1e-10, 'outputs');
      assertClose(out.impulse, c.expected.impulse, 1e-10, 'impulse');
      assertClose([out.loss], [c.expected.loss], 1e-10, 'loss');
      for (const k of ['a', 'b', 'c'] as const) assertClose(out.grad[k], c.expected.grad[k], 1e-10, `grad.${k}`);
      assertClose(out.gamma, c.expected.gamma, 1e-10, 'gamma');
      assertClose(out.hessian.flat(), c.expected.hessian.flat(), 1e-10, 'hessian');
      assert.equal(typeof out.backend.name, 'string');
    });
  }

  it('--backend wasm: the WebAssembly build gives the reference numbers too', function () {
    if (!fs.existsSync(path.join(root, 'native', 'wasm', 'ssm_poison.wasm'))) this.skip();
    const c = reference.cases[0];
    const input = JSON.stringify({ model: c.model, inputs: c.inputs, targets: c.targets });
    const r = run(['eval', '--hessian', '--backend', 'wasm'], input);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.backend.name, 'wasm');
    assertClose(out.outputs, c.expected.outputs, 1e-10, 'outputs');
    assertClose([out.loss], [c.expected.loss], 1e-10, 'loss');
    assertClose(out.hessian.flat(), c.expected.hessian.flat(), 1e-10, 'hessian');
  });

  it('reads standard input and labels with a teacher', () => {
    const c = reference.cases.find((x) => x.teacher) ?? reference.cases[0];
    const doc = { model: c.model, inputs: c.inputs, teacher: c.teacher ?? c.model };
    const r = run(['eval', '--impulse-length', '50'], JSON.stringify(doc));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.impulse.length, 50);
    assertClose(out.targets, c.targets, 1e-12, 'targets from the teacher');
    assertClose([out.loss], [c.expected.loss], 1e-10, 'loss');
    assert.equal(out.hessian, undefined);
  });

  it('without targets prints outputs and impulse, and null for loss and gradients', () => {
    const r = run(['eval'], JSON.stringify({ model: { a: [0.5], b: [1], c: [2] }, inputs: [[1, 0, 0]] }));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.outputs, [0.5]);
    assert.deepEqual(out.impulse, [2, 1, 0.5]);
    assert.equal(out.loss, null);
    assert.equal(out.grad, null);
  });

  const bad: [string, string, RegExp][] = [
    ['invalid JSON', '{"model":', /standard input is not valid JSON/],
    ['a bad model', JSON.stringify({ model: { a: [1], b: [1, 2], c: [1] }, inputs: [[1]] }), /for model\.b/],
    ['a non-numeric input', JSON.stringify({ model: { a: [1], b: [1], c: [1] }, inputs: [[1, 'x']] }), /for inputs\[0\]\[1\]/],
    ['an unknown key', JSON.stringify({ model: { a: [1], b: [1], c: [1] }, inputs: [[1]], target: [1] }), /unknown key "target" \(did you mean "targets"\?\)/],
    ['targets and teacher together', JSON.stringify({ model: { a: [1], b: [1], c: [1] }, inputs: [[1]], targets: [1], teacher: { a: [1], b: [1], c: [1] } }), /either targets or teacher/],
  ];
  for (const [what, input, message] of bad) {
    it(`exits with code 2 and a message on ${what}, printing nothing on stdout`, () => {
      const r = run(['eval'], input);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    });
  }

  it('rejects a bad option value with code 2', () => {
    const r = run(['eval', '--impulse-length', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--impulse-length/);
  });
});

describe('ssm-poison info and --help', () => {
  it('info --json reports the version and the backend', () => {
    const r = run(['info', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(info.version, pkg.version);
    assert.ok(['native', 'native-portable', 'wasm', 'js'].includes(info.name));
    assert.equal(typeof info.openblas, 'boolean');
    if (process.env.SSM_POISON_EXPECT_OPENBLAS !== undefined && !process.env.SSM_POISON_BACKEND) {
      assert.equal(info.name, 'native');
      assert.equal(info.openblas, process.env.SSM_POISON_EXPECT_OPENBLAS === '1');
    }
  });

  it('info --backend js selects the TypeScript backend', () => {
    const info = JSON.parse(run(['info', '--json', '--backend', 'js']).stdout);
    assert.equal(info.name, 'js');
    assert.equal(info.openblas, false);
  });

  for (const args of [['--help'], ['eval', '--help'], ['info', '--help']]) {
    it(`${args.join(' ')} prints usage with examples and exits 0`, () => {
      const r = run(args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: ssm-poison/);
      if (args.length > 1) assert.match(r.stdout, /Examples:/);
    });
  }

  it('an unknown command exits with code 2', () => {
    const r = run(['nonsense']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });
});
