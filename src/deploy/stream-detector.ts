import { z } from 'zod';
import { StageInputError } from '../errors';
import { detectKeywords, type FrameDetection } from '../eval/event-detector';
import { smoothingPosteriors } from '../eval/inference-stride';
import { DEFAULT_NON_KEYWORD_LABELS, eventEvalOptionsSchema, refractoryFrames } from '../eval/options';

/**
 * The host twin of the device detector (firmware/stream/tops_stream.c, tops_kws_detector):
 * the `evaluate` stage's rule (src/eval/smoothing.ts causal moving average, fewer posteriors at
 * the start of a stream; src/eval/event-detector.ts arming, arg-max and refractory rule) run on
 * the integer model's int8 softmax output, in integers, so host and device agree exactly.
 *
 * Fixed point: a posterior is its code p = q + 128 ∈ 0…255 (softmax output scale 1/256, zero
 * point −128), so the mean of n codes with sum S is S / (256 n), and "mean ≥ θ" is exactly
 * 256 S ≥ θ₁₆ n with θ₁₆ = round(θ · 2¹⁶); θ₁₆ may differ per class (`thresholds`, the table
 * evaluate's perKeywordThresholds chooses). Every keyword at a posterior shares n, so ranking by
 * S ranks by the mean. detectKeywords runs unchanged on the mean code S / n against θ₁₆ / 256:
 * that float64 comparison is exact, because S < 2²⁵ and n ≤ 250 put S / n at least 1 / (256 n)
 * away from θ₁₆ / 256 unless equal (θ₁₆ / 256 is a dyadic rational, exactly representable), far
 * more than float64 rounding, and two means of one row differ by at least 1 / n.
 */

/** `stream:` under deploy's `with:` (docs/stages/deploy.md "Streaming check"). */
export const streamCheckConfigSchema = z.strictObject({
  count: z.number().int().min(1).max(100).default(1).meta({
    description:
      "Scored streams (from the dataset stage's `streams`, in index order) fed whole through the streaming firmware in QEMU.",
  }),
  every: z.number().int().min(1).max(100).default(1).meta({
    description:
      "Hops (front-end frames, 20 ms for KWS) between two inferences; 1 = every hop. Set the host evaluate's inferenceEvery to the same k so its FRR is this detector's.",
  }),
  threshold: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .meta({ description: 'Detection threshold θ on the smoothed posterior (rounded to θ·65536 on both sides).' }),
  thresholds: z.record(z.string().min(1), z.number().gt(0).max(1)).default({}).meta({
    description:
      "Per-keyword detection thresholds θ_k (keyword → θ, e.g. evaluate's perKeyword.thresholds), each rounded to θ_k·65536; keywords not listed use `threshold`.",
  }),
  smoothingFrames: eventEvalOptionsSchema.shape.smoothingFrames.meta({
    description:
      "Causal moving-average window in hops, as the host evaluate's events.smoothingFrames; with every = k it spans ⌈frames / k⌉ posteriors.",
  }),
  refractoryMs: eventEvalOptionsSchema.shape.refractoryMs.meta({
    description: 'After a detection no keyword fires for this long (as events.refractoryMs).',
  }),
  nonKeywordLabels: z
    .array(z.string().min(1))
    .default(() => [...DEFAULT_NON_KEYWORD_LABELS])
    .meta({ description: 'Labels that never fire (every other label is a keyword).' }),
});
export type StreamCheckConfig = z.output<typeof streamCheckConfigSchema>;

/** The integer detector's parameters: what tops_kws_detector_config holds on the device. */
export interface StreamDetectorConfig {
  readonly numClasses: number;
  /** Ascending class indices that may fire. */
  readonly keywordClasses: readonly number[];
  /** W ≥ 1 posteriors in the moving average. */
  readonly smoothing: number;
  /** round(θ · 65536). */
  readonly thresholdQ16: number;
  /** round(θ_c · 65536) per class (numClasses entries; thresholdQ16 where no per-keyword θ is set). */
  readonly classThresholdsQ16: readonly number[];
  /** Posteriors after a firing during which nothing fires (counting the firing). */
  readonly refractory: number;
}

/** The detector for inferences every `every` hops of `hopMs` (where = the config's path, for errors). */
export function streamDetectorConfig(
  config: StreamCheckConfig,
  labels: readonly string[],
  hopMs: number,
  where: string,
): StreamDetectorConfig {
  const keywordClasses = labels.flatMap((l, i) => (config.nonKeywordLabels.includes(l) ? [] : [i]));
  if (keywordClasses.length === 0) {
    throw new StageInputError(
      `${where}.nonKeywordLabels: every label of the model (${labels.join(', ')}) is excluded; nothing could fire`,
    );
  }
  for (const k of Object.keys(config.thresholds)) {
    const i = labels.indexOf(k);
    if (i < 0 || !keywordClasses.includes(i))
      throw new StageInputError(
        `${where}.thresholds.${k}: "${k}" is not a keyword of the model (keywords: ${keywordClasses.map((c) => labels[c]).join(', ')})`,
      );
  }
  const thresholdQ16 = Math.round(config.threshold * 65536);
  return {
    numClasses: labels.length,
    keywordClasses,
    smoothing: smoothingPosteriors(config.smoothingFrames, config.every),
    thresholdQ16,
    classThresholdsQ16: labels.map((l) => {
      const t = config.thresholds[l];
      return t === undefined ? thresholdQ16 : Math.round(t * 65536);
    }),
    refractory: refractoryFrames(config.refractoryMs, hopMs * config.every),
  };
}

/**
 * Detections on a sequence of int8 softmax outputs ([posteriors × classes], row-major).
 * FrameDetection.frame is the posterior's index.
 */
export function detectOnInt8Posteriors(outputs: Int8Array, config: StreamDetectorConfig): FrameDetection[] {
  const { numClasses: nc, smoothing: w } = config;
  if (outputs.length % nc !== 0)
    throw new RangeError(`${outputs.length} posterior values are not whole rows of ${nc} classes`);
  const count = outputs.length / nc;
  const means = new Float64Array(outputs.length); // S / n: decides exactly (header comment)
  for (let t = 0; t < count; t++) {
    const first = Math.max(0, t - w + 1);
    const n = t - first + 1;
    for (let c = 0; c < nc; c++) {
      let sum = 0;
      for (let f = first; f <= t; f++) sum += outputs[f * nc + c]! + 128;
      means[t * nc + c] = sum / n;
    }
  }
  return detectKeywords(means, {
    numClasses: nc,
    keywordClasses: config.keywordClasses,
    threshold: config.keywordClasses.map((c) => config.classThresholdsQ16[c]! / 256),
    refractoryFrames: config.refractory,
  });
}

/** C initializer of the keyword mask, e.g. `{0, 0, 1, 1}`. */
export function keywordMaskC(config: StreamDetectorConfig): string {
  return `{${Array.from({ length: config.numClasses }, (_, c) => (config.keywordClasses.includes(c) ? 1 : 0)).join(', ')}}`;
}

/** C initializer of the per-class threshold table (Q16), e.g. `{32768, 32768, 64225, 62259}`. */
export function classThresholdsC(config: StreamDetectorConfig): string {
  return `{${config.classThresholdsQ16.join(', ')}}`;
}
