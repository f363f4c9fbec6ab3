/**
 * `ssm-poison eval [file]`: outputs, impulse response, loss, gradients, γ and optionally the
 * Hessian of one diagonal SSM on given sequences (SPEC §1–§2).
 * Input: { "model": {a,b,c}, "inputs": [[…], …], "targets"?: […], "teacher"?: {a,b,c} }.
 */
import type { BackendChoice } from '../backends/loader';
import { getBackend } from '../backends/loader';
import { DiagonalSSM, toSequences } from '../model';
import { checkObject, toVector } from '../validate';
import { matrixRows } from './io';

export interface EvalOptions {
  impulseLength?: number;
  hessian?: boolean;
  backend?: BackendChoice;
}

export function runEval(input: unknown, options: EvalOptions): Record<string, unknown> {
  const doc = checkObject(input, 'the eval input', ['model', 'inputs', 'targets', 'teacher']);
  if (doc.model === undefined) throw new TypeError('Expected an object {a, b, c} for model but received undefined of type undefined');
  const model = new DiagonalSSM(doc.model as never, 'model');
  const x = toSequences(doc.inputs, 'inputs');
  if (doc.targets !== undefined && doc.teacher !== undefined) {
    throw new RangeError('Expected either targets or teacher for the eval input but received both');
  }
  const backend = getBackend(options.backend);
  const m = model.toBatch();
  let targets: Float64Array | undefined;
  let teacher: DiagonalSSM | undefined;
  if (doc.targets !== undefined) targets = toVector(doc.targets, 'targets', x.count);
  if (doc.teacher !== undefined) {
    teacher = new DiagonalSSM(doc.teacher as never, 'teacher');
    targets = backend.forward(teacher.toBatch(), x);
  }
  const impulseLength = options.impulseLength ?? x.length;
  const result: Record<string, unknown> = {
    outputs: backend.forward(m, x),
    impulse: backend.impulseResponse(m, impulseLength),
  };
  if (targets) {
    const r = backend.evaluate(m, x, targets, {
      gradA: true, gradB: true, gradC: true, gamma: true, hessian: options.hessian === true,
    });
    if (teacher) result.targets = targets;
    result.loss = r.loss[0];
    result.grad = { a: r.gradA, b: r.gradB, c: r.gradC };
    result.gamma = r.gamma;
    if (r.hessian) result.hessian = matrixRows(r.hessian, model.dim);
  } else {
    result.loss = null;
    result.grad = null;
    result.gamma = null;
    if (options.hessian) result.hessian = null;
  }
  result.backend = backend.info();
  return result;
}
