/**
 * Public API of the DS-CNN library. Importing it does not load tfjs-node: only calls that
 * build, train, run or (de)serialize a model do (via `loadTf`).
 */
export { Adam, type AdamSettings, type AdamState } from './adam';
export {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  type NamedWeights,
  type SeedWords,
  type TrainCheckpoint,
} from './checkpoint';
export {
  DEFAULT_BATCH_NORM,
  DS_CNN_PRESETS,
  planDsCnn,
  type DsCnnArchitecture,
  type DsCnnBlock,
  type DsCnnPlan,
  type DsCnnPresetName,
  type Pair,
  type PlannedBlock,
  type Shape3,
  type SkipKind,
} from './ds-cnn-arch';
export { countMacs, countParams, type LayerMacs, type MacCount, type ParamCount } from './ds-cnn-cost';
export { buildDsCnn, type BuildOptions, type DsCnnNetwork } from './ds-cnn';
export { learningRateAt, type LearningRateConfig } from './lr-schedule';
export {
  loadModelArtifacts,
  readModelDir,
  saveModelArtifacts,
  MODEL_TOPOLOGY_FILE,
  MODEL_TOPOLOGY_MEDIA_TYPE,
  MODEL_WEIGHTS_FILE,
  MODEL_WEIGHTS_MEDIA_TYPE,
  type ModelArtifacts,
} from './model-artifacts';
export { readWeights, writeWeights } from './model-weights';
export { predict } from './predict';
export { assertNativeBackend, loadTf, NATIVE_BACKEND, TfBackendError, type Tf } from './tf';
export {
  quantizableLayerNames,
  resolveArchitecture,
  trainConfigSchema,
  trainStageConfigSchema,
  type ArchitectureConfig,
  type TrainConfig,
  type TrainConfigInput,
  type TrainStageConfig,
  type TrainStageConfigInput,
} from './train-config';
export {
  trainQuantizationSchema,
  qatStartEpoch,
  type TrainQuantization,
  type TrainQuantizationInput,
} from './qat/qat-config';
export { fakeQuantActivation, fakeQuantWeights, activationParams, weightScales } from './qat/fake-quant';
export { QatNetwork, ActivationRanges, activationNames, qatLayers, type QatLayer } from './qat/qat-network';
export {
  QuantSession,
  type QuantEpochMetrics,
  type QuantCheckpointState,
  type WeightHistograms,
} from './qat/quant-session';
export { checkTrainData, digestTrainData, type LabelledSet, type TrainData } from './train-data';
export {
  trainFingerprint,
  trainModel,
  type AveragedResult,
  type QuantResult,
  type TrainHooks,
  type TrainResult,
} from './train-loop';
export { recomputeBatchNormStatistics, WeightAverager, type WeightAveragingState } from './weight-averaging';
export { isBetterEpoch, type BestBy, type EpochMetrics } from './train-metrics';
