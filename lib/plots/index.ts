/**
 * The figures of `ssm-poison reproduce`: Vega-Lite specs rendered headlessly to SVG by vega.
 *
 * - `dynamics_<config>.svg` per dynamics experiment (and seed): the tracked largest |a_i|,
 *   the effective rank and γ^(0) over the epochs, without / with special sequences side by
 *   side — drawn from the experiment's `series` (what results.json holds);
 * - `theorem1_<config>.svg` per Theorem-1 experiment: the gradient flow of its first seed
 *   without / with the special sequence over log time (one extra pair of runs, recorded at
 *   log-spaced times).
 */
import type { BackendChoice } from '../backends/loader';
import type { DynamicsConfig } from '../experiments/dynamics';
import type { ExperimentResult } from '../experiments/reproduce';
import type { Theorem1Config } from '../experiments/theorem1';
import { dynamicsFigureSpec } from './dynamics';
import { type VegaLiteSpec, renderSvg } from './render';
import { theorem1FigureSpec, theorem1Series } from './theorem1';

export { dynamicsFigureSpec, entryName, SIDE_TITLES } from './dynamics';
export { renderSvg, type VegaLiteSpec } from './render';
export { theorem1FigureSpec, theorem1Series, type FlowSeries } from './theorem1';

export interface Figure {
  /** File name (no directory), e.g. "dynamics_standalone_L6_d10.svg". */
  file: string;
  /** The experiment it shows. */
  experiment: string;
  seed: number;
  spec: VegaLiteSpec;
  svg: string;
}

export interface FigureOptions {
  backend?: BackendChoice;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
}

/** The figures of the experiments that ran (those without a figure are skipped). */
export async function experimentFigures(results: readonly ExperimentResult[], options: FigureOptions = {}): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const e of results) {
    const base = e.name.replace(/[^A-Za-z0-9_-]+/g, '_');
    if (e.group === 'dynamics' && e.series) {
      for (const s of e.series) {
        const spec = dynamicsFigureSpec(e.name, e.config as DynamicsConfig, s.seed, s);
        const file = `${base}${e.series.length > 1 ? `_seed${s.seed}` : ''}.svg`;
        figures.push({ file, experiment: e.name, seed: s.seed, spec, svg: await renderSvg(spec) });
      }
    } else if (e.group === 'theorem1' && e.runs.length > 0) {
      const config = e.config as Theorem1Config;
      const seed = e.runs[0].seed;
      options.onProgress?.(`${e.name} seed ${seed}: gradient flow at log-spaced times for the figure`);
      const run = (poisoned: boolean) => theorem1Series(config, seed, poisoned, { backend: options.backend, signal: options.signal });
      const clean = await run(false);
      const poisoned = await run(true);
      if (options.signal?.aborted) break;
      const spec = theorem1FigureSpec(e.name, config, seed, { clean, poisoned });
      figures.push({ file: `${base}.svg`, experiment: e.name, seed, spec, svg: await renderSvg(spec) });
    }
  }
  return figures;
}
