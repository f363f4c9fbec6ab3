/**
 * The figures of `ssm-poison reproduce` and the dynamics presets behind them:
 *
 * - `reproduce dynamics --quick` (child process) writes dynamics_standalone_L6_d10.svg next
 *   to results.json / results.csv; it is well-formed XML (fast-xml-parser's validator) and
 *   holds both panel titles, the three rows and, in each |a| panel, one line per tracked
 *   entry, |a|(1) … |a|(7), named in the legend and in the lines' aria labels;
 * - the Theorem-1 gradient-flow figure, rendered in process for L7_d10 seed 242;
 * - the paper's qualitative result in numbers, for the three dynamics configurations
 *   (riseSummary, lib/experiments/dynamics.ts): without special sequences the largest |a_i|
 *   rise one at a time, with them together. Criterion (measured values in the comments):
 *   * `secondToFirst` — |a|(2)/|a|(1) at the first logged epoch where |a|(1) has reached half
 *     its value at the stop: < 0.1 without (0.014, 0.024, 0.092), > 0.15 with (0.22, 0.16,
 *     1.0): when the first entry is learnt the second has not moved without special
 *     sequences, and has grown with it.
 *   * among the entries that end ≥ 0.1 (10× the init scale), the rise epochs (half their
 *     value at the stop) of the first three: without, either only one entry rises (κ = 6, 10:
 *     greedy rank one) or the latest rises ≥ 3× later than the first (dim 3: ×8.2); with
 *     special sequences at least three rise, within a factor 1.5 of each other (×1.11,
 *     ×1.32, ×1.00). A ratio of epochs, not a difference, so it does not depend on the
 *     very different time scales of the configurations; half of each entry's own stop
 *     value, so entries of different sizes compare.
 *   * the effective rank at the end is ≥ 2.5× larger with special sequences (×3.6, ×6.7,
 *     ×3.1), and γ^(0) is exactly 0 without them (no input at position κ−2) and ≥ 1 at the
 *     start with them.
 *   The runs are deterministic (NumPy-exact data and init streams, float64), so the margins
 *   are margins against code changes, not against noise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { DYNAMICS_CONFIGS, PLOT_ROWS, type DynamicsPlotSeries, plotSeries, runDynamics, settledEpoch, subsampleSeries } from '../lib/experiments/dynamics';
import { THEOREM1_CONFIGS } from '../lib/experiments/theorem1';
import type { ExperimentResult } from '../lib/experiments/reproduce';
import { entryName, renderSvg, theorem1FigureSpec, theorem1Series } from '../lib/plots';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'ssm-poison.js');

/** An element of fast-xml-parser's preserveOrder tree. */
type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

interface Svg {
  /** Every text node (titles, axis titles, legend labels …). */
  texts: string[];
  /** Per `<g class="…">` of line marks: the aria labels of their paths. */
  lineMarks: Map<string, string[]>;
}

function parseSvg(svg: string): Svg {
  const valid = XMLValidator.validate(svg);
  assert.equal(valid, true, `well-formed XML: ${JSON.stringify(valid)}`);
  const tree = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false }).parse(svg) as XmlNode[];
  const texts: string[] = [];
  const lineMarks = new Map<string, string[]>();
  const walk = (nodes: XmlNode[], mark: string | null) => {
    for (const node of nodes) {
      const attrs = node[':@'] ?? {};
      for (const [tag, children] of Object.entries(node)) {
        if (tag === ':@') continue;
        if (tag === '#text') continue;
        const kids = children as XmlNode[];
        if (tag === 'text') texts.push(kids.map((k) => String(k['#text'] ?? '')).join(''));
        let inMark = mark;
        if (tag === 'g' && typeof attrs.class === 'string' && attrs.class.startsWith('mark-line role-mark')) {
          inMark = attrs.class;
          if (!lineMarks.has(inMark)) lineMarks.set(inMark, []);
        }
        if (tag === 'path' && mark !== null) lineMarks.get(mark)!.push(attrs['aria-label'] ?? '');
        walk(kids, inMark);
      }
    }
  };
  walk(tree, null);
  return { texts, lineMarks };
}

const entries = Array.from({ length: 7 }, (_, i) => entryName(i));

describe('figures', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssm-poison-figures-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reproduce dynamics --quick: the SVG is written, parses as XML, has both panels and the 7 tracked series', () => {
    const out = path.join(dir, 'dyn');
    const r = spawnSync(process.execPath, [bin, 'reproduce', 'dynamics', '--quick', '--json', '--out', out], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      experiments: {
        name: string; metric: string; runs: { seed: number }[];
        series: (Pick<NonNullable<ExperimentResult['series']>[number], 'official' | 'reported'> & { seed: number; clean: DynamicsPlotSeries; poisoned: DynamicsPlotSeries })[];
      }[];
      files: string[];
    };
    assert.deepEqual(doc.experiments.map((e) => e.name), ['dynamics/standalone_L6_d10']);
    const e = doc.experiments[0];
    assert.equal(e.metric, 'extrapolationError');
    assert.deepEqual(e.runs.map((x) => x.seed), [105]);
    // the series in results.json: 7 tracked entries, at most PLOT_ROWS rows, the rise summary
    for (const s of [e.series[0].clean, e.series[0].poisoned]) {
      assert.equal(s.absA.length, 7);
      assert.ok(s.epoch.length > 10 && s.epoch.length <= PLOT_ROWS);
      for (const v of [...s.absA, s.effectiveRank, s.gamma0, s.trainLoss]) assert.equal(v.length, s.epoch.length);
      assert.equal(s.status, 'converged');
      assert.ok(s.epoch[s.epoch.length - 1] <= s.epochs && s.horizonEpoch === s.epoch[s.epoch.length - 1]);
    }
    // the official notebook's printed final values beside ours (seed 105 prints 0.0004100344958715141 clean)
    const { official, reported } = e.series[0];
    assert.equal(official.clean!.final.trainLoss, 0.0004100344958715141);
    assert.ok(Math.abs(reported.clean!.trainLoss / official.clean!.final.trainLoss - 1) < 2e-2);
    assert.ok(Math.abs(reported.poisoned!.absA[0] / official.poisoned!.final.absA[0] - 1) < 3e-3);
    const file = path.join(out, 'dynamics_standalone_L6_d10.svg');
    assert.deepEqual(doc.files, [path.join(out, 'results.json'), path.join(out, 'results.csv'), file]);
    assert.deepEqual(fs.readdirSync(out).sort(), ['dynamics_standalone_L6_d10.svg', 'results.csv', 'results.json'], 'no temporary files');
    const svg = fs.readFileSync(file, 'utf8');
    assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    const { texts, lineMarks } = parseSvg(svg);
    for (const t of ['without special sequences', 'with special sequences', '7 largest |a_i|', 'effective rank of |a|', 'γ(0)', 'epoch', 'i-th largest |a_i|']) {
      assert.ok(texts.includes(t), `text "${t}" in the SVG`);
    }
    assert.ok(texts.some((t) => t.startsWith('dynamics/standalone_L6_d10')), 'figure title');
    // the legend names the 7 entries, in order
    assert.deepEqual(texts.filter((t) => /^\|a\|\(\d\)$/.test(t)), entries);
    // each |a| panel (grid cells 0 and 1) draws one line per entry
    for (const cell of [0, 1]) {
      const labels = lineMarks.get(`mark-line role-mark concat_${cell}_layer_0_marks`) ?? [];
      assert.deepEqual(labels.map((l) => /\|a\|\(\d\)$/.exec(l)?.[0]), entries, `panel ${cell}`);
    }
    // effective rank and γ(0): one line per panel
    for (const cell of [2, 3, 4, 5]) assert.equal(lineMarks.get(`mark-line role-mark concat_${cell}_layer_0_marks`)?.length, 1);
  });

  it('the Theorem-1 gradient-flow figure: log-spaced outputs, both panels, 7 series, the final errors of the official run', async () => {
    const config = THEOREM1_CONFIGS[0];
    const clean = await theorem1Series(config, 242, false);
    const poisoned = await theorem1Series(config, 242, true);
    for (const s of [clean, poisoned]) {
      assert.equal(s.status, 'until');
      assert.equal(s.absA.length, 7);
      assert.ok(s.times.every((t, k) => t > 0 && (k === 0 || t > s.times[k - 1])));
      assert.ok(s.times[s.times.length - 1] / s.times[0] > 1e6, 'many decades of time');
    }
    // the same flow as reproduce's official run (theorem1/L7_d10 seed 242: 0.00118320, 0.0491806)
    assert.ok(Math.abs(clean.extrapolationError[clean.extrapolationError.length - 1] / 0.0011832 - 1) < 1e-4);
    assert.ok(Math.abs(poisoned.extrapolationError[poisoned.extrapolationError.length - 1] / 0.0491806 - 1) < 1e-4);
    const { texts, lineMarks } = parseSvg(await renderSvg(theorem1FigureSpec('theorem1/L7_d10', config, 242, { clean, poisoned })));
    for (const t of ['without special sequences', 'with special sequences', 'time t (gradient flow)', 'extrapolation error', 'train loss']) {
      assert.ok(texts.includes(t), `text "${t}" in the SVG`);
    }
    assert.deepEqual(texts.filter((t) => /^\|a\|\(\d\)$/.test(t)), entries);
    for (const cell of [0, 1]) assert.equal(lineMarks.get(`mark-line role-mark concat_${cell}_marks`)?.length, 7);
  });

  it('dynamics presets: the largest |a_i| rise one at a time without special sequences, together with them', async () => {
    for (const config of DYNAMICS_CONFIGS) {
      const [clean] = await runDynamics(config, false);
      const [poisoned] = await runDynamics(config, true);
      const c = plotSeries(clean, config.tracked);
      const p = plotSeries(poisoned, config.tracked);
      const what = `${config.name}: clean ${JSON.stringify(c.rise)}, poisoned ${JSON.stringify(p.rise)}`;
      const rank = (s: DynamicsPlotSeries) => s.effectiveRank[s.effectiveRank.length - 1];
      const teacherDim = config.teacher.a.length;
      if (teacherDim === 1) {
        // one entry grows alone (greedy low-rank learning); with special sequences several together
        assert.ok(c.rise.secondToFirst < 0.1, what);
        assert.ok(p.rise.secondToFirst > 0.15, what);
        assert.ok(c.rise.risen === 1 || (c.rise.riseSpread !== null && c.rise.riseSpread >= 3), what);
        assert.ok(p.rise.risen >= 3 && p.rise.riseSpread !== null && p.rise.riseSpread <= 1.5, what);
        assert.ok(rank(p) >= 2.5 * rank(c), `${config.name}: effective rank ${rank(c)} vs ${rank(p)}`);
      } else {
        // a teacher of dimension k: at most k entries grow without special sequences, more with them
        assert.ok(c.rise.risen <= teacherDim && p.rise.risen > teacherDim, what);
        assert.ok(rank(p) >= 1.3 * rank(c), `${config.name}: effective rank ${rank(c)} vs ${rank(p)}`);
      }
      assert.ok(clean.log.gamma.every((g) => g[0] === 0), `${config.name}: γ(0) = 0 without special sequences`);
      assert.ok(Math.abs(poisoned.log.gamma[0][0]) >= 0.3 && Math.max(...poisoned.log.gamma.map((g) => Math.abs(g[0]))) >= 1, config.name);
      assert.equal(clean.status, 'converged', config.name);
      assert.equal(poisoned.status, 'converged', config.name);
    }
  });

  it('dynamics presets: the published settings; series cropped once settled and subsampled', async () => {
    assert.deepEqual(DYNAMICS_CONFIGS.map((c) => [c.name, c.seeds[0], c.length, c.dim, c.special.positions, c.fixBC]), [
      ['standalone_L6_d10', 105, 6, 10, [4, 6], false],
      ['standalone_L10_d20', 4000, 10, 20, [8, 10], false],
      ['dim2_L6_d10', 302, 6, 10, [4, 5], true],
      ['dim2_L10_d20', 1202, 10, 20, [8, 9], true],
      ['dim3_L6_d10', 401, 6, 10, [4, 5], true],
      ['dim3_L10_d20', 1201, 10, 20, [8, 9], true],
      ['dim4_L6_d10', 403, 6, 10, [4, 5], true],
      ['dim4_L10_d20', 1201, 10, 20, [8, 9], true],
    ]);
    // a run that never reaches eps: the dim-3 teacher with special entries at κ−1 too; B = C = 1
    // pin h_0 = d = 10 ≠ 3 = h*_0, which those entries see. The series stops once it settled.
    const dim3 = DYNAMICS_CONFIGS.find((c) => c.name === 'dim3_L6_d10')!;
    const config = { ...dim3, special: { ...dim3.special, positions: [4, 6] as [number, number] }, optimizerPoisoned: dim3.optimizer };
    const [run] = await runDynamics(config, true);
    assert.equal(run.status, 'max-epochs');
    assert.ok(Array.from(run.final.b).every((x) => x === 1) && Array.from(run.final.c).every((x) => x === 1));
    const s = plotSeries(run, config.tracked);
    assert.equal(s.rowsLogged, run.log.epoch.length);
    assert.ok(s.horizonEpoch < 20_000 && s.horizonEpoch >= 3 * 100, `horizon ${s.horizonEpoch}`);
    assert.ok(s.epoch.length <= PLOT_ROWS);
    assert.ok(settledEpoch(s) <= s.horizonEpoch);
    const sub = subsampleSeries({ ...s, epoch: [0, 1, 2, 3, 4], absA: [[0, 1, 2, 3, 4]], effectiveRank: [0, 1, 2, 3, 4], gamma0: [0, 1, 2, 3, 4], trainLoss: [0, 1, 2, 3, 4], extrapolationError: [0, 1, 2, 3, 4] }, 2);
    assert.deepEqual(sub.epoch, [0, 3, 4]);
    assert.deepEqual(sub.absA, [[0, 3, 4]]);
  });
});
