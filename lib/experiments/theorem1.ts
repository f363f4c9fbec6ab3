/**
 * The Theorem-1 gradient-flow experiment of the paper (notebook
 * standalone_ssm_theory_poison_experiments; SPEC §8): student a trained, b = c = 1; teacher
 * a* = (1, 0), b* = c* = (1, √(d−1)); one baseline sequence e_0 and, when poisoned, one
 * special sequence e_{κ−2}, both with value 1 and clean labels.
 */
import type { SequenceBatch } from '../backends/backend';
import { getBackend } from '../backends/loader';
import { type AsyncFlowOptions, type FlowResult, gradientFlow } from '../flow';
import { officialDiff, theorem1Init } from '../init';
import { DiagonalSSM } from '../model';
import { checkInteger, rangeError } from '../validate';

export interface Theorem1Config {
  name: string;
  length: number;
  dim: number;
  sdA: number;
  diffExponent: number;
  seeds: readonly number[];
  /** End times of the official integration (odeint on linspace(0, until, outputs)). */
  until: { clean: number; poisoned: number };
  outputs: { clean: number; poisoned: number };
  /** Mean extrapolation errors printed in the official notebook. */
  published: { clean: number; poisoned: number };
}

/** The two published configurations. */
export const THEOREM1_CONFIGS: readonly Theorem1Config[] = [
  {
    name: 'L7_d10', length: 7, dim: 10, sdA: 1e-3, diffExponent: 5, seeds: [242, 243, 244, 246],
    until: { clean: 1e11, poisoned: 1e4 }, outputs: { clean: 1000, poisoned: 1000 },
    published: { clean: 0.0012701855070335333, poisoned: 0.050099475459992264 },
  },
  {
    name: 'L9_d20', length: 9, dim: 20, sdA: 5e-3, diffExponent: 10, seeds: [342, 344, 345, 346],
    until: { clean: 1e13, poisoned: 1e7 }, outputs: { clean: 10000, poisoned: 1000 },
    published: { clean: 0.007339693583854273, poisoned: 0.03512170631139472 },
  },
];

/**
 * The range of the extrapolation error. SPEC §7 writes J = 1 … 20; the official notebook's
 * impulse(A, B, C, j) is C A^(j−1) B, so its j = 1 … 20 are the entries h_0 … h_19,
 * normalized by max_j |h*_j| = h*_0 = d. We use h_0 … h_20: on all 16 published runs the
 * maximum is attained below j = 19 and the values are identical (checked: 0 difference).
 */
export const THEOREM1_EXTRAPOLATION = { from: 0, to: 20 } as const;

export interface Theorem1Problem {
  student: DiagonalSSM;
  teacher: DiagonalSSM;
  inputs: SequenceBatch;
  targets: Float64Array;
}

export function theorem1Teacher(dim: number): DiagonalSSM {
  const s = Math.sqrt(dim - 1);
  return new DiagonalSSM({ a: [1, 0], b: [1, s], c: [1, s] });
}

/** Init, data and clean labels of one run. */
export function theorem1Problem(config: { length: number; dim: number; sdA: number; diff: number },
  seed: number, poisoned: boolean): Theorem1Problem {
  const length = checkInteger(config.length, 'length', 3);
  const dim = checkInteger(config.dim, 'dim', 2);
  const student = theorem1Init({ dim, sdA: config.sdA, diff: config.diff, seed });
  const teacher = theorem1Teacher(dim);
  const count = poisoned ? 2 : 1;
  const x = new Float64Array(count * length);
  x[0] = 1; // e_0: x_long
  if (poisoned) x[length + length - 2] = 1; // e_{κ−2}: x_short
  const inputs = { count, length, x };
  const targets = getBackend().forward(teacher.toBatch(), inputs);
  return { student, teacher, inputs, targets };
}

/** SciPy odeint's default rtol = atol, which the official notebook used (it passes none). */
export const ODEINT_TOLERANCE = 1.49012e-8;

export interface Theorem1RunOptions extends Omit<AsyncFlowOptions, 'teacher' | 'extrapolation' | 'train'> {}

/** t[1] of the output grid (linspace(0, until, n) or explicit times); 0 when there is none. */
function firstOutputTime(until: number, outputs: number | readonly number[]): number {
  if (typeof outputs === 'number') return outputs > 1 && Number.isFinite(until) ? until / (outputs - 1) : 0;
  return outputs.length > 1 && outputs[1] > 0 ? outputs[1] : 0;
}

/** One Theorem-1 run of a published configuration (or a custom length / dim). */
export async function runTheorem1(config: Theorem1Config, seed: number, poisoned: boolean,
  options: Theorem1RunOptions = {}): Promise<FlowResult> {
  if (!(config.length >= 3)) throw rangeError('an integer ≥ 3', 'config.length', config.length);
  const diff = officialDiff(config.sdA, config.diffExponent);
  const p = theorem1Problem({ length: config.length, dim: config.dim, sdA: config.sdA, diff }, seed, poisoned);
  const until = poisoned ? config.until.poisoned : config.until.clean;
  const outputs = poisoned ? config.outputs.poisoned : config.outputs.clean;
  // 'lsoda' follows the official odeint call: its default tolerances and t[1] of
  // linspace(0, until, outputs) for the initial step.
  const odeint = options.method === 'lsoda'
    ? { rtol: ODEINT_TOLERANCE, atol: ODEINT_TOLERANCE, firstOutput: firstOutputTime(options.until ?? until, options.outputs ?? outputs) }
    : {};
  return gradientFlow(
    { student: p.student, inputs: p.inputs, targets: p.targets },
    {
      until,
      outputs,
      ...odeint,
      ...options,
      teacher: p.teacher,
      extrapolation: THEOREM1_EXTRAPOLATION,
      train: ['a'],
    },
  );
}
