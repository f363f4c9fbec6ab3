import type { EvaluateRequest } from '../../lib/backends/backend';

/** An evaluate request asking for every field. */
export const ALL_FIELDS: Required<EvaluateRequest> = {
  outputs: true,
  residuals: true,
  e: true,
  gradA: true,
  gradB: true,
  gradC: true,
  gamma: true,
  hessian: true,
  kernelGrad: true,
  kernelGradNorm: true,
};
