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
