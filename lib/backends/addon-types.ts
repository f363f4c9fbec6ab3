/**
 * The run methods of the addon — training (SPEC §5), gradient flow and the large-κ flow
 * (SPEC §6), the ODE test problems — and their raw config and result objects, as the
 * native binding (native/napi/train.cc, flow.cc, flow_scaled.cc, ode.cc) and its
 * WebAssembly counterpart (lib/backends/wasm-run-addon.ts) both take and return them.
 * lib/train.ts, lib/flow.ts and lib/flow-scaled.ts build the configs and read the results.
 */

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

/** The MLP head of a run config: weights of every student, flat. */
export interface NativeMlpFields {
  width: number;
  depth: number;
  weights: Float64Array;
}

/** The config train reads (native/core/ssm_train.h ssm_train_config). */
export interface NativeTrainConfig {
  students: number; dim: number; count: number; length: number;
  a: Float64Array; b: Float64Array; c: Float64Array; x: Float64Array; targets: Float64Array;
  train: number; fixBC: boolean;
  optimizer: { kind: number; lr: number; beta: number; soft: number; beta1: number; beta2: number; epsilon: number; weightDecay: number };
  batchSize: number; batchSeed: number; eps: number; maxEpochs: number; epochsAfterStop: number; logEvery: number;
  maxLogs: number;
  mlp?: NativeMlpFields;
  testCount?: number; testLength?: number; testX?: Float64Array; testTargets?: Float64Array;
  teacherA?: Float64Array; teacherB?: Float64Array; teacherC?: Float64Array; extFrom?: number; extTo?: number;
}

/** What train returns (logs: students × maxLogs rows). */
export interface NativeTrainResult {
  finalA: Float64Array; finalB: Float64Array; finalC: Float64Array; finalLoss: Float64Array;
  finalExtrapolationError: Float64Array; finalMlp?: Float64Array; finalTestError?: Float64Array;
  status: number[]; epochs: number[]; stopEpoch: number[]; divergedEpoch: number[]; logCount: number[];
  logsDropped: number[]; reported: number[];
  logEpoch?: Float64Array; logLoss?: Float64Array; logExtrapolationError?: Float64Array; logAbsA?: Float64Array;
  logEffectiveRank?: Float64Array; logGamma?: Float64Array; logLearningRate?: Float64Array; logGradNorm?: Float64Array;
  logTestError?: Float64Array;
}

/** The config gradientFlow reads (native/core/ssm.h ssm_flow_config). */
export interface NativeFlowConfig extends NativeProblemFields {
  train: number;
  ode: NativeOdeOptions;
  until: number;
  lossTol: number;
  gradTol: number;
  outputTimes: Float64Array;
  record: { a: boolean; b: boolean; c: boolean };
  mlp?: NativeMlpFields;
}

/** What gradientFlow returns (rows of the outputs reached: written). */
export interface NativeFlowResult extends NativeOdeResult {
  written: number;
  times: Float64Array;
  a?: Float64Array;
  b?: Float64Array;
  c?: Float64Array;
  loss: Float64Array;
  gamma0: Float64Array;
  extrapolationError: Float64Array;
  finalA: Float64Array;
  finalB: Float64Array;
  finalC: Float64Array;
  finalMlp?: Float64Array;
  finalLoss: number;
  finalGamma0: number;
  finalExtrapolationError: number;
  finalGradNorm: number;
  converged: boolean;
}

/** The config gradientFlowScaled reads (native/core/ssm.h ssm_flow_scaled_config). */
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

/** The scaled field hook's config: the student and its data only. */
export type NativeScaledFieldConfig = Pick<NativeScaledFlowConfig, 'dim' | 'count' | 'length' | 'a' | 'b' | 'c' | 'x' | 'targets'>;

export interface NativeScaledField {
  loss: number;
  log10GradNorm: number;
  direction: Float64Array;
  field: Float64Array;
  jacobian: Float64Array;
}

/** Progress of a training run: the slowest student's epoch and its loss. */
export interface TrainProgress {
  epoch: number;
  loss: number;
}

/** Progress of a gradient flow: time, loss, accepted steps. */
export interface FlowProgress {
  t: number;
  loss: number;
  steps: number;
}

/** Progress of a large-κ run (physical time as log10, arc length so far, accepted steps). */
export interface ScaledFlowProgress {
  log10Time: number;
  loss: number;
  arcLength: number;
  steps: number;
}

/** A started run: its result, and abort() (the run ends at its next check, status aborted). */
export interface RunHandle<R> {
  promise: Promise<R>;
  abort(): void;
}

/** fnAsync(config, onProgress?, progressMs?, aborted?): aborted = the caller's signal fired
 * before the start, so the run ends at its first check. */
export type StartRun<C, P, R> = (config: C, onProgress: ((p: P) => void) | undefined, progressMs: number,
  aborted?: boolean) => RunHandle<R>;

/** The run methods shared by the native addon and the WebAssembly module. */
export interface RunAddon {
  train(config: NativeTrainConfig): NativeTrainResult;
  trainAsync: StartRun<NativeTrainConfig, TrainProgress, NativeTrainResult>;
  /** ‖∂L/∂A‖_F of the full recurrent kernel from e (tests of the adaptive rule). */
  kernelGradNormFast(a: Float64Array, b: Float64Array, c: Float64Array, e: Float64Array): number;
  mlpPredict(width: number, depth: number, weights: Float64Array, z: Float64Array): Float64Array;
  gradientFlow(config: NativeFlowConfig): NativeFlowResult;
  gradientFlowAsync: StartRun<NativeFlowConfig, FlowProgress, NativeFlowResult>;
  /** Large-κ gradient flow in arc length with scaled arithmetic. */
  gradientFlowScaled(config: NativeScaledFlowConfig): NativeScaledFlowResult;
  gradientFlowScaledAsync: StartRun<NativeScaledFlowConfig, ScaledFlowProgress, NativeScaledFlowResult>;
  /** Test hook: the scaled direction, arc-length field and its Jacobian at a. */
  scaledFlowField(config: NativeScaledFieldConfig, a: Float64Array, log2Scale: number): NativeScaledField;
  /** The solvers' test hook: a built-in problem (0 decay, 1 logistic, 2 linear, 3 Robertson). */
  solveTestProblem(problem: number, params: Float64Array, y0: Float64Array, t0: number, tEnd: number,
    tEval: Float64Array, options: NativeOdeOptions): NativeOdeResult & { y: Float64Array };
}
