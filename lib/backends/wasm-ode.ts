/**
 * ODE options and statistics in linear memory (ssm_ode_options, ssm_ode_stats), and the
 * solvers' test hook solveTestProblem (native/napi/ode.cc) in the WebAssembly module.
 */
import type { NativeOdeOptions, NativeOdeResult } from './addon-types';
import { expected, finiteNumber, float64Array, integer, outputSize, requireShape } from './wasm-args';
import { odeOptions } from './wasm-config-fields';
import { Struct } from './wasm-layout';
import type { Runtime } from './wasm-module';

/** Writes checked options into the ssm_ode_options at `prefix` ('' or 'ode.') of a struct. */
export function writeOdeOptions(s: Struct, prefix: string, o: Required<NativeOdeOptions>, abort = 0): void {
  s.setAll({
    method: o.method, rtol: o.rtol, atol: o.atol, first_step: o.firstStep, max_step: o.maxStep, max_steps: o.maxSteps,
    first_output: o.firstOutput, abort,
  }, prefix);
}

/** The ssm_ode_stats at `prefix` ('' or 'stats.') as the binding's ode_stats_object. */
export function readOdeStats(s: Struct, prefix: string): NativeOdeResult {
  const get = (key: string) => s.get(prefix + key);
  return {
    status: get('status'), message: s.text(`${prefix}message`), t: get('t'), nfev: get('nfev'), njev: get('njev'),
    nlu: get('nlu'), nsteps: get('nsteps'), nrejected: get('nrejected'), restarts: get('restarts'),
  };
}

/** solveTestProblem(problem, params, y0, t0, tEnd, tEval, options) with ode.cc's checks. */
export function solveTestProblem(runtime: Runtime, ...args: unknown[]): NativeOdeResult & { y: Float64Array } {
  const problem = integer(args[0], 'problem', 0, 3);
  const params = float64Array(args[1], 'params');
  const y0 = float64Array(args[2], 'y0');
  requireShape(params, params.length, 'params', 'parameters');
  requireShape(y0, y0.length, 'y0', 'n');
  const t0 = finiteNumber(args[3], 't0');
  if (typeof args[4] !== 'number' || Number.isNaN(args[4])) throw new TypeError(expected('a number', 'tEnd', args[4]));
  const tEnd = args[4];
  const tEval = float64Array(args[5], 'tEval');
  const options = odeOptions(args[6], 'options');
  const n = y0.length;
  const nEval = tEval.length;
  if (n < 1) throw new RangeError(expected('at least one value', 'y0', args[2]));
  const size = nEval > 0 ? outputSize([nEval, n], 'the outputs') : 0;
  return runtime.run('solveTestProblem', (call, check) => {
    const opts = new Struct(call, 'ssm_ode_options');
    writeOdeOptions(opts, '', options);
    const stats = new Struct(call, 'ssm_ode_stats');
    const y = call.nans(size, 'the outputs');
    check(call.ex.ssm_wasm_ode_solve_problem(problem, call.input(params, 'params'), params.length, n,
      call.input(y0, 'y0'), t0, tEnd, call.input(tEval, 'tEval'), nEval, opts.ptr, y, stats.ptr));
    return { ...readOdeStats(stats, ''), y: call.output(y, size) };
  });
}
