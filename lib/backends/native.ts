/** The Node-API addon as a Backend (native/napi). */
import path from 'node:path';

import { SsmPoisonError } from '../errors';
import type { RunAddon } from './addon-types';
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

export type {
  NativeFlowConfig,
  NativeFlowResult,
  NativeOdeOptions,
  NativeOdeResult,
  NativeProblemFields,
  NativeScaledFlowConfig,
  NativeScaledFlowResult,
  NativeTrainConfig,
  NativeTrainResult,
  RunAddon,
  ScaledFlowProgress,
} from './addon-types';

/** The functions the addon exports (native/napi/kernels.cc, random.cc, and the run
 * methods of train.cc, flow.cc, flow_scaled.cc, ode.cc: RunAddon). */
export interface Addon extends RunAddon {
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
