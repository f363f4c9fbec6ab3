/**
 * The addon's run methods (RunAddon: training, gradient flow, the large-κ flow, the ODE
 * test problems) on the WebAssembly build of the same core: the same raw configs in, the
 * same raw results out, the same checks and error messages as the native binding, so
 * lib/train.ts, lib/flow.ts and lib/flow-scaled.ts only choose which one to call.
 * The *Async forms run in a worker thread (wasm-run-job.ts).
 */
import type { FlowProgress, RunAddon, ScaledFlowProgress, TrainProgress } from './addon-types';
import { type WasmVariant, wasmRuntime } from './wasm-module';
import { flowInput, runGradientFlow } from './wasm-flow';
import { runGradientFlowScaled, scaledFlowField, scaledInput } from './wasm-flow-scaled';
import { solveTestProblem } from './wasm-ode';
import { startRun } from './wasm-run-job';
import { kernelGradNormFast, mlpPredict, runTrain, trainInput } from './wasm-train';

const trainProgress = (epoch: number, loss: number): TrainProgress => ({ epoch, loss });
const flowProgress = (t: number, loss: number, steps: number): FlowProgress => ({ t, loss, steps });
const scaledProgress = (log10Time: number, loss: number, arcLength: number, steps: number): ScaledFlowProgress =>
  ({ log10Time, loss, arcLength, steps });

/** The run methods on the WebAssembly module (default build: SIMD when supported). */
export function createWasmRunAddon(variant?: WasmVariant): RunAddon {
  const runtime = wasmRuntime(variant);
  return {
    train: (config) => runTrain(runtime, trainInput(config)),
    trainAsync: (config, onProgress, progressMs, aborted) =>
      startRun(runtime, 'train', trainInput, trainProgress, { config, onProgress, progressMs, aborted }),
    kernelGradNormFast: (...args) => kernelGradNormFast(runtime, ...args),
    mlpPredict: (...args) => mlpPredict(runtime, ...args),
    gradientFlow: (config) => runGradientFlow(runtime, flowInput(config)),
    gradientFlowAsync: (config, onProgress, progressMs, aborted) =>
      startRun(runtime, 'gradientFlow', flowInput, flowProgress, { config, onProgress, progressMs, aborted }),
    gradientFlowScaled: (config) => runGradientFlowScaled(runtime, scaledInput(config)),
    gradientFlowScaledAsync: (config, onProgress, progressMs, aborted) =>
      startRun(runtime, 'gradientFlowScaled', scaledInput, scaledProgress, { config, onProgress, progressMs, aborted }),
    scaledFlowField: (...args) => scaledFlowField(runtime, ...args),
    solveTestProblem: (...args) => solveTestProblem(runtime, ...args),
  };
}
