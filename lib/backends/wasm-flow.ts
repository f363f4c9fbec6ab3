/**
 * Gradient-flow runs (SPEC §6) in the WebAssembly module: gradientFlow's raw config checked
 * like native/napi/flow.cc (FlowJob), laid out as an ssm_flow_config, integrated by
 * ssm_gradient_flow, the ssm_flow_output read back into gradientFlow's raw result.
 */
import type { NativeFlowResult, NativeOdeOptions } from './addon-types';
import { cFixed, expected, outputSize } from './wasm-args';
import {
  type MlpFields,
  type StudentFields,
  type TeacherFields,
  arrayField,
  boolField,
  configObject,
  integerField,
  isObject,
  mlpFields,
  numberField,
  odeOptions,
  studentFields,
  teacherFields,
} from './wasm-config-fields';
import { Struct } from './wasm-layout';
import type { Call, Runtime } from './wasm-module';
import { readOdeStats, writeOdeOptions } from './wasm-ode';
import type { RunControl } from './wasm-run-control';

/** A checked gradient-flow config (everything FlowJob reads, in its order). */
export interface FlowInput extends StudentFields {
  train: number;
  mlp?: MlpFields;
  teacher?: TeacherFields;
  ode: Required<NativeOdeOptions>;
  until: number;
  lossTol: number;
  gradTol: number;
  times: Float64Array;
  /** Rows of the trajectory (outputs × dim) and which parameters are recorded. */
  rows: number;
  record: { a: boolean; b: boolean; c: boolean };
}

export function flowInput(value: unknown): FlowInput {
  const o = configObject(value);
  const student = studentFields(o);
  const { d } = student;
  outputSize([d, d], 'the Hessian (dim×dim)');
  const train = integerField(o, 'train', 1, 15);
  const mlp = mlpFields(o, 1, train);
  const teacher = teacherFields(o);
  const ode = odeOptions(o.ode, 'config.ode');
  const until = numberField(o, 'until');
  if (!(until >= 0)) throw new RangeError(expected('a number ≥ 0', 'config.until', o.until));
  const lossTol = numberField(o, 'lossTol');
  const gradTol = numberField(o, 'gradTol');
  if (until === Infinity && !(lossTol > 0 || gradTol > 0)) {
    throw new RangeError('Expected a finite until, or lossTol or gradTol > 0, for config.until but received Infinity of type number');
  }
  const times = arrayField(o, 'outputTimes', -1, 'outputs');
  for (let k = 0; k < times.length; k++) {
    if (!(times[k] >= 0 && times[k] <= until) || (k > 0 && times[k] < times[k - 1])) {
      throw new RangeError(`Expected ascending times in [0, until] for config.outputTimes but received ${cFixed(times[k])} at index ${k} of type number`);
    }
  }
  const rows = times.length > 0 ? outputSize([times.length, d], 'the trajectory') : 0;
  const record = isObject(o.record) ? o.record : {};
  return {
    ...student, train, mlp, teacher, ode, until, lossTol, gradTol, times, rows,
    record: { a: boolField(record, 'a'), b: boolField(record, 'b'), c: boolField(record, 'c') },
  };
}

/** The student's data and teacher fields shared by the flow configs (ssm_flow_config and
 * ssm_flow_scaled_config name them alike). */
export function writeProblem(call: Call, config: Struct, p: StudentFields, teacher: TeacherFields | undefined): void {
  config.setAll({ count: 1, dim: p.d, a: call.input(p.a, 'a'), b: call.input(p.b, 'b'), c: call.input(p.c, 'c') }, 'student.');
  config.setAll({ count: p.N, length: p.K, x: call.input(p.x, 'x') }, 'x.');
  config.set('targets', call.input(p.targets, 'targets'));
  if (teacher) {
    const { a, b, c, from, to } = teacher;
    config.setAll({ count: 1, dim: a.length, a: call.input(a, 'teacherA'), b: call.input(b, 'teacherB'), c: call.input(c, 'teacherC') }, 'teacher.');
    config.setAll({ ext_from: from, ext_to: to });
  }
}

/** Runs ssm_gradient_flow on a checked config; throws on a failed status as the binding does. */
export function runGradientFlow(runtime: Runtime, f: FlowInput, control: RunControl = {}): NativeFlowResult {
  return runtime.run('gradientFlow', (call, check) => {
    const { d } = f;
    const n = f.times.length;
    const config = new Struct(call, 'ssm_flow_config');
    writeProblem(call, config, f, f.teacher);
    config.set('train', f.train);
    if (f.mlp) config.setAll({ width: f.mlp.width, depth: f.mlp.depth, weights: call.input(f.mlp.weights, 'the MLP weights') }, 'mlp.');
    const abort = call.zeroed(8, 'the abort flag');
    writeOdeOptions(config, 'ode.', f.ode, abort);
    config.setAll({ until: f.until, loss_tol: f.lossTol, grad_tol: f.gradTol, output_times: call.input(f.times, 'outputTimes'), n_outputs: n });

    const P = f.mlp ? f.mlp.size : 0;
    const ptr: Record<string, number> = {
      a: f.record.a && f.rows > 0 ? call.zeros(f.rows, 'the trajectory') : 0,
      b: f.record.b && f.rows > 0 ? call.zeros(f.rows, 'the trajectory') : 0,
      c: f.record.c && f.rows > 0 ? call.zeros(f.rows, 'the trajectory') : 0,
      loss: call.nans(n, 'the losses'), gamma0: call.nans(n, 'γ^(0)'), ext_error: call.nans(n, 'the extrapolation errors'),
      final_a: call.zeros(d, 'finalA'), final_b: call.zeros(d, 'finalB'), final_c: call.zeros(d, 'finalC'),
      final_mlp: P > 0 ? call.zeros(P, 'finalMlp') : 0,
    };
    const out = new Struct(call, 'ssm_flow_output').setAll(ptr);

    control.abort?.attach(() => call.ex.memory.buffer, abort);
    let status: number;
    try {
      status = call.ex.ssm_wasm_gradient_flow(config.ptr, out.ptr, control.progress ? 1 : 0);
    } finally {
      control.abort?.detach();
    }
    check(status);

    const w = out.get('written');
    const rows = (key: string) => call.output(ptr[key], w * d);
    const result: NativeFlowResult = {
      ...readOdeStats(out, 'stats.'),
      written: w,
      times: f.times.slice(0, w),
      ...(ptr.a ? { a: rows('a') } : {}),
      ...(ptr.b ? { b: rows('b') } : {}),
      ...(ptr.c ? { c: rows('c') } : {}),
      loss: call.output(ptr.loss, w),
      gamma0: call.output(ptr.gamma0, w),
      extrapolationError: call.output(ptr.ext_error, w),
      finalA: call.output(ptr.final_a, d),
      finalB: call.output(ptr.final_b, d),
      finalC: call.output(ptr.final_c, d),
      ...(P > 0 ? { finalMlp: call.output(ptr.final_mlp, P) } : {}),
      finalLoss: out.get('final_loss'),
      finalGamma0: out.get('final_gamma0'),
      finalExtrapolationError: out.get('final_ext_error'),
      finalGradNorm: out.get('final_grad_norm'),
      converged: out.get('converged') !== 0,
    };
    return result;
  }, control.progress);
}
