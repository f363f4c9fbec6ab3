/**
 * The correctness guard run before timing: the benchmarked call itself (the whole
 * problem, same code path and sizes) is checked against the js oracle on the first and
 * the last student with all N sequences (students are independent, so the oracle only
 * evaluates those). Loss and the three gradients must agree within `tolerance`, relative
 * to the largest reference entry of that quantity and student. Failing throws.
 */
import type { Backend, EvaluateRequest, Evaluation } from '../lib/backends/backend';
import { jsBackend } from '../lib/backends/js';
import { SsmPoisonError } from '../lib/errors';
import { type Problem, selectStudents } from './problem';

export const GRAD_REQUEST: EvaluateRequest = { gradA: true, gradB: true, gradC: true };
export const GUARD_TOLERANCE = 1e-10;

const FIELDS = ['loss', 'gradA', 'gradB', 'gradC'] as const;

export interface GuardReport {
  reference: string;
  students: number[];
  maxRelError: number | null;
  tolerance: number;
}

/** max |got − ref| / max |ref| over one student's row (0 when both are exactly 0). */
function relativeError(got: Float64Array, ref: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    diff = Math.max(diff, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  if (diff === 0) return 0;
  return scale === 0 ? Infinity : diff / scale;
}

export function runGuard(backend: Backend, p: Problem, tolerance = GUARD_TOLERANCE): GuardReport {
  const S = p.models.count;
  const students = S > 1 ? [0, S - 1] : [0];
  if (backend.name === 'js') return { reference: 'js (the oracle itself)', students: [], maxRelError: null, tolerance };

  const got = backend.evaluate(p.models, p.sequences, p.targets, GRAD_REQUEST);
  const ref = jsBackend.evaluate(selectStudents(p.models, students), p.sequences, p.targets, GRAD_REQUEST);
  const failures: string[] = [];
  let worst = 0;
  for (const field of FIELDS) {
    const g = got[field as keyof Evaluation] as Float64Array | undefined;
    const r = ref[field as keyof Evaluation] as Float64Array | undefined;
    if (!g || !r) {
      failures.push(`${field}: missing from the ${g ? 'js' : backend.name} result`);
      continue;
    }
    const width = field === 'loss' ? 1 : p.models.dim;
    students.forEach((s, k) => {
      const err = relativeError(g.subarray(s * width, (s + 1) * width), r.subarray(k * width, (k + 1) * width));
      worst = Math.max(worst, err);
      if (!(err <= tolerance)) failures.push(`${field}[student ${s}]: relative error ${err.toExponential(3)}`);
    });
  }
  if (failures.length > 0) {
    throw new SsmPoisonError(
      `Correctness guard failed for backend ${backend.name} against js (tolerance ${tolerance}):\n` +
        failures.map((f) => `  - ${f}`).join('\n'),
      'ERR_SSM_BENCH_GUARD',
    );
  }
  return { reference: 'js', students, maxRelError: worst, tolerance };
}
