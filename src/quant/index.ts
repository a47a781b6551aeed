/**
 * tinyops quantization library (thesis ch. 4 regularized hybrid N-bit quantization;
 * TFLite int8 scheme; MicroNets §5.1.3 sub-byte packing). Pure TypeScript, no tfjs.
 */
export {
  BIT_WIDTHS,
  REG1_VARIANTS,
  type BitWidth,
  type Reg1Variant,
  levelsPerSide,
  regularizerMinima,
  nearestMinimumCode,
  roundToNearestMinimum,
} from './regularizers';
export {
  SCHEDULE_TYPES,
  scheduleSchema,
  parseSchedule,
  scheduleFormula,
  scheduleValue,
  type ScheduleConfig,
  type ScheduleInput,
  type ScheduleType,
} from './schedules';
export {
  REGULARIZER_KINDS,
  quantConfigSchema,
  parseQuantConfig,
  normalizeBits,
  layerBits,
  isLayerRegularized,
  type QuantConfig,
  type QuantConfigInput,
  type RegularizerKind,
} from './quant-config';
export {
  quantizeWeightsPerChannel,
  dequantizeWeightsPerChannel,
  chooseActivationParams,
  nudgedRange,
  quantizeAffine,
  dequantizeAffine,
  quantizeBias,
  symmetricQmax,
  type AffineParams,
  type PerChannelQuantized,
  type WeightBits,
} from './int8-scheme';
export { quantizeMultiplier, multiplyByQuantizedMultiplier } from './fixed-point';
export { packInt4, unpackInt4, packInt2, unpackInt2 } from './sub-byte';
export {
  QUANT_JSON_FILE,
  QUANT_JSON_FORMAT,
  quantJsonSchema,
  quantLayerSchema,
  activationRangeSchema,
  parseQuantJson,
  loadQuantJson,
  type QuantJson,
  type QuantLayer,
  type ActivationRange,
} from './quant-json';
