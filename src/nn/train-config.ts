import { z } from 'zod';
import { DEFAULT_BATCH_NORM, DS_CNN_PRESETS, type DsCnnArchitecture, type DsCnnPresetName } from './ds-cnn-arch';
import { LAYER_GROUPS, normalizeBits, type QuantConfig } from '../quant/quant-config';
import { suggest } from '../spec/suggest';
import { trainQuantizationSchema } from './qat/qat-config';

/**
 * Config of DS-CNN training (the `with:` of a `train` stage, minus its inputs). Every field
 * has a default, so `{}` trains DS-CNN-S (Hello Edge / MicroNets §5.2.2 baseline) with Adam.
 * Pure zod, so it also generates the editor JSON Schema.
 */

const PRESET_NAMES = Object.keys(DS_CNN_PRESETS) as [DsCnnPresetName, ...DsCnnPresetName[]];

/** [height, width], both ≥ 1. */
function pairSchema(max: number) {
  const n = z.number().int().min(1).max(max);
  return z.tuple([n, n]);
}

export const blockSchema = z.strictObject({
  filters: z.number().int().min(1).max(4096),
  /** Depthwise stride [frames, coeffs]. */
  stride: pairSchema(8).default([1, 1]).describe('Depthwise stride [frames, coeffs].'),
});

/** `{width, depth}`: `depth` blocks of `width` channels, stride 1 (DS-CNN-S style). */
export const uniformBlocksSchema = z.strictObject({
  width: z.number().int().min(1).max(4096),
  depth: z.number().int().min(0).max(64),
});

export const architectureSchema = z.strictObject({
  firstConv: z
    .strictObject({
      filters: z.number().int().min(1).max(4096).default(64),
      /** [frames, coeffs]; Hello Edge's 10×4 spans 200 ms of a 49×10 MFCC map. */
      kernel: pairSchema(64)
        .default([10, 4])
        .describe("First conv kernel [frames, coeffs]; Hello Edge's 10×4 spans 200 ms of a 49×10 MFCC map."),
      stride: pairSchema(8).default([2, 2]),
    })
    .prefault({}),
  blocks: z.union([z.array(blockSchema).max(64), uniformBlocksSchema]).default({ width: 64, depth: 4 }),
  /** Shortcut around every block that keeps its channel count (MicroNets §5.2.2). */
  skip: z
    .boolean()
    .default(false)
    .describe('Shortcut around every block that keeps its channel count (MicroNets §5.2.2).'),
  /** Dropout on the pooled features while training. */
  dropout: z.number().min(0).max(0.95).default(0.2).describe('Dropout on the pooled features while training.'),
  batchNorm: z
    .strictObject({
      /** Moving-average momentum of BN statistics (tf.keras: 0.99). Lower it for very short runs. */
      momentum: z
        .number()
        .min(0)
        .lt(1)
        .default(DEFAULT_BATCH_NORM.momentum)
        .describe('Moving-average momentum of BN statistics (tf.keras: 0.99). Lower it for very short runs.'),
      epsilon: z.number().positive().max(1).default(DEFAULT_BATCH_NORM.epsilon),
    })
    .prefault({}),
});

export const learningRateSchema = z
  .strictObject({
    initial: z
      .number()
      .positive()
      .max(10)
      .default(0.001)
      .describe("Learning rate at the first step (Adam's usual 1e-3)."),
    /**
     * `constant`; `step`: × `stepFactor` every `stepEvery` epochs (Hello Edge's piecewise
     * schedule); `cosine`: from `initial` to `final` over all steps (MicroNets §5.2.2).
     */
    decay: z
      .enum(['constant', 'step', 'cosine'])
      .default('cosine')
      .describe(
        "`constant`; `step`: × `stepFactor` every `stepEvery` epochs (Hello Edge's piecewise schedule); `cosine`: from `initial` to `final` over all steps (MicroNets §5.2.2).",
      ),
    /** Cosine: learning rate at the last step. */
    final: z.number().min(0).max(10).default(0.00001).describe('Cosine: learning rate at the last step.'),
    /** Step: epochs between two decays. */
    stepEvery: z.number().int().min(1).default(10).describe('Step: epochs between two decays.'),
    /** Step: factor applied at each decay. */
    stepFactor: z.number().positive().max(1).default(0.1).describe('Step: factor applied at each decay.'),
  })
  .refine((lr) => lr.decay !== 'cosine' || lr.final <= lr.initial, {
    path: ['final'],
    message: 'cosine decay needs final ≤ initial',
  });

export const optimizerSchema = z.strictObject({
  type: z.literal('adam').default('adam').describe('Optimizer; Adam only.'),
  beta1: z
    .number()
    .min(0)
    .lt(1)
    .default(0.9)
    .describe('Adam β1, decay of the first-moment estimate (tf.keras default).'),
  beta2: z
    .number()
    .min(0)
    .lt(1)
    .default(0.999)
    .describe('Adam β2, decay of the second-moment estimate (tf.keras default).'),
  /** tf.keras' default (not the paper's 1e-8), added to sqrt(v). */
  epsilon: z
    .number()
    .positive()
    .max(1)
    .default(1e-7)
    .describe("Adam ε added to sqrt(v): tf.keras' default (not the paper's 1e-8)."),
  weightDecay: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Decoupled weight decay (AdamW): each step also shrinks every kernel by learning rate × weightDecay × w; batch-norm parameters and biases are not decayed. Absent = plain Adam.',
    ),
});

export const augmentSchema = z.strictObject({
  /** Shift every example by up to this many frames either way (20 ms each for MicroNets §4 MFCCs). */
  timeShiftFrames: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(0)
    .describe('Shift every example by up to this many frames either way (20 ms each for MicroNets §4 MFCCs).'),
  /** SpecAugment time masks: `count` bands of 0 … maxFrames frames. */
  timeMasks: z
    .strictObject({
      count: z.number().int().min(0).max(10).default(0).describe('SpecAugment time masks per example (0 = off).'),
      maxFrames: z.number().int().min(0).max(100).default(0).describe('Longest time mask, in frames.'),
    })
    .prefault({}),
  /** SpecAugment frequency masks: `count` bands of 0 … maxCoeffs coefficients. */
  freqMasks: z
    .strictObject({
      count: z.number().int().min(0).max(10).default(0).describe('SpecAugment frequency masks per example (0 = off).'),
      maxCoeffs: z.number().int().min(0).max(64).default(0).describe('Widest frequency mask, in coefficients.'),
    })
    .prefault({}),
  /**
   * Random per-example cepstral offset (train-data.ts addChannelOffsets): a fixed linear
   * filter adds a constant vector to every frame's cepstrum, so the model is taught to
   * ignore one. Absent = off, so configs without it keep their cache keys.
   */
  channelOffset: z
    .strictObject({
      scale: z
        .number()
        .min(0)
        .max(4)
        .default(0.5)
        .describe(
          'δ_k ~ N(0, (scale·σ_k)²), σ_k the spread over the training examples of their time-mean of coefficient k (0 = off).',
        ),
      probability: z
        .number()
        .min(0)
        .max(1)
        .default(1)
        .describe('Share of the training examples that get an offset, drawn per example and epoch.'),
      skipC0: z
        .boolean()
        .default(false)
        .describe('Leave coefficient 0 (the frame level: a gain is an offset of c0 only) unchanged.'),
    })
    .optional()
    .describe(
      "Channel-invariance augmentation in the cepstral domain: each training example gets one random offset δ_k ~ N(0, (scale·σ_k)²) added to every frame of coefficient k — what a fixed microphone, room or vocoder filter does to the cepstrum (the rationale of cepstral mean normalization, Atal 1974) — so the model learns to ignore it without a normalization in the front end or firmware. σ_k is the standard deviation over the training examples of each example's time-mean of coefficient k, computed once from the training features (features' own units). Own seeded generator: shuffling, dropout, shift/mask and mixup draws are unchanged. Absent = off. Measured in docs/results/2026-12-05-cepstral-offset.md.",
    ),
});

export const trainConfigSchema = z.strictObject({
  /** A preset name (see DS_CNN_PRESETS) or an explicit architecture. */
  architecture: z
    .union([z.enum(PRESET_NAMES), architectureSchema])
    .default('ds-cnn-s')
    .describe('A DS-CNN preset (ds-cnn-s, ds-cnn-m, ds-cnn-l; src/nn/ds-cnn.ts) or an explicit architecture object.'),
  epochs: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(30)
    .describe(
      'Training epochs; the weights of the best epoch (bestBy) are kept, or with weightAveraging their average.',
    ),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(65536)
    .default(100)
    .describe("Examples per gradient step (100 as in Hello Edge's training)."),
  learningRate: learningRateSchema.prefault({}),
  optimizer: optimizerSchema.prefault({}),
  /** Reshuffle the training set every epoch (seeded); false keeps file order. */
  shuffle: z
    .boolean()
    .default(true)
    .describe('Reshuffle the training set every epoch (seeded); false keeps file order.'),
  /**
   * Fixed seeds that replace the pipeline-derived ones: `init` for initial weights, `data`
   * for shuffling and dropout masks. Fixing `init` lets two runs differ only in data.
   */
  seeds: z
    .strictObject({
      init: z
        .number()
        .int()
        .min(0)
        .max(0xffffffff)
        .optional()
        .describe('Seed of the initial weights; default derived from the pipeline seed and stage.'),
      data: z
        .number()
        .int()
        .min(0)
        .max(0xffffffff)
        .optional()
        .describe('Seed of shuffling and dropout masks; default derived from the pipeline seed and stage.'),
    })
    .prefault({}),
  /**
   * Additive angular margin (ArcFace) head for training a machine-ID classifier for anomaly
   * detection (src/nn/angular-margin.ts). Absent = the plain softmax, so configs without it keep
   * their cache keys.
   */
  angularMargin: z
    .strictObject({
      margin: z.number().min(0).max(1.5).default(0.5).describe('Additive angular margin m (radians; ArcFace: 0.5).'),
      scale: z
        .number()
        .positive()
        .optional()
        .describe('Logit scale s; default AdaCos’s fixed √2·ln(C − 1) for C classes.'),
    })
    .optional()
    .describe(
      "Train the classifier with an additive angular margin (ArcFace, Deng et al. 2019 §2.1: logits s·cos(θ_j + m·[j = y]) of L2-normalized pooled features and class vectors; src/nn/angular-margin.ts), so each class's embeddings gather in a tight cone: for anomaly detection, whose score is an embedding distance (docs/anomaly-detection.md#angular-margin-training). The exported model keeps its dense layer (f·W + b with b = 0). Absent = plain softmax.",
    ),
  /** Which validation metric picks the epoch whose weights are kept. */
  bestBy: z
    .enum(['valAccuracy', 'valLoss'])
    .default('valAccuracy')
    .describe('Which validation metric picks the epoch whose weights are kept.'),
  /**
   * Feature-level augmentation of every training batch (train-data.ts augmentBatch): random
   * time shift, SpecAugment masks and the cepstral channel offset, drawn from seeded data
   * generators. All off by default (the run is then byte-identical to one without this option).
   */
  augment: augmentSchema
    .prefault({})
    .describe(
      'Feature-level augmentation of every training batch (train-data.ts augmentBatch, addChannelOffsets): random time shift, SpecAugment masks and a per-example cepstral channel offset, drawn from seeded data generators. All off by default (the run is then byte-identical to one without this option).',
    ),
  /** Label smoothing ε (src/nn/train-targets.ts). Absent = hard one-hot targets, so configs without it keep their cache keys. */
  labelSmoothing: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .describe(
      'Label smoothing ε (Szegedy et al. 2016 §7): targets (1 − ε)·one-hot + ε/K, so no clip is pushed to an infinite logit margin (src/nn/train-targets.ts). Absent = 0, hard targets. Softer posteriors move the stream threshold that gives the target false-accept rate lower.',
    ),
  /** Mixup within each batch (src/nn/train-targets.ts). Absent = off. */
  mixup: z
    .strictObject({
      alpha: z
        .number()
        .positive()
        .max(10)
        .default(0.2)
        .describe(
          'Beta(α, α) of the mixing weight λ (Zhang et al. 2018: 0.1–0.4 for classification); small α mixes little.',
        ),
    })
    .optional()
    .describe(
      "Mixup (Zhang et al. 2018 §2) within every training batch: each example's feature map (MFCC or log-mel patch) and target become λ·own + (1 − λ)·another example's of the batch, λ ~ Beta(α, α) folded to ≥ 0.5 so the own label dominates; after `augment`, from its own seeded generator (shuffling, dropout and augment draws unchanged; src/nn/train-targets.ts). For KWS: docs/results/2026-12-04-kws-recipe.md; for an anomaly-detection ID classifier it keeps −log p(true ID) graded on normal patches (docs/anomaly-detection.md#mixup). Absent = off.",
    ),
  /** Weight averaging (src/nn/weight-averaging.ts). Absent = off, so configs without it keep their cache keys. */
  weightAveraging: z
    .strictObject({
      fromEpoch: z
        .number()
        .int()
        .min(1)
        .max(10000)
        .describe('First averaged epoch (1-based, ≤ epochs): the mean runs from its start to the end of training.'),
      every: z
        .enum(['step', 'epoch'])
        .default('step')
        .describe(
          '`step`: a snapshot after every optimizer step (SWAD, Cha et al. 2021 §4); `epoch`: one at the end of each averaged epoch (SWA, Izmailov et al. 2018 §3.2).',
        ),
    })
    .optional()
    .describe(
      "Average every trainable weight over the epochs from `fromEpoch` to the last (running mean w ← (w·n + w_t)/(n + 1)) and export the averaged weights instead of the best epoch's; BatchNorm's moving mean/variance are then recomputed for them in one training-mode pass over the training split (SWA §3.2), and the averaged model's validation accuracy is what the stage reports (the best single epoch stays in the history). Float training only: refused with a `quantization:` block. Absent = off. Measured in docs/results/2026-12-05-weight-averaging.md.",
    ),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
/** What a user may write (every field optional). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
export type ArchitectureConfig = TrainConfig['architecture'];

/** The explicit architecture a preset name or shorthand stands for. */
export function resolveArchitecture(a: ArchitectureConfig): DsCnnArchitecture {
  if (typeof a === 'string') return DS_CNN_PRESETS[a];
  const b = a.blocks;
  const blocks = Array.isArray(b)
    ? b
    : Array.from({ length: b.depth }, () => ({ filters: b.width, stride: [1, 1] as const }));
  return { firstConv: a.firstConv, blocks, skip: a.skip, dropout: a.dropout, batchNorm: a.batchNorm };
}

/**
 * The weight matrices a DS-CNN of this architecture has, by tfjs layer name (ds-cnn.ts):
 * `conv0`, then `block<i>_dw`, `block<i>_pw` per block, then `dense`. These are the keys of
 * a per-layer `quantization.bits` map (thesis §4.2, hybrid bits "at the weight matrix level").
 */
export function quantizableLayerNames(a: ArchitectureConfig): string[] {
  const arch = resolveArchitecture(a);
  const names = ['conv0'];
  arch.blocks.forEach((_, i) => names.push(`block${i + 1}_dw`, `block${i + 1}_pw`));
  names.push('dense');
  return names;
}

/**
 * The keys of a `quantization.bits` map that name neither a layer of architecture `a` nor a
 * layer group (LAYER_GROUPS). Checked on the YAML against its `architecture:`, and again by
 * the train stage against the architecture a `dnas` upstream derived (activities/train.ts).
 */
export function unknownBitOverrides(bits: QuantConfig['bits'], a: ArchitectureConfig): string[] {
  const layers = quantizableLayerNames(a);
  return Object.keys(normalizeBits(bits).overrides).filter((k) => !layers.includes(k) && !(k in LAYER_GROUPS));
}

/**
 * Train stage config with the optional `quantization:` block (trainQuantizationSchema,
 * src/nn/qat/qat-config.ts). Without the block this is exactly `trainConfigSchema`'s
 * output (same keys), so float runs keep their cache keys and artifacts. Per-layer bit
 * widths are checked against the architecture's layer names, with a did-you-mean.
 */
export const trainStageConfigSchema = trainConfigSchema
  .extend({
    quantization: trainQuantizationSchema.optional(),
    /**
     * `upstream`: start from the weights of the model made by the train stage in `needs:`
     * (same architecture) instead of a seeded initialisation: fine-tuning, e.g. QAT of a
     * float-trained model to hybrid 4-bit weights (Krishnamoorthi 2018 §3: QAT from a trained
     * float model converges faster and better than from scratch). Absent = `scratch`, so
     * configs without it keep their cache keys.
     */
    initFrom: z
      .enum(['scratch', 'upstream'])
      .optional()
      .describe(
        '`upstream`: start from the weights of the model made by the train stage in `needs:` (same architecture) instead of a seeded initialisation: fine-tuning, e.g. QAT of a float-trained model to hybrid 4-bit weights (Krishnamoorthi 2018 §3: QAT from a trained float model converges faster and better than from scratch). Absent = `scratch`, so configs without it keep their cache keys.',
      ),
  })
  .superRefine((c, ctx) => {
    if (c.angularMargin !== undefined && (c.mixup !== undefined || (c.labelSmoothing ?? 0) > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.mixup !== undefined ? 'mixup' : 'labelSmoothing'],
        message:
          'angularMargin needs hard labels (its margin applies to the one true class); drop mixup/labelSmoothing',
      });
    }
    if (c.weightAveraging !== undefined && c.weightAveraging.fromEpoch > c.epochs) {
      ctx.addIssue({
        code: 'custom',
        path: ['weightAveraging', 'fromEpoch'],
        message: `weightAveraging.fromEpoch is ${c.weightAveraging.fromEpoch}, but training has only ${c.epochs} epochs; expected 1 … ${c.epochs}`,
      });
    }
    if (c.quantization === undefined) return;
    if (c.weightAveraging !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['weightAveraging'],
        message:
          'weightAveraging supports float training only; it cannot be combined with a quantization: block (QAT or regularized quantization: an average of fake-quantized or grid-pulled weights is off the grid and its activation ranges are stale)',
      });
    }
    if (c.angularMargin !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['angularMargin'],
        message:
          'angularMargin trains the float classifier only; it cannot be combined with a quantization: block (QAT)',
      });
    }
    const layers = quantizableLayerNames(c.architecture);
    for (const name of unknownBitOverrides(c.quantization.bits, c.architecture)) {
      const close = suggest(name, layers);
      const path =
        typeof c.quantization.bits === 'object' &&
        'overrides' in c.quantization.bits &&
        'default' in c.quantization.bits
          ? ['quantization', 'bits', 'overrides', name]
          : ['quantization', 'bits', name];
      ctx.addIssue({
        code: 'custom',
        path,
        message: `unknown layer "${name}"${close === undefined ? '' : `, did you mean "${close}"?`}; layers of this architecture: ${layers.join(', ')} (or a group: ${Object.keys(LAYER_GROUPS).join(', ')})`,
      });
    }
  });

export type TrainStageConfig = z.output<typeof trainStageConfigSchema>;
export type TrainStageConfigInput = z.input<typeof trainStageConfigSchema>;
