/** ssm-poison: the public API. */
export type {
  Backend,
  BackendInfo,
  BackendName,
  EvaluateRequest,
  Evaluation,
  ModelBatch,
  NumpyRandom,
  ScanMode,
  SequenceBatch,
} from './backends/backend';
export { availableBackends, backendInfo, getBackend } from './backends/loader';
export type { BackendChoice, BackendReport, LoadError } from './backends/loader';
export { SsmPoisonError } from './errors';
export {
  DiagonalSSM,
  evaluate,
  forward,
  impulseResponse,
  scan,
  teacherLabels,
  toSequences,
} from './model';
export type { BackendOption, DiagonalSSMParams, ModelEvaluation } from './model';
export { buildSequences, createRandom, officialPositions } from './data';
export type { FamilySpec, RngKind, SequenceSet, SequenceSetSpec } from './data';
export { effectiveRank, extrapolationError } from './metrics';
export type { ExtrapolationRange } from './metrics';
export { FastRandom } from './random/fast';
export { version } from './version';
export { gradientFlow, gradientFlowSync, outputTimes } from './flow';
export type { AsyncFlowOptions, FlowMethod, FlowProblem, FlowResult, FlowStatus, GradientFlowOptions, TrainedParameter } from './flow';
export { kerasSeededNormal, officialDiff, officialInit, officialMlpInit, theorem1Init } from './init';
export type { InitRng, OfficialInitOptions, OfficialMlpInitOptions, Theorem1InitOptions } from './init';
export { gradientFlowLargeKappa, gradientFlowLargeKappaSync } from './flow-scaled';
export type {
  AsyncLargeKappaOptions,
  LargeKappaMethod,
  LargeKappaOptions,
  LargeKappaResult,
  LargeKappaStatus,
  ScaledFlowProgress,
} from './flow-scaled';
export {
  THEOREM1_CONFIGS,
  THEOREM1_EXTRAPOLATION,
  runTheorem1,
  theorem1Problem,
  theorem1Teacher,
} from './experiments/theorem1';
export type { Theorem1Config, Theorem1Problem, Theorem1RunOptions } from './experiments/theorem1';
export {
  ConfigError,
  DEFAULT_EXTRAPOLATION,
  ODEINT_DEFAULT_TOLERANCE,
  experimentConfigSchemas,
  parseExperimentConfig,
} from './config/schema';
export type { ConfigIssue, ExperimentConfig, ExperimentKind, GradientDescentConfig, GradientFlowConfig } from './config/schema';
export { flowProblem, runFlowExperiment, theorem1Kind } from './experiments/flow-config';
export type { FlowExperimentOptions, FlowExperimentResult, FlowRunReport, FlowSummary } from './experiments/flow-config';
export { kernelGradNormFast, train, trainSync } from './train';
export type {
  AsyncTrainOptions, OptimizerKind, OptimizerOptions, TrainLog, TrainLogRow, TrainOptions, TrainProblem, TrainRun, TrainStatus,
} from './train';
export { STANDALONE_CONFIGS, runStandalone, standaloneProblem } from './experiments/standalone';
export type { StandaloneConfig, StandaloneRunOptions } from './experiments/standalone';
export {
  DYNAMICS_CONFIGS, PLOT_ROWS, RISE_THRESHOLD, dynamicsProblem, dynamicsSeries, plotSeries, riseEpochs, riseSummary, runDynamics,
} from './experiments/dynamics';
export type { DynamicsConfig, DynamicsPlotSeries, DynamicsRunOptions, DynamicsSeries, RiseSummary } from './experiments/dynamics';
export { dynamicsFigureSpec, experimentFigures, renderSvg, theorem1FigureSpec, theorem1Series } from './plots';
export type { Figure, FigureOptions, FlowSeries, VegaLiteSpec } from './plots';
