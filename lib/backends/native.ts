/** The Node-API addon as a Backend (native/napi). */
import path from 'node:path';

import { SsmPoisonError } from '../errors';
import { rangeError } from '../validate';
import type {
  Backend,
  BackendInfo,
  BackendName,
  EvaluateRequest,
  Evaluation,
  ModelBatch,
  NumpyRandom,
  ScanMode,
  SequenceBatch,
} from './backend';

/** The functions the addon exports (native/napi/kernels.cc, random.cc). */
export interface Addon {
  setErrorClass(cls: typeof SsmPoisonError): void;
  impulseResponse(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number, length: number): Float64Array;
  forward(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number,
    x: Float64Array, n: number, k: number): Float64Array;
  scan(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number,
    x: Float64Array, n: number, k: number, mode: number): Float64Array;
  evaluate(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number,
    x: Float64Array, n: number, k: number, targets: Float64Array, flags: number): Evaluation;
  extrapolationError(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number,
    ta: Float64Array, tb: Float64Array, tc: Float64Array, tcount: number, tdim: number, from: number, to: number): Float64Array;
  effectiveRank(a: Float64Array, b: Float64Array, c: Float64Array, count: number, dim: number): Float64Array;
  buildInfo(): { blas: string; openblas: boolean; threads: number; blasThreads: number };
  setThreads(threads: number): void;
  NumpyRandom: new (seed: number) => NumpyRandom;
  /** The solvers' test hook: a built-in problem (0 decay, 1 logistic, 2 linear, 3 Robertson). */
  solveTestProblem(problem: number, params: Float64Array, y0: Float64Array, t0: number, tEnd: number,
    tEval: Float64Array, options: NativeOdeOptions): NativeOdeResult & { y: Float64Array };
  /** Large-κ gradient flow in arc length with scaled arithmetic (native/napi/flow_scaled.cc). */
  gradientFlowScaled(config: NativeScaledFlowConfig): NativeScaledFlowResult;
  gradientFlowScaledAsync(config: NativeScaledFlowConfig,
    onProgress: ((p: ScaledFlowProgress) => void) | undefined, progressMs: number, aborted?: boolean):
    { promise: Promise<NativeScaledFlowResult>; abort(): void };
  /** Test hook: the scaled direction, arc-length field and its Jacobian at a. */
  scaledFlowField(config: Pick<NativeScaledFlowConfig, 'dim' | 'count' | 'length' | 'a' | 'b' | 'c' | 'x' | 'targets'>,
    a: Float64Array, log2Scale: number): {
    loss: number; log10GradNorm: number; direction: Float64Array; field: Float64Array; jacobian: Float64Array;
  };
}

/** Progress of a large-κ run (physical time as log10, arc length so far, accepted steps). */
export interface ScaledFlowProgress {
  log10Time: number;
  loss: number;
  arcLength: number;
  steps: number;
}

/** One student, its data and the optional teacher, as the addon's run configs carry them
 * (native/napi/config_fields.h: StudentData, read_teacher). */
export interface NativeProblemFields {
  dim: number;
  count: number;
  length: number;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  x: Float64Array;
  targets: Float64Array;
  teacherA?: Float64Array;
  teacherB?: Float64Array;
  teacherC?: Float64Array;
  extFrom?: number;
  extTo?: number;
}

/** The config the addon's gradientFlowScaled reads (native/core/ssm.h ssm_flow_scaled_config). */
export interface NativeScaledFlowConfig extends NativeProblemFields {
  ode: NativeOdeOptions;
  lossTol: number;
  gradTol: number;
  maxLog10Time: number;
  rescale: number;
  outputLog10Times: Float64Array;
  recordEvery: number;
  maxRecords: number;
}

/** What gradientFlowScaled returns (stats as NativeOdeResult, t = total arc length). */
export interface NativeScaledFlowResult extends NativeOdeResult {
  written: number;
  log10Times: Float64Array;
  a: Float64Array;
  loss: Float64Array;
  gamma0: Float64Array;
  extrapolationError: Float64Array;
  arcLength: Float64Array;
  recorded: number;
  recA: Float64Array;
  recLoss: Float64Array;
  recGamma0: Float64Array;
  recExtrapolationError: Float64Array;
  recLog10Time: Float64Array;
  recArcLength: Float64Array;
  recLog10GradNorm: Float64Array;
  recConstrained: Float64Array;
  finalA: Float64Array;
  finalLoss: number;
  finalGamma0: number;
  finalExtrapolationError: number;
  finalLog10Time: number;
  finalArcLength: number;
  finalLog10GradNorm: number;
  converged: boolean;
  stationary: boolean;
  segments: number;
  physicalSegments: number;
  constrainedSegments: number;
}

/** ODE options as the addon reads them (method: 0 dopri5, 1 rosenbrock, 2 auto, 3 lsoda). */
export interface NativeOdeOptions {
  method: number;
  rtol: number;
  atol: number;
  firstStep: number;
  maxStep: number;
  maxSteps: number;
  /** The first output time after t0 (0: the end time); LSODA's initial step depends on it. */
  firstOutput?: number;
}

/** ODE outcome as the addon reports it (status: 1 reached end, 2 stopped, < 0 failed). */
export interface NativeOdeResult {
  status: number;
  message: string;
  t: number;
  nfev: number;
  njev: number;
  nlu: number;
  nsteps: number;
  nrejected: number;
  restarts: number;
}

const SCAN_MODES: Record<ScanMode, number> = { final: 0, outputs: 1, states: 2 };

/** Bits of the evaluate request, as in native/napi/kernels.cc. */
const REQUEST_BITS: Record<keyof EvaluateRequest, number> = {
  outputs: 1 << 0,
  residuals: 1 << 1,
  e: 1 << 2,
  gradA: 1 << 3,
  gradB: 1 << 4,
  gradC: 1 << 5,
  gamma: 1 << 6,
  hessian: 1 << 7,
  kernelGrad: 1 << 8,
  kernelGradNorm: 1 << 9,
};

export function requestFlags(request: EvaluateRequest): number {
  let flags = 0;
  for (const key of Object.keys(REQUEST_BITS) as (keyof EvaluateRequest)[]) {
    if (request[key]) flags |= REQUEST_BITS[key];
  }
  return flags;
}

/** Where the compiled addons live, relative to the package root. */
export const ADDON_FILES = {
  native: path.join('build', 'Release', 'ssm_poison.node'),
  'native-portable': path.join('build', 'Release', 'ssm_poison_portable.node'),
} as const;

const packageRoot = path.join(__dirname, '..', '..', '..');

/** Loads an addon file; throws what `require` throws. */
export function loadAddon(kind: keyof typeof ADDON_FILES): Addon {
  // (the addon caches modules: loading twice returns the same object)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(path.join(packageRoot, ADDON_FILES[kind])) as Addon;
  addon.setErrorClass(SsmPoisonError);
  return addon;
}

/**
 * The addon for a run that only the native code does (gradient flow, training loops):
 * 'native' by default, or 'native-portable'; a clear error when it cannot load.
 */
export function requireNativeAddon<T extends Addon>(choice: unknown, purpose: string, option = 'options.backend'): T {
  const name = choice === undefined || choice === 'auto' ? 'native' : choice;
  if (name !== 'native' && name !== 'native-portable') {
    throw rangeError(`native or native-portable (${purpose} runs in the native addon)`, option, choice);
  }
  try {
    return loadAddon(name) as T;
  } catch (err) {
    throw new SsmPoisonError(
      `${purpose[0].toUpperCase()}${purpose.slice(1)} needs the native addon (${name}), which did not load: ${(err as Error).message.split('\n')[0]}`,
      'ERR_SSM_BACKEND_UNAVAILABLE',
    );
  }
}

export function createNativeBackend(name: Extract<BackendName, 'native' | 'native-portable'>, addon: Addon): Backend {
  const model = (m: ModelBatch) => [m.a, m.b, m.c, m.count, m.dim] as const;
  return {
    name,
    info(): BackendInfo {
      return { name, ...addon.buildInfo() };
    },
    impulseResponse: (m, length) => addon.impulseResponse(...model(m), length),
    forward: (m, x: SequenceBatch) => addon.forward(...model(m), x.x, x.count, x.length),
    scan: (m, x, mode) => addon.scan(...model(m), x.x, x.count, x.length, SCAN_MODES[mode]),
    evaluate: (m, x, targets, request) =>
      addon.evaluate(...model(m), x.x, x.count, x.length, targets, requestFlags(request)),
    extrapolationError: (m, teacher, from, to) =>
      addon.extrapolationError(...model(m), ...model(teacher), from, to),
    effectiveRank: (m) => addon.effectiveRank(...model(m)),
    numpyRandom: (seed) => new addon.NumpyRandom(seed),
    setThreads: (threads: number) => addon.setThreads(threads),
  } as Backend;
}
