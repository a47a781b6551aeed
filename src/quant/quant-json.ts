/**
 * `quant.json`: what the train stage's `model` tar carries when the pipeline configures
 * `quantization:` — the contract between training (QAT / regularized quantization, thesis
 * ch. 4; MicroNets §5.2.2) and the `quantize` stage that builds the integer model.
 *
 *   {
 *     "format": "tinyops-quant/1",
 *     "scheme": "tflite-int8",
 *     "qat": {"enabled": true, "startEpoch": 11, "rangeTracking": "ema-min-max", "emaDecay": 0.9},
 *     "batchNorm": "folded-moving-stats",
 *     "layers": {"conv0": {"bits": 8, "channelAxis": 3, "foldedBatchNorm": "conv0_bn",
 *                          "regularized": false, "weightScales": [...]}, ...},
 *     "activations": {"features": {"min", "max", "scale", "zeroPoint", "observedMin", "observedMax"},
 *                     "conv0_relu": ..., "block1_dw_relu": ..., "block1_pw_relu": ...,
 *                     "block<i>_add": ... (skip blocks), "pool": ..., "dense": ...},
 *     "regularization": {"regularizer", "lambda", "schedule", "scheduleUnit", "regularize8Bit"}
 *   }
 *
 * Layers are keyed by tfjs layer name (the weight matrix), activations by the tfjs layer
 * whose output they are (`features` is the model input; `dense` is the logits, before the
 * softmax). Conventions:
 * - `weightScales[c]` = max|w'_c|/qmax of the weight the integer model stores: for a layer
 *   followed by BN, the folded w' = w·γ_c/√(σ²_c + ε) with BN's moving statistics
 *   (`batchNorm: folded-moving-stats`; the folded bias is β_c − γ_c·μ_c/√(σ²_c + ε)).
 *   qmax = 2^(bits−1) − 1 (127, 7, 1); for 1-bit layers codes are ±1 and scale = max|w'_c|.
 *   `channelAxis` is the output-channel axis of the tfjs kernel layout ([kh, kw, in, out]
 *   → 3; depthwise [kh, kw, C, 1] → 2; dense [in, out] → 1).
 * - activations: int8 asymmetric per tensor; `min`/`max` is the nudged range the integer
 *   model represents exactly (chooseActivationParams(min, max) gives back `scale` and
 *   `zeroPoint`); `observedMin`/`observedMax` the tracked range before nudging.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../errors';
import { bitWidthSchema, REGULARIZER_KINDS } from './quant-config';
import { scheduleSchema } from './schedules';

export const QUANT_JSON_FORMAT = 'tinyops-quant/1';
export const QUANT_JSON_FILE = 'quant.json';

const finite = z.number().refine(Number.isFinite, 'must be finite');

export const quantLayerSchema = z.strictObject({
  bits: bitWidthSchema,
  channelAxis: z.number().int().min(0).max(3),
  /** BN layer folded into this one (its moving statistics), or null (dense). */
  foldedBatchNorm: z.string().nullable(),
  /** Whether the thesis regularizer pulled this layer's weights to its N-bit grid. */
  regularized: z.boolean(),
  weightScales: z.array(finite.refine((s) => s > 0, 'must be > 0')).min(1),
});

export const activationRangeSchema = z
  .strictObject({
    min: finite,
    max: finite,
    scale: finite.refine((s) => s > 0, 'must be > 0'),
    zeroPoint: z.number().int().min(-128).max(127),
    observedMin: finite,
    observedMax: finite,
  })
  .refine((r) => r.min <= 0 && r.max >= 0 && r.min < r.max, {
    message: 'activation range must contain 0 and have min < max',
  });

export const quantJsonSchema = z.strictObject({
  format: z.literal(QUANT_JSON_FORMAT),
  scheme: z.literal('tflite-int8'),
  qat: z.strictObject({
    enabled: z.boolean(),
    /** First fake-quantized epoch (1-based); null when QAT is off. */
    startEpoch: z.number().int().min(1).nullable(),
    /** How activation ranges were obtained: EMA of batch min/max during QAT, or a calibration pass after float training. */
    rangeTracking: z.enum(['ema-min-max', 'calibration-min-max']),
    emaDecay: z.number().min(0).lt(1),
  }),
  batchNorm: z.literal('folded-moving-stats'),
  layers: z.record(z.string().min(1), quantLayerSchema),
  activations: z.record(z.string().min(1), activationRangeSchema),
  regularization: z.strictObject({
    regularizer: z.enum(REGULARIZER_KINDS),
    lambda: z.number().min(0),
    schedule: scheduleSchema,
    scheduleUnit: z.enum(['epoch', 'step']),
    regularize8Bit: z.boolean(),
  }),
});

export type QuantJson = z.output<typeof quantJsonSchema>;
export type QuantLayer = z.output<typeof quantLayerSchema>;
export type ActivationRange = z.output<typeof activationRangeSchema>;

/** Parses and validates quant.json text; a StageInputError names the first bad field. */
export function parseQuantJson(text: string, source = QUANT_JSON_FILE): QuantJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StageInputError(`${source} is not JSON: ${(e as Error).message}`);
  }
  const r = quantJsonSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new StageInputError(`${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Reads quant.json from a directory (an unpacked `model` tar) or a file path; undefined if the model has none (float training). */
export function loadQuantJson(dirOrFile: string): QuantJson | undefined {
  const file =
    fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory()
      ? path.join(dirOrFile, QUANT_JSON_FILE)
      : dirOrFile;
  if (!fs.existsSync(file)) return undefined;
  return parseQuantJson(fs.readFileSync(file, 'utf8'), file);
}
