/**
 * Vega-Lite specs rendered to SVG headlessly: vega-lite compiles the spec to Vega, vega
 * renders it with the 'none' renderer and `toSVG()` (no browser, no canvas; text widths
 * are estimated). Both packages are ES modules only; this CommonJS build loads them with
 * a real dynamic `import()` (TypeScript would turn `import()` into `require()`).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A Vega-Lite specification (plain JSON; see https://vega.github.io/vega-lite/docs/). */
export type VegaLiteSpec = Record<string, unknown>;

interface VegaModule {
  parse(spec: unknown, config?: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' | 'svg' | 'canvas' }) => {
    toSVG(scale?: number): Promise<string>;
    finalize(): void;
  };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let modules: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

function load(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  modules ??= (async () => {
    const from = (name: string) => pathToFileURL(require.resolve(name, { paths: [path.join(__dirname, '..')] })).href;
    const [vega, vegaLite] = await Promise.all([importEsm(from('vega')), importEsm(from('vega-lite'))]);
    return { vega: vega as VegaModule, vegaLite: vegaLite as VegaLiteModule };
  })();
  return modules;
}

/** Compiles a Vega-Lite spec and renders it to an SVG document (a string). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = await load();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  } finally {
    view.finalize();
  }
}

/** Shared look: white background, readable fonts. */
export const BASE_CONFIG = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
  axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: '#eee' },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;

/** Compact number formatting for data written into specs (JSON stays small). */
export const round = (x: number, digits = 6): number | null => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);
