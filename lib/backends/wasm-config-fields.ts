/**
 * Reading a run's raw config object for the WebAssembly runs, field by field in the order
 * and with the messages of the native binding (native/napi/config_fields.h, ode.cc), so a
 * bad config fails the same way on both. Errors name the field as "config.<key>". Arrays
 * are not copied here: the call copies them into linear memory.
 */
import type { NativeOdeOptions } from './addon-types';
import { MAX_ELEMENTS, expected, outputSize, requireShape } from './wasm-args';

export type ConfigObject = Record<string, unknown>;

/** Napi's IsObject: objects, arrays and functions. */
export function isObject(v: unknown): v is ConfigObject {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/** The config itself: an object (an array too, as IsObject says, unless `noArrays`). */
export function configObject(v: unknown, noArrays = false): ConfigObject {
  if (!isObject(v) || (noArrays && Array.isArray(v))) throw new TypeError(expected('a config object', 'config', v));
  return v;
}

/** A Float64Array field of `length` finite values (any length when < 0). */
export function arrayField(o: ConfigObject, key: string, length: number, shape: string): Float64Array {
  const v = o[key];
  const name = `config.${key}`;
  if (!(v instanceof Float64Array)) throw new TypeError(expected('a Float64Array', name, v));
  requireShape(v, length >= 0 ? length : v.length, name, shape);
  return v;
}

export function numberField(o: ConfigObject, key: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new TypeError(expected('a number', `config.${key}`, v));
  return v;
}

export function integerField(o: ConfigObject, key: string, min: number, max: number): number {
  const d = numberField(o, key);
  if (!Number.isFinite(d) || Math.floor(d) !== d || d < min || d > max) {
    throw new RangeError(expected(`an integer between ${min} and ${max}`, `config.${key}`, o[key]));
  }
  return d;
}

/** A finite number field (flow_scaled.cc's finite_field). */
export function finiteField(o: ConfigObject, key: string): number {
  const d = numberField(o, key);
  if (!Number.isFinite(d)) throw new RangeError(expected('a finite number', `config.${key}`, o[key]));
  return d;
}

export const boolField = (o: ConfigObject, key: string): boolean => Boolean(o[key]);

/** One student and its data (StudentData): dim, count, length, a, b, c, x, targets. */
export interface StudentFields {
  d: number;
  N: number;
  K: number;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  x: Float64Array;
  targets: Float64Array;
}

export function studentFields(o: ConfigObject): StudentFields {
  const d = integerField(o, 'dim', 1, MAX_ELEMENTS);
  const N = integerField(o, 'count', 1, MAX_ELEMENTS);
  const K = integerField(o, 'length', 1, MAX_ELEMENTS);
  const nx = outputSize([N, K], 'the inputs (count×length)');
  return {
    d, N, K,
    a: arrayField(o, 'a', d, 'dim'),
    b: arrayField(o, 'b', d, 'dim'),
    c: arrayField(o, 'c', d, 'dim'),
    x: arrayField(o, 'x', nx, 'count×length'),
    targets: arrayField(o, 'targets', N, 'count'),
  };
}

/** The MLP train bit (SSM_TRAIN_MLP). */
const TRAIN_MLP = 8;

export interface MlpFields {
  width: number;
  depth: number;
  /** Weights per student. */
  size: number;
  weights: Float64Array;
}

/** The optional MLP head { width, depth, weights (students × P) } (read_mlp). */
export function mlpFields(o: ConfigObject, students: number, train: number): MlpFields | undefined {
  const v = o.mlp;
  if (v === undefined || v === null) {
    if (train & TRAIN_MLP) throw new RangeError(expected('no MLP bit without an mlp', 'config.train', o.train));
    return undefined;
  }
  if (!isObject(v)) throw new TypeError(expected('an object', 'config.mlp', v));
  const width = integerField(v, 'width', 1, 2 ** 20);
  const depth = integerField(v, 'depth', 1, 2 ** 20);
  outputSize([width, width, depth], 'the MLP weights');
  const size = 2 * width + (depth - 1) * width * width;
  const weights = arrayField(v, 'weights', outputSize([students, size], 'the MLP weights (students×P)'), 'students×P');
  return { width, depth, size, weights };
}

export interface TeacherFields {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  from: number;
  to: number;
}

/** The optional teacher (teacherA/B/C, extFrom … extTo) (read_teacher). */
export function teacherFields(o: ConfigObject): TeacherFields | undefined {
  if (o.teacherA === undefined) return undefined;
  const a = arrayField(o, 'teacherA', -1, 'teacher dim');
  const td = a.length;
  if (td < 1) throw new RangeError(expected('at least one value', 'config.teacherA', o.teacherA));
  const b = arrayField(o, 'teacherB', td, 'teacher dim');
  const c = arrayField(o, 'teacherC', td, 'teacher dim');
  const from = integerField(o, 'extFrom', 0, MAX_ELEMENTS - 1);
  const to = integerField(o, 'extTo', from, MAX_ELEMENTS - 1);
  return { a, b, c, from, to };
}

const ODE_METHODS = [0, 1, 2, 3];

/** ODE options { method, rtol, atol, firstStep, maxStep, maxSteps, firstOutput? } (ode.cc's
 * ode_options); errors name the fields <name>.<key>. */
export function odeOptions(v: unknown, name: string): Required<NativeOdeOptions> {
  if (!isObject(v) || Array.isArray(v)) throw new TypeError(expected('an options object', name, v));
  const number = (key: string): number => {
    const x = v[key];
    if (typeof x !== 'number') throw new TypeError(expected('a number', `${name}.${key}`, x));
    return x;
  };
  const fail = (what: string, key: string): never => {
    throw new RangeError(expected(what, `${name}.${key}`, v[key]));
  };
  const method = number('method');
  if (!ODE_METHODS.includes(method)) fail('0 (dopri5), 1 (rosenbrock), 2 (auto) or 3 (lsoda)', 'method');
  const rtol = number('rtol');
  const atol = number('atol');
  const firstStep = number('firstStep');
  const maxStep = number('maxStep');
  const maxSteps = number('maxSteps');
  if (!(rtol > 0 && rtol < 1)) fail('a number in (0, 1)', 'rtol');
  if (!(atol > 0) || !Number.isFinite(atol)) fail('a finite number > 0', 'atol');
  if (!(firstStep >= 0) || !Number.isFinite(firstStep)) fail('a finite number ≥ 0', 'firstStep');
  if (!(maxStep > 0)) fail('a number > 0', 'maxStep');
  if (!(maxSteps >= 1) || Math.floor(maxSteps) !== maxSteps || maxSteps > 9e15) fail('an integer ≥ 1', 'maxSteps');
  let firstOutput = 0;
  if (v.firstOutput !== undefined) {
    firstOutput = number('firstOutput');
    if (!(firstOutput >= 0) || !Number.isFinite(firstOutput)) fail('a finite number ≥ 0', 'firstOutput');
  }
  return { method, rtol, atol, firstStep, maxStep, maxSteps, firstOutput };
}
