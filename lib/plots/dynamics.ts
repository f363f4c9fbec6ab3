/**
 * The dynamics figure (the paper's Figs 2–8) as a Vega-Lite spec: for one configuration and
 * seed, two columns — without and with special sequences — and three rows over the epochs:
 * the `tracked` largest |a_i| (one line per rank), the effective rank of |a| and γ^(0).
 * A dashed rule marks the epoch whose train loss reached eps.
 */
import type { DynamicsConfig, DynamicsPlotSeries } from '../experiments/dynamics';
import { BASE_CONFIG, type VegaLiteSpec, round } from './render';

/** The legend name of the i-th largest entry (0-based i): "|a|(1)", "|a|(2)", … */
export const entryName = (i: number): string => `|a|(${i + 1})`;

export const SIDE_TITLES = { clean: 'without special sequences', poisoned: 'with special sequences' } as const;

const WIDTH = 320;
const HEIGHT = 170;

function stopLayer(s: DynamicsPlotSeries): VegaLiteSpec[] {
  if (s.stopEpoch === null) return [];
  return [{
    data: { values: [{ epoch: s.stopEpoch, label: `loss ≤ eps (epoch ${s.stopEpoch})` }] },
    mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
    encoding: { x: { field: 'epoch', type: 'quantitative' }, tooltip: { field: 'label' } },
  }];
}

function subtitle(s: DynamicsPlotSeries, config: DynamicsConfig, poisoned: boolean): string[] {
  const data = poisoned
    ? `${config.baseline.count} baseline + ${config.special.count} special at [${config.special.positions.join(', ')})`
    : `${config.baseline.count} baseline sequences at [${config.baseline.positions.join(', ')})`;
  const end = s.stopEpoch === null
    ? [`never reached eps = ${config.eps} in ${s.epochs} epochs`, `(shown to epoch ${s.horizonEpoch}, settled)`]
    : [`loss ≤ eps = ${config.eps} at epoch ${s.stopEpoch} (dashed)`];
  const ext = s.extrapolationError.length > 0 ? s.extrapolationError[s.extrapolationError.length - 1] : NaN;
  return [data, ...end, `extrapolation error ${round(ext, 3)}`];
}

/** [min, max] of a row's values over both sides (one y scale per row). */
function extent(values: number[][]): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const v of values) for (const x of v) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  return [lo, hi > lo ? hi : lo + 1];
}

function absPanel(s: DynamicsPlotSeries, config: DynamicsConfig, poisoned: boolean, tracked: number, domain: [number, number],
  lines: number): VegaLiteSpec {
  const sub = subtitle(s, config, poisoned);
  while (sub.length < lines) sub.push(' '); // both column titles equally tall
  const values: { epoch: number; entry: string; value: number | null }[] = [];
  for (let i = 0; i < s.absA.length; i++) {
    for (let k = 0; k < s.epoch.length; k++) values.push({ epoch: s.epoch[k], entry: entryName(i), value: round(s.absA[i][k]) });
  }
  return {
    title: { text: poisoned ? SIDE_TITLES.poisoned : SIDE_TITLES.clean, subtitle: sub, limit: WIDTH + 100 },
    width: WIDTH, height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [0, s.horizonEpoch] } },
          y: { field: 'value', type: 'quantitative', title: `${tracked} largest |a_i|`, scale: { domain, nice: true } },
          color: {
            field: 'entry', type: 'nominal', title: 'i-th largest |a_i|',
            scale: { domain: Array.from({ length: tracked }, (_, i) => entryName(i)), scheme: 'tableau10' },
          },
        },
      },
      ...stopLayer(s),
    ],
  };
}

function scalarPanel(s: DynamicsPlotSeries, field: 'effectiveRank' | 'gamma0', title: string, color: string,
  domain: [number, number], note?: string): VegaLiteSpec {
  const v = s[field];
  return {
    ...(note ? { title: { text: note, fontSize: 10, fontWeight: 'normal', color: '#555', limit: WIDTH } } : {}),
    width: WIDTH, height: HEIGHT * 0.6,
    layer: [
      {
        data: { values: s.epoch.map((epoch, k) => ({ epoch, value: round(v[k]) })) },
        mark: { type: 'line', strokeWidth: 1.6, color, clip: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [0, s.horizonEpoch] } },
          y: { field: 'value', type: 'quantitative', title, scale: { domain, nice: true } },
        },
      },
      ...stopLayer(s),
    ],
  };
}

/** The figure of one dynamics configuration and seed. */
export function dynamicsFigureSpec(name: string, config: DynamicsConfig, seed: number,
  sides: { clean: DynamicsPlotSeries; poisoned: DynamicsPlotSeries }): VegaLiteSpec {
  const tracked = Math.min(config.tracked, sides.clean.absA.length);
  const both = [sides.clean, sides.poisoned];
  const absDomain = extent(both.flatMap((s) => s.absA));
  const rankDomain = extent(both.map((s) => s.effectiveRank));
  const gammaDomain = extent(both.map((s) => s.gamma0));
  const gammaNote = (s: DynamicsPlotSeries) => (s.gamma0.every((x) => x === 0)
    ? `γ(0) = 0: no input at position κ−2 = ${config.length - 2}` : undefined);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${name}: the ${tracked} largest |a_i|, effective rank and γ(0) over gradient descent`,
      subtitle: `κ = ${config.length}, d = ${config.dim}, teacher a* = (${config.teacher.a.join(', ')}), seed ${seed}, sd_A = ${config.sdA}, `
        + `adaptive lr ${config.optimizer.lr}${config.fixBC ? ', B and C fixed to ones' : ''}`,
    },
    config: BASE_CONFIG,
    // a 2-column grid: aligned cells; each row's y domain is set to span both sides
    columns: 2,
    concat: [
      ...both.map((s, k) => absPanel(s, config, k === 1, tracked, absDomain,
        Math.max(...both.map((x, j) => subtitle(x, config, j === 1).length)))),
      ...both.map((s) => scalarPanel(s, 'effectiveRank', 'effective rank of |a|', '#4c78a8', rankDomain)),
      ...both.map((s) => scalarPanel(s, 'gamma0', 'γ(0)', '#e45756', gammaDomain, gammaNote(s))),
    ],
    spacing: { row: 18, column: 40 },
    resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
  };
}
