/**
 * Argument checks of the WebAssembly backend, with the native binding's rules and messages
 * (native/napi/args.cc), so callers cannot tell the two apart: a wrong type is a TypeError,
 * a wrong size or value a RangeError, both "Expected <what> for <name> but received
 * <value> of type <type>". The core checks again.
 */

/** SSM_MAX_ELEMENTS (native/core/ssm.h): the most doubles any one array may hold. */
export const MAX_ELEMENTS = 2 ** 31;

/** The binding's type_of: a JavaScript value's type as args.cc names it. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    if (v instanceof Float64Array) return 'Float64Array';
    if (v instanceof Float32Array) return 'Float32Array';
    if (v instanceof Int32Array) return 'Int32Array';
    if (v instanceof Uint8Array) return 'Uint8Array';
    return 'TypedArray';
  }
  if (Array.isArray(v)) return 'Array';
  const t = typeof v;
  return t === 'undefined' ? 'object' : t;
}

/** C's printf("%.17g", d) for a finite d. */
export function g17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mantissa, exp] = d.toExponential(16).split('e');
  const x = Number(exp);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= 17) {
    const e = Math.abs(x);
    return `${trim(mantissa)}e${x < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return trim(d.toFixed(16 - x));
}

/** C++'s std::to_string(double) (printf "%f") for a finite d. */
export function cFixed(d: number): string {
  const sign = d < 0 || Object.is(d, -0) ? '-' : '';
  const a = Math.abs(d);
  if (a < 1e21) return sign + a.toFixed(6);
  return `${sign}${BigInt(a).toString()}.000000`; // an integer: every digit of the double
}

function show(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return g17(v);
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return `"${bytes.length > 40 ? `${bytes.subarray(0, 40).toString('utf8')}…` : v}"`;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return `${typeOf(v)}(${(v as Float64Array).length})`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return typeOf(v);
}

export function expected(what: string, name: string, v: unknown): string {
  return `Expected ${what} for ${name} but received ${show(v)} of type ${typeOf(v)}`;
}

export function float64Array(v: unknown, name: string): Float64Array {
  if (!(v instanceof Float64Array)) throw new TypeError(expected('a Float64Array', name, v));
  return v;
}

export function integer(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(expected('an integer', name, v));
  if (!Number.isFinite(v) || Math.floor(v) !== v || v < min || v > max) {
    throw new RangeError(expected(`an integer between ${min} and ${max}`, name, v));
  }
  return v;
}

export function finiteNumber(v: unknown, name: string): number {
  if (typeof v !== 'number') throw new TypeError(expected('a finite number', name, v));
  if (!Number.isFinite(v)) throw new RangeError(expected('a finite number', name, v));
  return v;
}

/** The array holds exactly `count` elements (shape names the expected shape), all finite. */
export function requireShape(array: Float64Array, count: number, name: string, shape: string): void {
  if (array.length !== count) {
    throw new RangeError(
      `Expected ${count} ${count === 1 ? 'element' : 'elements'} (${shape}) for ${name} but received ` +
        `Float64Array(${array.length}) of type Float64Array`,
    );
  }
  for (let i = 0; i < count; i++) {
    const v = array[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(
        `Expected finite numbers for ${name} but received ${Number.isNaN(v) ? 'NaN' : 'an infinite value'} at index ${i} of type number`,
      );
    }
  }
}

/** The product of the factors when it is at most 2^31, else a RangeError naming `what`. */
export function outputSize(factors: number[], what: string): number {
  let total = 1;
  let product = 1;
  let fits = true;
  for (const f of factors) {
    product *= f;
    if (f < 1 || total > MAX_ELEMENTS / f) fits = false;
    else total *= f;
  }
  if (!fits) throw new RangeError(`Expected at most 2^31 elements for ${what} but received ${g17(product)} of type number`);
  return total;
}
