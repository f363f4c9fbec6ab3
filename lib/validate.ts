/**
 * Validation at the TypeScript edge, one message shape for every check (STYLE.md):
 * "Expected <what> for <name> but received <value> of type <type>".
 * Wrong types are TypeErrors, wrong values or sizes RangeErrors.
 */

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  return typeName(value);
}

export function expectedMessage(what: string, name: string, value: unknown): string {
  return `Expected ${what} for ${name} but received ${show(value)} of type ${typeName(value)}`;
}

export function typeError(what: string, name: string, value: unknown): TypeError {
  return new TypeError(expectedMessage(what, name, value));
}

export function rangeError(what: string, name: string, value: unknown): RangeError {
  return new RangeError(expectedMessage(what, name, value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Levenshtein distance, for "did you mean" hints on misspelled keys. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** An object whose keys are all in `allowed`; unknown keys are a RangeError with a hint. */
export function checkObject(value: unknown, name: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value)) throw typeError('an object', name, value);
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const best = allowed.map((k) => [k, distance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
    const hint = best && best[1] <= Math.max(2, key.length / 3) ? ` (did you mean "${best[0]}"?)` : '';
    throw new RangeError(
      `Expected only the keys ${allowed.join(', ')} for ${name} but received unknown key "${key}"${hint}`,
    );
  }
  return value;
}

export function checkInteger(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw typeError('an integer', name, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(`an integer between ${min} and ${max}`, name, value);
  }
  return value;
}

export function checkFiniteNumber(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError('a finite number', name, value);
  if (!Number.isFinite(value)) throw rangeError('a finite number', name, value);
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw typeError('a boolean', name, value);
  return value;
}

/** A copy of a non-empty numeric vector (Array or Float64Array) with finite entries. */
export function toVector(value: unknown, name: string, length?: number): Float64Array {
  if (!Array.isArray(value) && !(value instanceof Float64Array)) {
    throw typeError('an Array or Float64Array of finite numbers', name, value);
  }
  const n = value.length;
  if (length !== undefined && n !== length) throw rangeError(`${length} numbers`, name, value);
  if (n === 0) throw rangeError('at least one number', name, value);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = value[i];
    if (typeof v !== 'number') throw typeError('a finite number', `${name}[${i}]`, v);
    if (!Number.isFinite(v)) throw rangeError('a finite number', `${name}[${i}]`, v);
    out[i] = v;
  }
  return out;
}

/** Rows of equal length (Array of Arrays/Float64Arrays) as one row-major Float64Array. */
export function toMatrix(value: unknown, name: string): { rows: number; cols: number; data: Float64Array } {
  if (!Array.isArray(value)) throw typeError('an Array of rows', name, value);
  if (value.length === 0) throw rangeError('at least one row', name, value);
  const first = toVector(value[0], `${name}[0]`);
  const cols = first.length;
  const data = new Float64Array(value.length * cols);
  data.set(first, 0);
  for (let r = 1; r < value.length; r++) data.set(toVector(value[r], `${name}[${r}]`, cols), r * cols);
  return { rows: value.length, cols, data };
}
