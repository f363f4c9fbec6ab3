/**
 * The typed API for one diagonal SSM (SPEC §1–§2): impulse response, outputs through the
 * impulse form or the scan, loss and derivatives, teacher labels. Inputs are validated
 * here; the heavy work runs in the selected backend.
 */
import type { Backend, EvaluateRequest, ScanMode, SequenceBatch } from './backends/backend';
import { type BackendChoice, getBackend } from './backends/loader';
import { checkInteger, checkObject, isPlainObject, toMatrix, toVector, typeError } from './validate';

export interface DiagonalSSMParams {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  c: ArrayLike<number>;
}

/** A diagonal SSM: s_{t+1} = diag(a) s_t + b x_t, y = c·s_κ. */
export class DiagonalSSM {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;

  constructor(params: DiagonalSSMParams, name = 'model') {
    checkObject(params, name, ['a', 'b', 'c']);
    this.a = toVector(params.a, `${name}.a`);
    this.b = toVector(params.b, `${name}.b`, this.a.length);
    this.c = toVector(params.c, `${name}.c`, this.a.length);
  }

  get dim(): number {
    return this.a.length;
  }

  /** As a one-student batch for a Backend. */
  toBatch() {
    return { count: 1, dim: this.dim, a: this.a, b: this.b, c: this.c };
  }

  toJSON(): { a: number[]; b: number[]; c: number[] } {
    return { a: Array.from(this.a), b: Array.from(this.b), c: Array.from(this.c) };
  }
}

export interface BackendOption {
  /** 'native' | 'native-portable' | 'wasm' | 'js' | 'auto' or a Backend object. */
  backend?: BackendChoice;
}

function asModel(model: DiagonalSSM | DiagonalSSMParams, name = 'model'): DiagonalSSM {
  return model instanceof DiagonalSSM ? model : new DiagonalSSM(model, name);
}

/** N sequences of equal length, from rows or from an existing batch (validated). */
export function toSequences(value: unknown, name = 'inputs'): SequenceBatch {
  if (isPlainObject(value) && 'x' in value) {
    checkObject(value, name, ['count', 'length', 'x']);
    const count = checkInteger(value.count, `${name}.count`, 1);
    const length = checkInteger(value.length, `${name}.length`, 1);
    return { count, length, x: toVector(value.x, `${name}.x`, count * length) };
  }
  if (!Array.isArray(value)) throw typeError('an Array of sequences', name, value);
  const { rows, cols, data } = toMatrix(value, name);
  return { count: rows, length: cols, x: data };
}

function backendOf(options: BackendOption | undefined): Backend {
  if (options !== undefined) checkObject(options, 'options', ['backend']);
  return getBackend(options?.backend);
}

/** h_l = Σ_i c_i b_i a_i^l for l = 0 … length−1. */
export function impulseResponse(model: DiagonalSSM | DiagonalSSMParams, length: number, options?: BackendOption): Float64Array {
  const m = asModel(model);
  checkInteger(length, 'length', 1, 2 ** 31);
  return backendOf(options).impulseResponse(m.toBatch(), length);
}

/** The final output y_n of every sequence (impulse form). */
export function forward(model: DiagonalSSM | DiagonalSSMParams, inputs: unknown, options?: BackendOption): Float64Array {
  const m = asModel(model);
  return backendOf(options).forward(m.toBatch(), toSequences(inputs));
}

/** The recurrence: 'final' (N), 'outputs' (N×κ, output after each step), 'states' (N×κ×d). */
export function scan(model: DiagonalSSM | DiagonalSSMParams, inputs: unknown, mode: ScanMode = 'final',
  options?: BackendOption): Float64Array {
  const m = asModel(model);
  if (mode !== 'final' && mode !== 'outputs' && mode !== 'states') {
    throw new RangeError(`Expected one of final, outputs, states for mode but received ${JSON.stringify(mode)} of type ${typeof mode}`);
  }
  return backendOf(options).scan(m.toBatch(), toSequences(inputs), mode);
}

/** Clean labels: the teacher's outputs y*_n = teacher(x_n) (SPEC §1). */
export function teacherLabels(teacher: DiagonalSSM | DiagonalSSMParams, inputs: unknown, options?: BackendOption): Float64Array {
  return forward(asModel(teacher, 'teacher'), inputs, options);
}

export interface ModelEvaluation {
  loss: number;
  outputs?: Float64Array;
  residuals?: Float64Array;
  e?: Float64Array;
  gradA?: Float64Array;
  gradB?: Float64Array;
  gradC?: Float64Array;
  /** γ^(k), k = 0 … κ−2. */
  gamma?: Float64Array;
  /** d×d row-major. */
  hessian?: Float64Array;
  kernelGrad?: Float64Array;
  kernelGradNorm?: number;
}

const REQUEST_KEYS: readonly (keyof EvaluateRequest)[] = [
  'outputs', 'residuals', 'e', 'gradA', 'gradB', 'gradC', 'gamma', 'hessian', 'kernelGrad', 'kernelGradNorm',
];

/** MSE loss against `targets` and what `request` asks for (SPEC §2). */
export function evaluate(model: DiagonalSSM | DiagonalSSMParams, inputs: unknown, targets: ArrayLike<number>,
  request: EvaluateRequest = { gradA: true, gradB: true, gradC: true }, options?: BackendOption): ModelEvaluation {
  const m = asModel(model);
  const x = toSequences(inputs);
  const y = toVector(targets, 'targets', x.count);
  checkObject(request, 'request', REQUEST_KEYS);
  for (const key of Object.keys(request) as (keyof EvaluateRequest)[]) {
    if (typeof request[key] !== 'boolean') throw typeError('a boolean', `request.${key}`, request[key]);
  }
  const r = backendOf(options).evaluate(m.toBatch(), x, y, request);
  const { loss, kernelGradNorm, ...arrays } = r;
  return {
    loss: loss[0],
    ...arrays,
    ...(kernelGradNorm ? { kernelGradNorm: kernelGradNorm[0] } : {}),
  };
}
