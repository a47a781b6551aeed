import { z } from 'zod';
import { dnasReportSchema } from './sections/dnas-section';
import { anomalyEvaluationFields } from './sections/anomaly-section';

/**
 * What the report shows, gathered from upstream artifacts (collect-inputs.ts) and rendered
 * by render-html.ts. The JSON parts come from other stages' artifacts — some written by
 * stages that do not exist yet — so each is zod-validated when read, and the schemas
 * below are the contract those stages write to:
 *
 *   artifact      from             schema here
 *   dataset       synth-kws, import-audio   dataset.json (lenient) + clip listing → datasetSummarySchema
 *   train/validation/test   features  feature file headers → featureSplitSchema
 *   history       train            historySchema
 *   weightHistograms  train (quantization)   weightHistogramsSchema
 *   evaluation    evaluate         evaluationSchema (event part = src/eval EventEvaluation)
 *   board         deploy           boardSchema (any scalar fields; a few are known)
 *
 * Schemas are non-strict (unknown keys are dropped, not errors) so a newer upstream stage
 * that adds a field does not break an older report.
 */

/**
 * Models are read-only: they are built once and rendered, and src/eval's own types (with
 * readonly arrays) must be assignable to them so an evaluate stage can pass its result as is.
 */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

const count = z.number().int().nonnegative();
const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const splitNames = ['train', 'validation', 'test'] as const;
export type ReportSplit = (typeof splitNames)[number];

/** The `dataset` artifact: class balance per split and how the data was made. */
export const datasetSummarySchema = z.object({
  labels: z.array(z.string()).min(1),
  /** Clips per split per label (from the clip listing, so it holds for any producer). */
  counts: z.object({
    train: z.record(z.string(), count),
    validation: z.record(z.string(), count),
    test: z.record(z.string(), count),
  }),
  generator: z.string().optional(),
  sampleRate: z.number().positive().optional(),
  clipMs: z.number().positive().optional(),
  voices: z.array(z.string()).optional(),
  testVoices: z.array(z.string()).optional(),
  tools: z.record(z.string(), z.string()).optional(),
});
export type DatasetSummary = DeepReadonly<z.infer<typeof datasetSummarySchema>>;

/** One feature file (`train`, `validation` or `test` artifact), from its header only. */
export const featureSplitSchema = z.object({
  /** Artifact name: train | validation | test. */
  artifact: z.enum(splitNames),
  shape: z.array(count).min(1),
  labels: z.array(z.string()),
  /** Rows per label. */
  perLabel: z.record(z.string(), count),
  /** Resolved front-end config, flattened to scalars (nested values as JSON text). */
  frontEnd: z.record(z.string(), scalar),
});
export type FeatureSplit = DeepReadonly<z.infer<typeof featureSplitSchema>>;

/** The `history` artifact of a train stage: one row per epoch. */
export const historySchema = z.object({
  epochs: z
    .array(
      z.object({
        epoch: count,
        loss: z.number().nullish(),
        accuracy: z.number().nullish(),
        valLoss: z.number().nullish(),
        valAccuracy: z.number().nullish(),
        /** Regularized quantization (thesis Eq. 4.2, 4.8): S(t), λ·S(t)·ΣReg, grid distance, QAT epoch. */
        quant: z
          .object({
            schedule: z.number(),
            regLoss: z.number(),
            gridDistance: z.number().optional(),
            qat: z.boolean().optional(),
          })
          .optional(),
      }),
    )
    .min(1),
  bestEpoch: count.nullish(),
  /** `weightAveraging:` runs: the exported model is this average, not the best epoch's weights. */
  weightAveraging: z
    .object({
      fromEpoch: count,
      every: z.enum(['step', 'epoch']),
      snapshots: count,
      valLoss: z.number().nullish(),
      valAccuracy: z.number().nullish(),
    })
    .optional(),
  /** Model size and cost, as the train stage reports them. */
  params: count.optional(),
  macs: count.optional(),
});
export type TrainingHistory = DeepReadonly<z.infer<typeof historySchema>>;

/** The `weightHistograms` artifact of a quantized train stage (src/nn/qat/quant-session.ts). */
export const weightHistogramsSchema = z.object({
  bins: count,
  range: z.tuple([z.number(), z.number()]),
  layers: z.record(
    z.string(),
    z.object({ bits: z.number(), regularized: z.boolean(), before: z.array(count), after: z.array(count) }),
  ),
});
export type WeightHistogramsModel = DeepReadonly<z.infer<typeof weightHistogramsSchema>>;

/** `counts[t][p]`: a square matrix over `labels` (src/eval ConfusionCounts). */
export const confusionSchema = z
  .object({ labels: z.array(z.string()).min(1), counts: z.array(z.array(count)) })
  .refine((c) => c.counts.length === c.labels.length && c.counts.every((r) => r.length === c.labels.length), {
    message: 'counts must be a labels.length × labels.length matrix',
  });
export type ClipConfusion = DeepReadonly<z.infer<typeof confusionSchema>>;

/** src/eval LatencyStats. */
const latencyStatsSchema = z.object({
  count,
  mean: z.number(),
  median: z.number(),
  p90: z.number(),
  meanFrames: z.number(),
});

/** src/eval ThresholdResult. */
export const thresholdResultSchema = z.object({
  threshold: z.number(),
  keywordEvents: count,
  negativeEvents: count,
  hits: count,
  falseRejects: count,
  misclassifications: count,
  falseAccepts: count,
  falseAcceptsOnNegatives: count,
  frr: z.number().min(0).max(1),
  missRate: z.number().min(0).max(1),
  misclassificationRate: z.number().min(0).max(1),
  faPerHour: z.number().nonnegative(),
  latencyMs: latencyStatsSchema.nullable(),
});
export type ReportThresholdResult = DeepReadonly<z.infer<typeof thresholdResultSchema>>;

/** src/eval EventEvaluation (event-based KWS metrics, docs/methods.md#event-based-evaluation). */
export const eventEvaluationSchema = z.object({
  /** The evaluation options (shown as given; validated where they were used). */
  options: z.record(z.string(), z.unknown()),
  keywords: z.array(z.string()),
  totals: z.object({
    streams: count,
    frames: count,
    durationSec: z.number().nonnegative(),
    hours: z.number().nonnegative(),
    keywordEvents: count,
    negativeEvents: count,
  }),
  perThreshold: z.array(thresholdResultSchema).min(1),
  det: z.array(z.object({ threshold: z.number(), frr: z.number(), faPerHour: z.number().nonnegative() })),
  operatingPoint: z.object({
    threshold: z.number(),
    targetFaPerHour: z.number(),
    constraintMet: z.boolean(),
    result: thresholdResultSchema,
    reason: z.string(),
  }),
  eventConfusion: z
    .object({ rows: z.array(z.string()), columns: z.array(z.string()), counts: z.array(z.array(count)) })
    .refine((m) => m.counts.length === m.rows.length && m.counts.every((r) => r.length === m.columns.length), {
      message: 'counts must be a rows.length × columns.length matrix',
    }),
});
export type ReportEventEvaluation = DeepReadonly<z.infer<typeof eventEvaluationSchema>>;

/** Float (and integer, when quantized) counts of a group of clips (src/eval/source-accuracy.ts AccuracyCounts). */
const accuracyCountsShape = {
  clips: count,
  correct: count,
  accuracy: z.number().min(0).max(1),
  intCorrect: count.optional(),
  intAccuracy: z.number().min(0).max(1).optional(),
};
const heldOutClassSchema = z.enum(['train-voice', 'held-out-voice', 'held-out-engine', 'unknown-source']);

/** src/eval/clip-sources.ts EngineInfo: where an engine comes from. */
const engineInfoSchema = z.object({ version: z.string(), licence: z.string(), family: z.string(), role: z.string() });

/** src/eval/source-accuracy.ts SourceBreakdown (+ the engines table and the data stage, as evaluate writes it). */
export const sourceBreakdownSchema = z.object({
  sourcesFile: z.string().nullable(),
  byEngine: z.array(
    z.object({
      engine: z.string(),
      family: z.string(),
      role: z.string(),
      version: z.string().nullable(),
      licence: z.string().nullable(),
      voices: z.array(z.string()),
      heldOut: z.array(heldOutClassSchema),
      ...accuracyCountsShape,
    }),
  ),
  byVoice: z.array(
    z.object({ engine: z.string(), voice: z.string(), heldOut: heldOutClassSchema, ...accuracyCountsShape }),
  ),
  byHeldOut: z.array(z.object({ heldOut: heldOutClassSchema, engines: z.array(z.string()), ...accuracyCountsShape })),
  engines: z.record(z.string(), engineInfoSchema).optional(),
  dataStage: z.string().nullable().optional(),
});
export type ReportSourceBreakdown = DeepReadonly<z.infer<typeof sourceBreakdownSchema>>;

/** src/eval/condition-accuracy.ts ConditionBreakdown: test accuracy by acoustic condition, per set. */
const conditionRowSchema = z.object({ key: z.string(), label: z.string(), ...accuracyCountsShape });
export const conditionBreakdownSchema = z.object({
  snrEdgesDb: z.array(z.number()),
  sets: z.array(
    z.object({
      set: z.enum(['test', 'train-voice', 'held-out-voice', 'held-out-engine', 'unknown-source']),
      withConditions: count,
      bySnr: z.array(conditionRowSchema),
      byQuiet: z.array(conditionRowSchema),
      byBackground: z.array(conditionRowSchema),
      ...accuracyCountsShape,
    }),
  ),
});
export type ReportConditionBreakdown = DeepReadonly<z.infer<typeof conditionBreakdownSchema>>;

/** src/eval/measure-dataset.ts MeasurementResult: a measurement dataset scored whole. */
export const measurementSchema = z.object({
  stage: z.string(),
  generator: z.string().nullable(),
  clips: count,
  speakers: z.array(z.string()),
  accuracy: z.number().min(0).max(1),
  intAccuracy: z.number().min(0).max(1).optional(),
  confusion: confusionSchema,
  intConfusion: confusionSchema.optional(),
  perLabel: z.record(z.string(), count),
  mapped: z.record(z.string(), z.string()),
  engines: z.record(z.string(), engineInfoSchema),
  sources: sourceBreakdownSchema,
});
export type ReportMeasurement = DeepReadonly<z.infer<typeof measurementSchema>>;

/** The `evaluation` artifact of an evaluate stage. Every part is optional (e.g. AD has no events). */
export const evaluationSchema = z.object({
  /** Clip-level accuracy on the test split. */
  accuracy: z.number().min(0).max(1).optional(),
  testClips: count.optional(),
  confusion: confusionSchema.optional(),
  events: eventEvaluationSchema.optional(),
  /** Per-hit detection latency at the operating point, ms after the keyword's offset. */
  latenciesMs: z.array(z.number()).optional(),
  /** The integer model on the test split (when a quantize stage was in the evaluate stage's needs:). */
  integer: z.object({ accuracy: z.number().min(0).max(1) }).optional(),
  /** Test accuracy by clip source (sources.json): engine, voice, held-out class. */
  sources: sourceBreakdownSchema.optional(),
  /** Test accuracy by acoustic condition (sources.json `conditions`; evaluate ≥ 10). */
  conditions: conditionBreakdownSchema.optional(),
  /** FRR at the operating point per engine that spoke the stream keywords. */
  eventsByEngine: z
    .array(
      z.object({
        engine: z.string(),
        keywordEvents: count,
        hits: count,
        falseRejects: count,
        misclassifications: count,
        frr: z.number().min(0).max(1),
      }),
    )
    .optional(),
  /** One θ per keyword chosen on the tuning streams (evaluate perKeywordThresholds; src/eval/per-keyword-evaluation.ts). */
  perKeyword: z
    .object({
      lambda: z.number(),
      pooledFaPrior: z.number(),
      thresholds: z.record(z.string(), z.number()),
      targetFaPerHour: z.number(),
      scoredConstraintMet: z.boolean(),
      reason: z.string(),
      tuning: z.object({ frr: z.number(), faPerHour: z.number() }),
      scored: z.object({ frr: z.number(), faPerHour: z.number() }),
      frrByKeyword: z.object({ tuning: z.record(z.string(), z.number()), scored: z.record(z.string(), z.number()) }),
    })
    .optional(),
  /** Measurement datasets (evaluate `measure:`), e.g. real recordings never trained on. */
  measurements: z.array(measurementSchema).optional(),
  /** Anomaly detection (evaluate-ad): AUC / pAUC, per-ID ROC, scores, thresholds. */
  ...anomalyEvaluationFields,
});
export type Evaluation = DeepReadonly<z.infer<typeof evaluationSchema>>;

/**
 * The `board` artifact of a deploy stage. Known fields are typed; any other scalar field is
 * shown as it is, so the deploy stage can add measurements without a report change.
 */
export const boardSchema = z
  .object({
    board: z.string().optional(),
    flashBytes: count.optional(),
    sramBytes: count.optional(),
    arenaBytes: count.optional(),
    estimatedLatencyMs: z.number().nonnegative().optional(),
    /** Measured per-inference latencies on the (emulated) board, ms. */
    latencySamplesMs: z.array(z.number()).optional(),
  })
  .catchall(z.unknown());
export type BoardMetrics = DeepReadonly<z.infer<typeof boardSchema>>;

/** An upstream stage as the report stage sees it: its metrics and its artifacts. */
export const upstreamStageSchema = z.object({
  stage: z.string(),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  artifacts: z.array(
    z.object({
      name: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: count,
      mediaType: z.string(),
    }),
  ),
});
export type UpstreamStage = DeepReadonly<z.infer<typeof upstreamStageSchema>>;

export const runInfoSchema = z.object({
  title: z.string(),
  pipelineName: z.string(),
  stageName: z.string(),
  /**
   * Shown only when given. The report stage leaves it out: the run id differs per run, and
   * the same inputs must give the same report bytes (docs/architecture.md#reproducibility).
   */
  runId: z.string().optional(),
  /** Shown only when given: a report without it is byte-for-byte reproducible. */
  generatedAt: z.string().optional(),
});
export type RunInfo = DeepReadonly<z.infer<typeof runInfoSchema>>;

export const reportModelSchema = z.strictObject({
  run: runInfoSchema,
  upstream: z.array(upstreamStageSchema),
  dataset: datasetSummarySchema.optional(),
  /** Feature files found, in train, validation, test order. */
  features: z.array(featureSplitSchema),
  history: historySchema.optional(),
  weightHistograms: weightHistogramsSchema.optional(),
  /**
   * The `history` of the stage that made `weightHistograms` when that is another stage than
   * `history`'s (a QAT fine-tuning stage next to the float train stage): the Quantization
   * section's S(t) and QAT epochs come from it.
   */
  quantHistory: historySchema.optional(),
  evaluation: evaluationSchema.optional(),
  board: boardSchema.optional(),
  /** A dnas stage's search trace and found architecture (src/report/sections/dnas-section.ts). */
  dnas: dnasReportSchema.optional(),
  /** Which upstream stage each artifact shown came from, by artifact name. */
  sources: z.record(z.string(), z.string()),
  /** Things the reader should know about how inputs were picked (e.g. two `history` artifacts). */
  notes: z.array(z.string()),
  options: z.object({ thresholdTable: z.boolean() }),
});
export type ReportModel = DeepReadonly<z.infer<typeof reportModelSchema>>;
