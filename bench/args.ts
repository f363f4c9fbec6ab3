/** Command-line values of the bench scripts, checked with the library's message shape. */
import type { BackendName } from '../lib/backends/backend';
import { BACKEND_NAMES } from '../lib/backends/loader';
import { rangeError } from '../lib/validate';

export function positiveInteger(value: string | undefined, name: string, min = 1): number {
  const n = value === undefined ? NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw rangeError(`an integer ≥ ${min}`, name, value);
  return n;
}

export function integerList(value: string, name: string, min = 1): number[] {
  const parts = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (parts.length === 0) throw rangeError('a comma-separated list of integers', name, value);
  return parts.map((v) => positiveInteger(v, name, min));
}

export function backendName(value: string | undefined, name: string): BackendName {
  if (value === undefined || !(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw rangeError(`one of ${BACKEND_NAMES.join(', ')}`, name, value);
  }
  return value as BackendName;
}
