/**
 * The Theorem-1 gradient-flow figure: for one configuration and seed, the run without and
 * with the special sequence, recorded at log-spaced times; two columns (without / with)
 * over log time sharing one time axis: the `tracked` largest |a_i|, then the extrapolation
 * error and the train loss (log scale). Without the special sequence the entries stay
 * near their init for many decades and the largest then rises alone; with it they all
 * move at once, decades earlier.
 */
import type { BackendChoice } from '../backends/loader';
import type { FlowStatus } from '../flow';
import { ODEINT_TOLERANCE, type Theorem1Config, runTheorem1 } from '../experiments/theorem1';
import { entryName, SIDE_TITLES } from './dynamics';
import { BASE_CONFIG, type VegaLiteSpec, round } from './render';

export interface FlowSeries {
  /** Output times (> 0, log-spaced). */
  times: number[];
  /** absA[i][k]: the (i+1)-th largest |a| at times[k]. */
  absA: number[][];
  loss: number[];
  extrapolationError: number[];
  gamma0: number[];
  status: FlowStatus;
  /** Where the integration ended. */
  t: number;
}

/** Log-spaced output times from `decades` decades below `until` to `until`. */
export function logTimes(until: number, count: number, decades: number): number[] {
  const hi = Math.log10(until);
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? until : 10 ** (hi - decades + (decades * k) / (count - 1))));
}

/** Lowest plotted time: the curves start 14 decades below the clean end time. */
const DECADES = 14;
const POINTS = 281;

/** One side of one seed at log-spaced times (LSODA at odeint's tolerances, its official first step). */
export async function theorem1Series(config: Theorem1Config, seed: number, poisoned: boolean,
  options: { backend?: BackendChoice; signal?: AbortSignal; tracked?: number } = {}): Promise<FlowSeries> {
  const until = poisoned ? config.until.poisoned : config.until.clean;
  const n = poisoned ? config.outputs.poisoned : config.outputs.clean;
  const lo = config.until.clean / 10 ** DECADES;
  const decades = Math.log10(until / lo);
  const times = [0, ...logTimes(until, Math.max(2, Math.round((POINTS * decades) / DECADES)), decades)];
  const r = await runTheorem1(config, seed, poisoned, {
    method: 'lsoda', rtol: ODEINT_TOLERANCE, atol: ODEINT_TOLERANCE, firstOutput: n > 1 ? until / (n - 1) : 0,
    outputs: times, backend: options.backend, signal: options.signal,
  });
  const tracked = Math.min(options.tracked ?? 7, config.dim);
  const rows = r.a.map((a) => Array.from(a, Math.abs).sort((p, q) => q - p));
  const keep = Array.from(r.times, (t, k) => k).filter((k) => r.times[k] > 0);
  return {
    times: keep.map((k) => r.times[k]),
    absA: Array.from({ length: tracked }, (_, i) => keep.map((k) => rows[k][i])),
    loss: keep.map((k) => r.loss[k]),
    extrapolationError: keep.map((k) => r.extrapolationError[k]),
    gamma0: keep.map((k) => r.gamma0[k]),
    status: r.status,
    t: r.t,
  };
}

/** The powers of ten in [lo, hi] (log-axis ticks). */
function decades([lo, hi]: [number, number]): number[] {
  const out: number[] = [];
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

/** Lowest value drawn on the log-scale error / loss axis (smaller losses are drawn there). */
const FLOOR = 1e-20;

function panels(s: FlowSeries, poisoned: boolean, domain: [number, number], tracked: number, absDomain: [number, number]): VegaLiteSpec[] {
  const x = { field: 't', type: 'quantitative', title: 'time t (gradient flow)', scale: { type: 'log', domain }, axis: { format: '.0e' } };
  const abs: { t: number; entry: string; value: number | null }[] = [];
  for (let i = 0; i < s.absA.length; i++) {
    for (let k = 0; k < s.times.length; k++) abs.push({ t: s.times[k], entry: entryName(i), value: round(s.absA[i][k]) });
  }
  const errors: { t: number; curve: string; value: number | null }[] = [];
  for (let k = 0; k < s.times.length; k++) {
    // the log scale needs positive values; a loss of exactly 0 is drawn at the floor
    errors.push({ t: s.times[k], curve: 'extrapolation error', value: round(Math.max(s.extrapolationError[k], FLOOR)) });
    errors.push({ t: s.times[k], curve: 'train loss', value: round(Math.max(s.loss[k], FLOOR)) });
  }
  const last = s.extrapolationError.length > 0 ? s.extrapolationError[s.extrapolationError.length - 1] : NaN;
  return [
    {
      title: {
        text: poisoned ? SIDE_TITLES.poisoned : SIDE_TITLES.clean,
        subtitle: [poisoned ? 'x_long = e_0 and x_short = e_(κ−2)' : 'x_long = e_0 only',
          `final extrapolation error ${round(last, 4)}, end t = ${s.t.toExponential(0)}`],
      },
      width: 320, height: 170,
      data: { values: abs },
      mark: { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: `${tracked} largest |a_i| (log scale)`, scale: { type: 'log', domain: absDomain },
          axis: { values: decades(absDomain), format: '.0e' } },
        color: { field: 'entry', type: 'nominal', title: 'i-th largest |a_i|', scale: { domain: Array.from({ length: tracked }, (_, i) => entryName(i)), scheme: 'tableau10' } },
      },
    },
    {
      width: 320, height: 120,
      data: { values: errors },
      mark: { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: 'error / loss (log scale)', scale: { type: 'log', domain: [FLOOR, 10] }, axis: { format: '.0e' } },
        strokeDash: { field: 'curve', type: 'nominal', title: 'curve' },
        color: { value: '#333' },
      },
    },
  ];
}

/** The Theorem-1 figure of one configuration and seed. */
export function theorem1FigureSpec(name: string, config: Theorem1Config, seed: number,
  sides: { clean: FlowSeries; poisoned: FlowSeries }): VegaLiteSpec {
  const tracked = sides.clean.absA.length;
  const all = [...sides.clean.times, ...sides.poisoned.times];
  const domain: [number, number] = [Math.min(...all), Math.max(...all)];
  const abs = [...sides.clean.absA, ...sides.poisoned.absA].flat().filter((x) => x > 0 && Number.isFinite(x));
  const absDomain: [number, number] = [10 ** Math.floor(Math.log10(Math.min(...abs))), 10 ** Math.ceil(Math.log10(Math.max(...abs)) + 1e-9)];
  const [c1, c2] = panels(sides.clean, false, domain, tracked, absDomain);
  const [p1, p2] = panels(sides.poisoned, true, domain, tracked, absDomain);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${name}: gradient flow (Theorem 1), the ${tracked} largest |a_i| over log time`,
      subtitle: `κ = ${config.length}, d = ${config.dim}, teacher a* = (1, 0), b* = c* = (1, √(d−1)), seed ${seed}, sd_A = ${config.sdA}; `
        + `LSODA, rtol = atol = ${ODEINT_TOLERANCE}`,
    },
    config: BASE_CONFIG,
    // a 2-column grid of aligned cells (every y domain is fixed, so the rows compare)
    columns: 2,
    concat: [c1, p1, c2, p2],
    spacing: { row: 18, column: 40 },
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  };
}
