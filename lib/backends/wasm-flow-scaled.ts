/**
 * The large-κ gradient flow in arc length (SPEC §6 "large κ") in the WebAssembly module:
 * gradientFlowScaled's raw config checked like native/napi/flow_scaled.cc (ScaledJob),
 * laid out as an ssm_flow_scaled_config, run by ssm_gradient_flow_scaled; and the field
 * hook scaledFlowField (ssm_flow_scaled_field).
 */
import type { NativeOdeOptions, NativeScaledField, NativeScaledFlowResult } from './addon-types';
import { MAX_ELEMENTS, cFixed, expected, float64Array, integer, outputSize, requireShape } from './wasm-args';
import {
  type ConfigObject,
  type StudentFields,
  type TeacherFields,
  arrayField,
  configObject,
  finiteField,
  integerField,
  numberField,
  odeOptions,
  studentFields,
  teacherFields,
} from './wasm-config-fields';
import { writeProblem } from './wasm-flow';
import { Struct } from './wasm-layout';
import type { Runtime } from './wasm-module';
import { readOdeStats, writeOdeOptions } from './wasm-ode';
import type { RunControl } from './wasm-run-control';

/** The student and its data, with ScaledJob::read_problem's size checks. */
function scaledProblem(o: ConfigObject): StudentFields {
  const p = studentFields(o);
  outputSize([p.d + 1, p.d + 1], 'the Jacobian ((dim+1)×(dim+1))');
  outputSize([p.N, p.d], 'the scaled rows (count×dim)');
  return p;
}

/** A checked large-κ config (everything ScaledJob reads, in its order). */
export interface ScaledInput extends StudentFields {
  teacher?: TeacherFields;
  ode: Required<NativeOdeOptions>;
  lossTol: number;
  gradTol: number;
  maxLog10Time: number;
  rescale: number;
  times: Float64Array;
  recordEvery: number;
  maxRecords: number;
}

export function scaledInput(value: unknown): ScaledInput {
  const o = configObject(value, true);
  const problem = scaledProblem(o);
  const teacher = teacherFields(o);
  const ode = odeOptions(o.ode, 'config.ode');
  const lossTol = finiteField(o, 'lossTol');
  const gradTol = finiteField(o, 'gradTol');
  const maxLog10Time = numberField(o, 'maxLog10Time');
  if (Number.isNaN(maxLog10Time) || maxLog10Time === -Infinity) {
    throw new RangeError(expected('a number or Infinity', 'config.maxLog10Time', o.maxLog10Time));
  }
  if (!(lossTol > 0 || gradTol > 0 || Number.isFinite(maxLog10Time))) {
    throw new RangeError(expected('lossTol > 0, gradTol > 0 or a finite maxLog10Time', 'config.lossTol', o.lossTol));
  }
  const rescale = finiteField(o, 'rescale');
  if (!(rescale === 0 || (rescale >= 1 && rescale <= 600))) {
    throw new RangeError(expected('0 (default) or a number in [1, 600]', 'config.rescale', o.rescale));
  }
  const times = arrayField(o, 'outputLog10Times', -1, 'outputs');
  for (let k = 1; k < times.length; k++) {
    if (times[k] < times[k - 1]) {
      throw new RangeError(`Expected ascending log10 times for config.outputLog10Times but received ${cFixed(times[k])} at index ${k} of type number`);
    }
  }
  const recordEvery = integerField(o, 'recordEvery', 0, MAX_ELEMENTS);
  const maxRecords = integerField(o, 'maxRecords', 0, MAX_ELEMENTS);
  if (times.length > 0) outputSize([times.length, problem.d], 'the outputs');
  if (maxRecords > 0) outputSize([maxRecords, problem.d], 'the records');
  return { ...problem, teacher, ode, lossTol, gradTol, maxLog10Time, rescale, times, recordEvery, maxRecords };
}

/** Runs ssm_gradient_flow_scaled on a checked config; throws on a failed status as the binding does. */
export function runGradientFlowScaled(runtime: Runtime, f: ScaledInput, control: RunControl = {}): NativeScaledFlowResult {
  return runtime.run('gradientFlowScaled', (call, check) => {
    const { d } = f;
    const n = f.times.length;
    const R = f.maxRecords;
    const config = new Struct(call, 'ssm_flow_scaled_config');
    writeProblem(call, config, f, f.teacher);
    const abort = call.zeroed(8, 'the abort flag');
    writeOdeOptions(config, 'ode.', f.ode, abort);
    config.setAll({
      loss_tol: f.lossTol, grad_tol: f.gradTol, max_log10_time: f.maxLog10Time, rescale: f.rescale,
      output_log10_times: call.input(f.times, 'outputLog10Times'), n_outputs: n, record_every: f.recordEvery,
      max_records: R,
    });
    const ptr: Record<string, number> = {
      a: call.nans(n * d, 'the outputs'), loss: call.nans(n, 'the outputs'), gamma0: call.nans(n, 'the outputs'),
      ext_error: call.nans(n, 'the outputs'), arc_length: call.nans(n, 'the outputs'),
      rec_a: call.nans(R * d, 'the records'), rec_loss: call.nans(R, 'the records'), rec_gamma0: call.nans(R, 'the records'),
      rec_ext_error: call.nans(R, 'the records'), rec_log10_time: call.nans(R, 'the records'),
      rec_arc_length: call.nans(R, 'the records'), rec_log10_grad_norm: call.nans(R, 'the records'),
      rec_constrained: call.nans(R, 'the records'), final_a: call.nans(d, 'finalA'),
    };
    const out = new Struct(call, 'ssm_flow_scaled_output').setAll(ptr);

    control.abort?.attach(() => call.ex.memory.buffer, abort);
    let status: number;
    try {
      status = call.ex.ssm_wasm_gradient_flow_scaled(config.ptr, out.ptr, control.progress ? 1 : 0);
    } finally {
      control.abort?.detach();
    }
    check(status);

    const w = out.get('written');
    const k = out.get('recorded');
    const read = (key: string, count: number) => call.output(ptr[key], count);
    return {
      ...readOdeStats(out, 'stats.'),
      written: w,
      log10Times: f.times.slice(0, w),
      a: read('a', w * d),
      loss: read('loss', w),
      gamma0: read('gamma0', w),
      extrapolationError: read('ext_error', w),
      arcLength: read('arc_length', w),
      recorded: k,
      recA: read('rec_a', k * d),
      recLoss: read('rec_loss', k),
      recGamma0: read('rec_gamma0', k),
      recExtrapolationError: read('rec_ext_error', k),
      recLog10Time: read('rec_log10_time', k),
      recArcLength: read('rec_arc_length', k),
      recLog10GradNorm: read('rec_log10_grad_norm', k),
      recConstrained: read('rec_constrained', k),
      finalA: read('final_a', d),
      finalLoss: out.get('final_loss'),
      finalGamma0: out.get('final_gamma0'),
      finalExtrapolationError: out.get('final_ext_error'),
      finalLog10Time: out.get('final_log10_time'),
      finalArcLength: out.get('final_arc_length'),
      finalLog10GradNorm: out.get('final_log10_grad_norm'),
      converged: out.get('converged') !== 0,
      stationary: out.get('stationary') !== 0,
      segments: out.get('segments'),
      physicalSegments: out.get('physical_segments'),
      constrainedSegments: out.get('constrained_segments'),
    };
  }, control.progress);
}

/** scaledFlowField(config, a, log2Scale) with flow_scaled.cc's checks. */
export function scaledFlowField(runtime: Runtime, ...args: unknown[]): NativeScaledField {
  const p = scaledProblem(configObject(args[0], true));
  const a = float64Array(args[1], 'a');
  requireShape(a, p.d, 'a', 'dim');
  const scale = integer(args[2], 'log2Scale', -(2 ** 40), 2 ** 40);
  const d = p.d;
  return runtime.run('scaledFlowField', (call, check) => {
    const config = new Struct(call, 'ssm_flow_scaled_config');
    writeProblem(call, config, p, undefined);
    const ptr = { direction: call.zeros(d, 'the direction'), field: call.zeros(d + 1, 'the field'), jacobian: call.zeros((d + 1) * (d + 1), 'the Jacobian') };
    const out = new Struct(call, 'ssm_scaled_field_output').setAll(ptr);
    check(call.ex.ssm_wasm_flow_scaled_field(config.ptr, call.input(a, 'a'), scale, out.ptr));
    return {
      loss: out.get('loss'),
      log10GradNorm: out.get('log10_grad_norm'),
      direction: call.output(ptr.direction, d),
      field: call.output(ptr.field, d + 1),
      jacobian: call.output(ptr.jacobian, (d + 1) * (d + 1)),
    };
  });
}
