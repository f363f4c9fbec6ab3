/**
 * The 16 published Theorem-1 runs (bench/theorem1/published.json, shared with the SciPy
 * scripts of this folder), in the notebook's order: per config, the clean seeds, then the
 * poisoned ones.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PublishedRun {
  name: string;
  seed: number;
  poisoned: boolean;
  until: number;
  outputs: number;
  /** The extrapolation error printed in the official notebook. */
  published: number;
}

interface PublishedFile {
  configs: {
    name: string;
    clean: { until: number; outputs: number };
    poisoned: { until: number; outputs: number };
    runs: { seed: number; poisoned: boolean; publishedExtrapolationError: number }[];
  }[];
}

/** The folder of the Python scripts and published.json (in the source tree, not dist/). */
export const THEOREM1_BENCH_DIR = path.resolve(__dirname, '..', '..', '..', 'bench', 'theorem1');
export const PUBLISHED_FILE = path.join(THEOREM1_BENCH_DIR, 'published.json');

export function publishedRuns(file = PUBLISHED_FILE): PublishedRun[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as PublishedFile;
  return doc.configs.flatMap((c) => c.runs.map((r) => {
    const grid = r.poisoned ? c.poisoned : c.clean;
    return { name: c.name, seed: r.seed, poisoned: r.poisoned, until: grid.until, outputs: grid.outputs,
      published: r.publishedExtrapolationError };
  }));
}
