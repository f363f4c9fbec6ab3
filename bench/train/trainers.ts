/**
 * How each benchmark backend trains (the training benchmark's pluggable backend list):
 * js runs trainJs (lib/backends/js-train.ts); every other backend runs the library's
 * trainSync with that backend (the native builds by name, the WebAssembly builds as their
 * Backend objects). Whether a backend can train is probed, not assumed: one epoch of the
 * smallest case, so a backend gains its rows as soon as the library trains on it.
 */
import { trainJs } from '../../lib/backends/js-train';
import { trainSync, type OptimizerOptions, type TrainStatus } from '../../lib/train';
import { benchBackendLoadError, type BenchBackendName, loadBenchBackend } from '../backends';
import { buildTrainProblem, TRAIN_CASES, type TrainProblemData } from './cases';

export interface TrainOutcome {
  status: TrainStatus;
  epochs: number;
  final: { a: Float64Array; b: Float64Array; c: Float64Array; trainLoss: number };
}

/** Trains `maxEpochs` epochs (eps 0, one log row) from the problem's student. */
export type Trainer = (problem: TrainProblemData, optimizer: OptimizerOptions, maxEpochs: number) => TrainOutcome;

export function trainerFor(name: BenchBackendName): Trainer {
  if (name === 'js') return (problem, optimizer, maxEpochs) => trainJs(problem, { optimizer, maxEpochs, logEvery: maxEpochs });
  const backend = name === 'native' || name === 'native-portable' ? name : loadBenchBackend(name);
  return (problem, optimizer, maxEpochs) => trainSync([problem], { optimizer, maxEpochs, logEvery: maxEpochs, backend })[0];
}

/** Why `name` cannot train here (it does not load, or training on it fails), or undefined. */
export function cannotTrain(name: BenchBackendName): string | undefined {
  const loadError = benchBackendLoadError(name);
  if (loadError !== undefined) return loadError;
  const smallest = TRAIN_CASES[0];
  try {
    trainerFor(name)(buildTrainProblem(smallest), smallest.optimizer, 1);
    return undefined;
  } catch (err) {
    return `cannot train: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}
