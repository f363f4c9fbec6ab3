/**
 * What the official notebooks printed, copied from their stored outputs. The dynamics
 * notebooks (data/official-notebooks-dynamics.json): per run the train loss logged at epoch
 * 0 and the final (reported) train loss and |eigenvalues of A|; `reproduce dynamics` prints
 * them beside ours and test/official-notebook.test.ts checks all 20 runs. The SSM-in-MLP
 * notebook (data/official-notebook-mlp.json): per run the train loss at epoch 0 and the
 * final train loss and test error; `reproduce mlp` prints them beside ours and
 * test/official-notebook-mlp.test.ts checks all 16 runs.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { OptimizerOptions } from '../train';
import type { DynamicsConfig } from './dynamics';
import type { StandaloneConfig } from './standalone';

export interface PrintedRun {
  /** The train loss logged at epoch 0 (after the first step). */
  firstTrainLoss: number;
  /** The reported values: train loss and |a| sorted descending, as printed. */
  final: { trainLoss: number; absA: number[] };
}

export interface NotebookRun {
  notebook: string;
  section: string;
  config: Omit<StandaloneConfig, 'name' | 'seeds' | 'warmInit' | 'maxEpochs' | 'logEvery' | 'extrapolation' | 'special' | 'optimizer'> & {
    seed: number; fixBC: boolean; optimizer: OptimizerOptions; special: StandaloneConfig['special'] | null;
  };
  printed: PrintedRun;
}

const FILE = path.join(__dirname, '..', '..', '..', 'data', 'official-notebooks-dynamics.json');
let runs: readonly NotebookRun[] | undefined;

/** Every printed run of the official dynamics notebooks. */
export function officialNotebookRuns(): readonly NotebookRun[] {
  runs ??= (JSON.parse(fs.readFileSync(FILE, 'utf8')) as { runs: NotebookRun[] }).runs;
  return runs;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What the notebook printed for this configuration, seed and side (null: no such run). */
export function printedDynamicsRun(config: DynamicsConfig, seed: number, poisoned: boolean): PrintedRun | null {
  const run = officialNotebookRuns().find(({ config: c }) => c.seed === seed && c.length === config.length && c.dim === config.dim
    && same(c.teacher.a, config.teacher.a) && (poisoned ? c.special !== null && same(c.special.positions, config.special.positions) : c.special === null));
  return run?.printed ?? null;
}

/** What the official SSM-in-MLP notebook printed for one run (data/official-notebook-mlp.json). */
export interface PrintedMlpRun {
  /** The train loss printed at epoch 0. */
  firstTrainLoss: number;
  /** The reported values: train loss and the relative test error ("Ext. loss"). */
  final: { trainLoss: number; testError: number };
}

interface MlpNotebook {
  runs: { config: string; seed: number; poisoned: boolean; printed: PrintedMlpRun }[];
}

const MLP_FILE = path.join(__dirname, '..', '..', '..', 'data', 'official-notebook-mlp.json');
let mlpNotebook: MlpNotebook | undefined;

/** Every printed run of the official SSM-in-MLP notebook. */
export function officialMlpNotebookRuns(): MlpNotebook['runs'] {
  mlpNotebook ??= JSON.parse(fs.readFileSync(MLP_FILE, 'utf8')) as MlpNotebook;
  return mlpNotebook.runs;
}

/** What the SSM-in-MLP notebook printed for this configuration (by name), seed and side. */
export function printedMlpRun(configName: string, seed: number, poisoned: boolean): PrintedMlpRun | null {
  return officialMlpNotebookRuns().find((r) => r.config === configName && r.seed === seed && r.poisoned === poisoned)?.printed ?? null;
}
