import { z } from 'zod';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import { StageInputError } from '../src/errors';
import { anomalyMetrics, ratesAt, rocCurve } from '../src/eval/auc';
import { clipAnomalyScores, patchNegLogProbs, type ClipScore } from '../src/eval/anomaly-scores';
import { loadModelArtifacts, predict, readModelDir } from '../src/nn';
import { autoencoderClipScores } from '../src/eval/autoencoder-scores';
import { integerOutputsHost, type IntegerOutputs } from '../src/eval/integer-posteriors';
import { HostIntModel } from '../src/nn/host-int-model';
import { disposeAutoencoders, readAutoencoderDir } from '../src/nn/fc-autoencoder-artifact';
import { decodeIntModel, type IntModel } from '../src/quant/int-model';
import * as fs from 'node:fs';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { clipMeanScores, standardizedPatchScores, type ComponentScores } from '../src/eval/combined-scores';
import { fitFrameKnn, frameKnnPatchScores, type AugmentedReferences } from '../src/eval/frame-knn-scores';
import { augmentChannels, ChannelOffsets, channelDistributionProblems } from '../src/eval/channel-augmentation';
import { hasInvariance, invariantPatches } from '../src/eval/frame-window-invariance';
import { operatingThresholds } from '../src/eval/operating-threshold';
import {
  fitFrameGaussians,
  fitPeriodicityGaussians,
  framePatchScores,
  periodicityPatchScores,
  type PatchBlock,
} from '../src/eval/feature-gaussian-scores';
import {
  EMBEDDING_LAYER_PATTERN,
  embeddingLayerNames,
  embeddingPatchScores,
  fitIdGaussians,
  layerEmbeddings,
} from '../src/eval/embedding-scores';
import {
  clipModulationFeatures,
  envelopeBinsPerPatch,
  fitModulationGaussians,
  ModulationSpectrum,
  modulationPatchScores,
  type PatchGeometry,
} from '../src/eval/envelope-modulation';
import { floatsToInt16, readWav } from '../src/audio/wav';
import { join } from 'node:path';
import { findInput, requireUpstream } from '../src/stage/inputs';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { tfjsVersions } from '../src/util/tool-versions';
import { yieldToEventLoop } from '../src/util/yield-to-event-loop';

/**
 * Stage `evaluate-ad`: anomaly detection metrics of a machine-ID classifier (MicroNets
 * §4.3; docs/stages/evaluate-ad.md). Needs a `train` stage trained on log-mel patches
 * (features type: logmel) and that features stage: the model's posteriors on every test
 * patch give clip scores (src/eval/anomaly-scores.ts), from which AUC and pAUC per
 * machine ID, per type and on average (src/eval/auc.ts). Per ID, an operating threshold
 * is chosen on the validation normals at `falseAlarmRate` and its TPR/FPR on the test
 * clips are reported. Artifact `evaluation` (JSON): metrics, per-ID ROC curves, every
 * clip's score (for score histograms in a report).
 */

export const kind = 'evaluate-ad';
export const version = 8; // 8: operating thresholds by thresholdRule on thresholdNormals (validation + dev), neg-log-prob as a combine term, per-term clip scores and dev / validation clips in the evaluation; 7: envelope-modulation score (needs the dataset), dev split metrics (devAuc, devPauc), subsetSweep; 2: FC-autoencoder baseline (train-ae), integer-model AUC (quantize), per-ID normal/anomalous score lists; 3: embedding-mahalanobis score; 4: integer model run as host-compiled C, its embedding Gaussians fitted on its own training embeddings; 5: embeddingLayer (conv0 / block<i>_dw|pw / pool), recorded in the evaluation (the number was not set then); 6: scores frame-mahalanobis, envelope-periodicity and combined

/** Scores that `combined` can sum (each is also a `score` of its own). */
const SCORE_COMPONENTS = [
  'neg-log-prob',
  'embedding-mahalanobis',
  'frame-mahalanobis',
  'envelope-periodicity',
  'envelope-modulation',
  'frame-knn',
] as const;
/** The default `combine` (the three components of docs/anomaly-detection.md#combined-score). */
const DEFAULT_COMBINE: readonly ScoreComponent[] = [
  'embedding-mahalanobis',
  'frame-mahalanobis',
  'envelope-periodicity',
];

export const configSchema = z.strictObject({
  /** pAUC's maximum false-positive rate (DCASE 2020 task 2: 0.1). */
  p: z.number().gt(0).max(1).default(0.1).describe("pAUC's maximum false-positive rate (DCASE 2020 task 2: 0.1)."),
  /**
   * Clip score: `neg-log-prob` (MicroNets §4.3: mean −log p(true ID)), `one-minus-prob`, or
   * `embedding-mahalanobis` (mean Mahalanobis² of the patches' pooled features to their ID's
   * Gaussian fitted on the training patches; src/eval/embedding-scores.ts).
   */
  score: z
    .enum(['one-minus-prob', ...SCORE_COMPONENTS, 'combined'])
    .default('neg-log-prob')
    .describe(
      "Clip score: `neg-log-prob` (MicroNets §4.3: mean −log p(true ID)), `one-minus-prob`, `embedding-mahalanobis` (mean Mahalanobis² of the patches' pooled features to their ID's Gaussian fitted on the training patches; src/eval/embedding-scores.ts), `frame-mahalanobis` or `envelope-periodicity` (per-ID Gaussians of the log-mel patches' frame windows or loudness-envelope autocorrelation, no network; src/eval/feature-gaussian-scores.ts), `frame-knn` (k nearest training frame windows; src/eval/frame-knn-scores.ts), or `combined`: the sum of the `combine` scores, each standardized per ID with the validation patches (src/eval/combined-scores.ts).",
    ),
  /** `combined`: the component scores summed after per-ID standardization on the validation patches. */
  combine: z
    .array(z.enum(SCORE_COMPONENTS))
    .min(1)
    .default([...DEFAULT_COMBINE])
    .describe(
      '`combined`: the component scores summed with equal weights after per-ID standardization on the validation patches (docs/anomaly-detection.md#combined-score). `neg-log-prob` is the classifier term (MicroNets §4.3), on the integer model for intAuc.',
    ),
  /** `envelope-modulation`: the sub-frame loudness envelope and its modulation bands (src/eval/envelope-modulation.ts). */
  modulation: z
    .strictObject({
      binMs: z
        .number()
        .positive()
        .default(1)
        .describe(
          'Envelope bin (ms): the rectified audio is averaged over bins of this length (1 ms = a 1 kHz envelope).',
        ),
      lowHz: z.number().positive().default(5).describe('Lowest modulation frequency (Hz) of the bands.'),
      highHz: z
        .number()
        .positive()
        .default(100)
        .describe('Highest modulation frequency (Hz): 100 covers rotation rates up to 6000 rpm.'),
      bandsPerOctave: z.number().positive().default(3).describe('Modulation bands per octave (log-spaced).'),
    })
    .prefault({})
    .describe(
      "`envelope-modulation` (needs the dataset stage in needs:): the modulation spectrum (lowHz–highHz) of the rectified audio's envelope at binMs resolution over each patch's span, in log-spaced bands, against its ID's Gaussian; it sees amplitude modulation at the rotation rate (imbalance), which the 32 ms log-mel hop cannot (docs/anomaly-detection.md#envelope-modulation).",
    ),
  /** With a dev split: also report dev and test AUC / pAUC of every subset of `combine` (evaluation JSON `subsets`). */
  subsetSweep: z
    .boolean()
    .default(false)
    .describe(
      '`combined` with a dev split: also compute dev and test AUC / pAUC of every non-empty subset of `combine` (evaluation JSON `subsets`), for choosing the score terms on dev (docs/anomaly-detection.md#dev-split).',
    ),
  /** `frame-mahalanobis`: frames per window (5 = the FC-autoencoder baseline's context). */
  frameContext: z
    .number()
    .int()
    .min(1)
    .default(5)
    .describe("`frame-mahalanobis`: consecutive frames per window (5 = the FC-autoencoder baseline's context)."),
  /** `frame-knn` (src/eval/frame-knn-scores.ts); absent = its defaults, so configs without it keep their cache keys. */
  frameKnn: z
    .strictObject({
      neighbours: z
        .number()
        .int()
        .min(1)
        .default(4)
        .describe("Nearest reference windows whose mean squared whitened distance is a window's score."),
      references: z
        .number()
        .int()
        .min(1)
        .default(256)
        .describe(
          "Training windows per machine ID drawn with the stage's seeded PRNG as the references (the scoring cost grows with it).",
        ),
      // Recording-condition invariance (src/eval/frame-window-invariance.ts); each absent = off, so
      // configs without them keep their cache keys and bytes.
      centre: z
        .enum(['clip', 'patch'])
        .optional()
        .describe(
          "Subtract each log-mel band's mean (dB) over the clip's or the patch's frames before windowing: a microphone gain or position (a fixed filter) is a per-band offset in log-mel, and it cancels; so does a fault that is steady over the span (docs/anomaly-detection.md#condition-invariant-frame-windows).",
        ),
      scale: z
        .boolean()
        .optional()
        .describe('With `centre`: also divide each band by its standard deviation over the same span.'),
      contrast: z
        .enum(['bands', 'frames', 'both'])
        .optional()
        .describe(
          'Window features: first differences across neighbouring bands (a gain cancels), across consecutive frames (every fixed filter cancels), or both side by side.',
        ),
      offset: z
        .boolean()
        .optional()
        .describe(
          'Gain-invariant distance: the whitened distance after removing the best scalar dB offset of the window (a projection; src/eval/frame-knn-scores.ts). Not with `contrast`, whose differences already cancel an offset.',
        ),
      // Channel-augmented references (src/eval/channel-augmentation.ts); absent = off.
      channelRefs: z
        .strictObject({
          references: z
            .number()
            .int()
            .min(0)
            .default(1024)
            .describe(
              'Augmented reference windows per machine ID, added to `references` (0: none, only the whitening reads the augmented patches).',
            ),
          copies: z
            .number()
            .int()
            .min(1)
            .max(8)
            .default(1)
            .describe(
              'Augmented copies of the training patches the extra references are drawn from (one channel per clip and copy).',
            ),
          delayMs: z
            .tuple([z.number().positive(), z.number().positive()])
            .default([0.5, 10])
            .describe(
              'Reflection delay range [low, high] in ms, drawn log-uniformly (a reflected path 0.17–3.4 m longer than the direct one).',
            ),
          reflectionGain: z
            .tuple([z.number().min(0), z.number().min(0)])
            .default([0.1, 0.6])
            .describe('Reflection gain range [low, high] (linear amplitude, high < 1), drawn uniformly.'),
          tiltDb: z
            .number()
            .min(0)
            .default(3)
            .describe('Spectral tilt: a dB slope over the mel bands, lowest to highest band, uniform in ±tiltDb.'),
          gainDb: z.number().min(0).default(3).describe('Broadband gain, uniform in ±gainDb.'),
          whitening: z
            .enum(['train', 'augmented'])
            .default('train')
            .describe(
              "Fit the whitening window Gaussians on the training patches only, or on the training and the augmented patches (the channel's ripple then weighs less in every distance).",
            ),
        })
        .superRefine((o, c) => {
          for (const message of channelDistributionProblems(o)) c.addIssue({ code: 'custom', message });
        })
        .optional()
        .describe(
          "Channel-augmented references: add reference windows from the ID's training patches as heard through random microphone channels (a reflection's comb filter, a spectral tilt, a gain), applied as per-band log-mel offsets, so that a normal clip's own unseen reflection finds a reference (docs/anomaly-detection.md#channel-augmented-references). Not with `centre` or `contrast`.",
        ),
    })
    .superRefine((o, c) => {
      if (o.channelRefs && (o.centre || o.contrast))
        c.addIssue({
          code: 'custom',
          path: ['channelRefs'],
          message: `channelRefs adds channel offsets to dB windows; it does not combine with ${o.centre ? `centre: ${o.centre}` : `contrast: ${o.contrast}`}`,
        });
      if (o.scale && !o.centre)
        c.addIssue({ code: 'custom', path: ['scale'], message: 'scale needs centre (clip or patch)' });
      if (o.offset && o.contrast)
        c.addIssue({
          code: 'custom',
          path: ['offset'],
          message: `offset is void with contrast: ${o.contrast} (differences already cancel a uniform offset)`,
        });
    })
    .optional()
    .describe(
      "`frame-knn`: each `frameContext`-frame window, whitened with its ID's `frame-mahalanobis` Gaussian, scored by its mean squared distance to the nearest of a seeded sample of the ID's whitened training windows: a model of multi-modal normal sound (docs/results/2026-12-04-anomaly-detection-pauc.md#frame-knn). `centre`, `scale`, `contrast` and `offset` make the windows invariant to recording conditions (gain, microphone position); the Gaussian and the references are then fitted on the transformed training windows (src/eval/frame-window-invariance.ts).",
    ),
  /** `envelope-periodicity`: autocorrelation lags 1..periodicityLags in frames (fewer than the patch's frames). */
  periodicityLags: z
    .number()
    .int()
    .min(1)
    .default(24)
    .describe(
      "`envelope-periodicity`: the loudness envelope's autocorrelation at lags 1..periodicityLags frames (fewer than the patch's frames).",
    ),
  /** Every per-ID Gaussian (embedding, frame windows, periodicity): covariance shrinkage λ towards a scaled identity. */
  shrinkage: z
    .number()
    .gt(0)
    .max(1)
    .default(0.01)
    .describe(
      'Every per-ID Gaussian (`embedding-mahalanobis`, `frame-mahalanobis`, `envelope-periodicity`): covariance shrinkage λ towards a scaled identity.',
    ),
  /**
   * `embedding-mahalanobis`: the layer whose output, averaged over time and frequency, is the
   * embedding: `pool` (the last block, the dense layer's input), `conv0`, `block<i>_dw` or
   * `block<i>_pw` (after batch norm and ReLU). Earlier layers are more sensitive to faults
   * (docs/anomaly-detection.md#embedding-layer).
   */
  embeddingLayer: z
    .string()
    .regex(EMBEDDING_LAYER_PATTERN, 'expected pool, conv0, block<i>_dw or block<i>_pw')
    .default('pool')
    .describe(
      "`embedding-mahalanobis`: the layer whose output, averaged over time and frequency, is the embedding: `pool` (the last block, the dense layer's input), `conv0`, `block<i>_dw` or `block<i>_pw` (after batch norm and ReLU). Earlier layers are more sensitive to faults (docs/anomaly-detection.md#embedding-layer).",
    ),
  /** Share of normal clips allowed to alarm at each ID's operating threshold. */
  falseAlarmRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe(
      "Target false-alarm rate: the expected share of normal clips that alarm at each ID's operating threshold (docs/anomaly-detection.md#operating-point).",
    ),
  /** The normal clips the operating thresholds are chosen on. */
  thresholdNormals: z
    .enum(['validation', 'dev', 'validation+dev'])
    .default('validation+dev')
    .describe(
      "The normal clips each ID's operating threshold is chosen on: the validation normals, the dev split's normals, or both (without a dev split: the validation normals). Never test clips (docs/anomaly-detection.md#operating-point).",
    ),
  /** How a threshold is chosen from those normals (src/eval/operating-threshold.ts). */
  thresholdRule: z
    .enum(['rank', 'pooled', 'shift'])
    .default('pooled')
    .describe(
      "`rank`: just above the ⌊α(n+1)⌋-th highest of the ID's n normals (expected false-alarm rate ≤ α); `pooled`: the same rank rule on all IDs' normals standardized per ID, mapped back with each ID's mean and sd; `shift`: as `pooled` with each ID's mean removed but not its scale (src/eval/operating-threshold.ts).",
    ),
});
export type EvaluateAdConfig = z.output<typeof configSchema>;
type ScoreComponent = (typeof SCORE_COMPONENTS)[number];

async function loadFeatures(ctx: StageContext<EvaluateAdConfig>, name: string): Promise<FeatureTensor | undefined> {
  const ref = findInput(ctx, name);
  if (!ref) return undefined;
  const t = readFeatureTensor(await ctx.fetchFile(ref));
  if (t.header.frontEnd.type !== 'logmel') {
    throw new StageInputError(
      `stages.${ctx.stageName}: the ${name} features are ${String(t.header.frontEnd.type)}, evaluate-ad needs log-mel patches (features type: logmel)`,
    );
  }
  return t;
}

/** A clip score; for `combined` also each term's clip mean of its standardized patch scores (they sum to `score`). */
type TermClipScore = ClipScore & { readonly terms?: Readonly<Record<string, number>> };
type Scorer = (t: FeatureTensor) => Promise<TermClipScore[]>;
/** Per-patch scores of one score component (rows of `t` in order). */
type PatchScorer = (t: FeatureTensor) => Promise<Float64Array>;

function patchBlock(t: FeatureTensor): PatchBlock {
  const [, frames, bands] = t.header.shape as [number, number, number];
  return { data: t.data, frames, bands, labelIndex: t.header.labelIndex };
}

async function requireTrain(ctx: StageContext<EvaluateAdConfig>): Promise<FeatureTensor> {
  const train = await loadFeatures(ctx, 'train');
  if (!train)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.score: ${ctx.config.score} needs the features stage's train patches (no "train" artifact in needs:)`,
    );
  return train;
}

type FrameKnnConfig = NonNullable<EvaluateAdConfig['frameKnn']>;

/** `frameKnn` with its defaults filled in (the key is optional so that configs without it keep their cache keys). */
function frameKnnOptions(config: EvaluateAdConfig): FrameKnnConfig {
  return config.frameKnn ?? configSchema.shape.frameKnn.unwrap().parse({});
}

const bandStatsSchema = z.strictObject({ meanQ5: z.array(z.number()), gainQ15: z.array(z.number().positive()) });

/**
 * `frameKnn`'s invariance transform of a feature file's patches (src/eval/frame-window-invariance.ts),
 * or the stored patches unchanged when no invariance option is set.
 */
function frameKnnBlock(ctx: StageContext<EvaluateAdConfig>, t: FeatureTensor): PatchBlock {
  const o = frameKnnOptions(ctx.config);
  if (!hasInvariance(o)) return patchBlock(t);
  const raw = t.header.frontEnd.bandStats;
  const stats = raw === undefined ? undefined : bandStatsSchema.safeParse(raw);
  if (stats && !stats.success) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.frameKnn: the features' band-normalization constants (frontEnd.bandStats) are malformed, so the patches cannot be mapped back to dB`,
    );
  }
  return invariantPatches(patchBlock(t), t.header.clips, stats?.data, o);
}

/**
 * `frameKnn.channelRefs`: the channel-augmented copies of the training windows `block` (stored
 * units, or dB when an invariance option mapped them back) and their draw, or undefined when off.
 */
function channelAugmentedReferences(
  ctx: StageContext<EvaluateAdConfig>,
  train: FeatureTensor,
  block: PatchBlock,
): AugmentedReferences | undefined {
  const o = frameKnnOptions(ctx.config);
  const c = o.channelRefs;
  if (!c) return undefined;
  const fe = train.header.frontEnd;
  const num = (k: string, fallback?: number): number => {
    const v = fe[k] ?? fallback;
    if (typeof v !== 'number')
      throw new StageInputError(
        `stages.${ctx.stageName}.with.frameKnn.channelRefs: the features' front-end config has no number "${k}"`,
      );
    return v;
  };
  const sampleRate = num('sampleRate');
  const geometry = {
    sampleRate,
    fftSize: num('fftSize'),
    melBands: num('melBands'),
    lowHz: num('lowHz', 0),
    highHz: num('highHz', sampleRate / 2),
    downsample: num('downsample', 1),
  };
  // Offsets are dB; stored band-normalized values are (dB − m_b)·k_b / 2^15 (src/dsp/band-normalization.ts).
  const raw = fe.bandStats;
  const stats = raw === undefined || hasInvariance(o) ? undefined : bandStatsSchema.safeParse(raw);
  if (stats && !stats.success) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.frameKnn.channelRefs: the features' band-normalization constants (frontEnd.bandStats) are malformed`,
    );
  }
  const toUnits = stats ? stats.data.gainQ15.map((k) => k / 32768) : new Array<number>(block.bands).fill(1);
  let channels: ChannelOffsets;
  try {
    channels = new ChannelOffsets(geometry, c);
  } catch (e) {
    if (e instanceof RangeError)
      throw new StageInputError(`stages.${ctx.stageName}.with.frameKnn.channelRefs: ${e.message}`);
    throw e;
  }
  const rng = ctx.rng('frame-knn-channel');
  const aug = augmentChannels(block, train.header.clips, channels, toUnits, c.copies, rng);
  return { block: aug, references: c.references, whitening: c.whitening, rng };
}

/** True when the score reads the trained classifier (its softmax or an embedding). */
function usesNetwork(config: EvaluateAdConfig): boolean {
  if (config.score === 'neg-log-prob' || config.score === 'one-minus-prob') return true;
  return componentsOf(config).some((c) => c === 'neg-log-prob' || c === 'embedding-mahalanobis');
}

/** The components a score sums: itself, or `combine` for `combined`. */
function componentsOf(config: EvaluateAdConfig): readonly ScoreComponent[] {
  if (config.score === 'combined') return config.combine;
  if (config.score === 'neg-log-prob' || config.score === 'one-minus-prob') return [];
  return [config.score];
}

/**
 * The log-mel components (`frame-mahalanobis`, `envelope-periodicity`; src/eval/feature-gaussian-scores.ts):
 * they read the stored patches, which are the fixed-point front end's output when features has
 * `implementation: fixed`, so the float and the integer detector share them.
 */
async function featureComponent(
  ctx: StageContext<EvaluateAdConfig>,
  name: 'frame-mahalanobis' | 'envelope-periodicity' | 'frame-knn',
  train: FeatureTensor,
): Promise<PatchScorer> {
  const { frameContext, periodicityLags, shrinkage } = ctx.config;
  const labels = train.header.labels.length;
  const [, frames] = train.header.shape as [number, number, number];
  try {
    if (name === 'frame-knn') {
      const { neighbours, references, offset } = frameKnnOptions(ctx.config);
      const options = { context: frameContext, shrinkage, neighbours, references, ...(offset ? { offset } : {}) };
      const block = frameKnnBlock(ctx, train);
      const augmented = channelAugmentedReferences(ctx, train, block);
      const model = await fitFrameKnn(block, labels, options, ctx.rng('frame-knn'), yieldToEventLoop, augmented);
      return (t) => frameKnnPatchScores(frameKnnBlock(ctx, t), model, yieldToEventLoop);
    }
    if (name === 'frame-mahalanobis') {
      // Minutes of float work on a loaded machine: give the heartbeats a turn (activities/evaluate-ad.ts).
      const g = await fitFrameGaussians(patchBlock(train), labels, frameContext, shrinkage, yieldToEventLoop);
      return (t) => framePatchScores(patchBlock(t), g, frameContext, yieldToEventLoop);
    }
    const g = fitPeriodicityGaussians(patchBlock(train), labels, periodicityLags, shrinkage);
    return async (t) => periodicityPatchScores(patchBlock(t), g, periodicityLags);
  } catch (e) {
    if (e instanceof RangeError) {
      const field =
        name === 'envelope-periodicity' ? 'periodicityLags' : name === 'frame-knn' ? 'frameKnn' : 'frameContext';
      throw new StageInputError(
        `stages.${ctx.stageName}.with.${field}: ${e.message} (the patches have ${frames} frames)`,
      );
    }
    throw e;
  }
}

/** The patch geometry of a log-mel feature file (its header's resolved front-end config). */
function patchGeometry(ctx: StageContext<EvaluateAdConfig>, t: FeatureTensor): PatchGeometry & { sampleRate: number } {
  const fe = t.header.frontEnd;
  const num = (k: string): number => {
    const v = fe[k];
    if (typeof v !== 'number')
      throw new StageInputError(`stages.${ctx.stageName}: the features' front-end config has no number "${k}"`);
    return v;
  };
  const sampleRate = num('sampleRate');
  return {
    sampleRate,
    hopSamples: Math.round((num('hopMs') * sampleRate) / 1000),
    windowSamples: Math.round((num('windowMs') * sampleRate) / 1000),
    patchFrames: num('patchFrames'),
    patchHop: num('patchHop'),
  };
}

/**
 * `envelope-modulation` (src/eval/envelope-modulation.ts): reads each patch's audio from the
 * dataset stage in needs: (the clips the features were made of, int16 as the board hears them).
 */
async function modulationComponent(ctx: StageContext<EvaluateAdConfig>, train: FeatureTensor): Promise<PatchScorer> {
  const ref = findInput(ctx, 'dataset');
  if (!ref)
    throw new StageInputError(
      `stages.${ctx.stageName}.with: envelope-modulation reads the clips' audio; add the dataset stage (synth-machine or import-audio) to needs:`,
    );
  const dir = await ctx.fetchDir(ref);
  const g = patchGeometry(ctx, train);
  const m = ctx.config.modulation;
  const binSamples = Math.round((m.binMs * g.sampleRate) / 1000);
  let spectrum: ModulationSpectrum;
  try {
    spectrum = new ModulationSpectrum(
      { binSamples, sampleRate: g.sampleRate, lowHz: m.lowHz, highHz: m.highHz, bandsPerOctave: m.bandsPerOctave },
      envelopeBinsPerPatch(g, binSamples),
    );
  } catch (e) {
    if (e instanceof RangeError) throw new StageInputError(`stages.${ctx.stageName}.with.modulation: ${e.message}`);
    throw e;
  }
  const featuresOf = async (t: FeatureTensor): Promise<Float64Array[]> => {
    const out: Float64Array[] = [];
    const clips = t.header.clips;
    for (let i = 0; i < clips.length;) {
      let j = i;
      while (j < clips.length && clips[j] === clips[i]) j++;
      const wav = readWav(join(dir, clips[i]!));
      const pcm = floatsToInt16(wav.samples);
      out.push(...clipModulationFeatures(pcm, j - i, g, spectrum));
      i = j;
      if (out.length % 256 < j - i) await yieldToEventLoop();
    }
    return out;
  };
  const gaussians = fitModulationGaussians(
    await featuresOf(train),
    train.header.labelIndex,
    train.header.labels.length,
    ctx.config.shrinkage,
  );
  return async (t) => modulationPatchScores(await featuresOf(t), t.header.labelIndex, gaussians);
}

/** The same scorer, computing each feature file's scores once (a sweep and the main score share them). */
function memoized(score: PatchScorer): PatchScorer {
  const done = new Map<FeatureTensor, Promise<Float64Array>>();
  return (t) => {
    let p = done.get(t);
    if (!p) done.set(t, (p = score(t)));
    return p;
  };
}

/** Float model: per-patch −log p(true ID) (MicroNets §4.3), the classifier's term of `combined`. */
function floatNegLogProbComponent(model: LayersModel): PatchScorer {
  return async (t) => {
    const [, rows, cols] = t.header.shape as [number, number, number];
    return patchNegLogProbs(t.header, await predict(model, t.data, [rows, cols]));
  };
}

/** Float model: patch scores of `embedding-mahalanobis` (Gaussians fitted on the training patches' embeddings). */
async function floatEmbeddingComponent(
  ctx: StageContext<EvaluateAdConfig>,
  model: LayersModel,
  train: FeatureTensor,
): Promise<PatchScorer> {
  const [, rows, cols] = train.header.shape as [number, number, number];
  const layer = ctx.config.embeddingLayer;
  if (!embeddingLayerNames(model).includes(layer)) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.embeddingLayer: "${layer}" is not a layer of the trained model (it has ${embeddingLayerNames(model).join(', ')})`,
    );
  }
  ctx.progress({ done: 0, total: 3, unit: 'splits', message: `embedding the training patches (${layer})` });
  const emb = await layerEmbeddings(model, train.data, [rows, cols], layer);
  const gaussians = fitIdGaussians(
    emb.values,
    emb.dim,
    train.header.labelIndex,
    train.header.labels.length,
    ctx.config.shrinkage,
  );
  return async (t) => {
    const e = await layerEmbeddings(model, t.data, [rows, cols], layer);
    return embeddingPatchScores(t.header.labelIndex, e.values, e.dim, gaussians);
  };
}

/**
 * The clip scorer of the configured score from its components' patch scorers: the clip mean
 * of one component's patch scores, or for `combined` the clip mean of the per-ID standardized
 * sum (src/eval/combined-scores.ts), standardized with the validation patches.
 */
function clipScorer(
  ctx: StageContext<EvaluateAdConfig>,
  components: ReadonlyArray<{ name: ScoreComponent; score: PatchScorer }>,
  validation: FeatureTensor | undefined,
): Scorer {
  if (ctx.config.score !== 'combined') {
    const only = components[0]!;
    return async (t) => clipMeanScores(t.header, await only.score(t));
  }
  return combinedScorer(ctx, components, validation);
}

/** `combined` over `components` (the configured `combine`, or a subset of it in the sweep). */
function combinedScorer(
  ctx: StageContext<EvaluateAdConfig>,
  components: ReadonlyArray<{ name: ScoreComponent; score: PatchScorer }>,
  validation: FeatureTensor | undefined,
): Scorer {
  if (!validation || validation.header.shape[0] === 0) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.score: combined standardizes each component with the validation patches; the features stage has none (no "validation" artifact or 0 patches)`,
    );
  }
  // Each component's validation scores once; scoring the validation split reuses them.
  const onValidation = new Map<ScoreComponent, Promise<Float64Array>>();
  const validationScores = (c: { name: ScoreComponent; score: PatchScorer }): Promise<Float64Array> => {
    let p = onValidation.get(c.name);
    if (!p) onValidation.set(c.name, (p = c.score(validation)));
    return p;
  };
  return async (t) => {
    const parts: ComponentScores[] = [];
    for (const c of components) {
      const v = await validationScores(c);
      parts.push({ name: c.name, validation: v, scored: t === validation ? v : await c.score(t) });
    }
    try {
      const z = standardizedPatchScores(parts, t.header.labelIndex, validation.header.labelIndex, t.header.labels);
      const sum = new Float64Array(t.header.labelIndex.length);
      for (const zc of z) zc.forEach((v, i) => (sum[i]! += v));
      const termMeans = z.map((zc) => clipMeanScores(t.header, zc));
      return clipMeanScores(t.header, sum).map((c, k) => ({
        ...c,
        terms: Object.fromEntries(parts.map((p, j) => [p.name, termMeans[j]![k]!.score])),
      }));
    } catch (e) {
      if (e instanceof RangeError) throw new StageInputError(`stages.${ctx.stageName}: ${e.message}`);
      throw e;
    }
  };
}

/** The clip scorer of `config.score` for the float model, and the components it sums. */
async function floatScorer(
  ctx: StageContext<EvaluateAdConfig>,
  maybeModel: LayersModel | undefined,
  validation: FeatureTensor | undefined,
  featureComponents: ReadonlyMap<ScoreComponent, PatchScorer>,
): Promise<{ scorer: Scorer; components: Array<{ name: ScoreComponent; score: PatchScorer }> }> {
  // run() loads the model whenever usesNetwork(config), the only case in which it is read here.
  const network = (): LayersModel => {
    if (!maybeModel) throw new Error('evaluate-ad: a network term without the trained model');
    return maybeModel;
  };
  const kind = ctx.config.score;
  if (kind === 'neg-log-prob' || kind === 'one-minus-prob') {
    return {
      scorer: async (t) => {
        const [, rows, cols] = t.header.shape as [number, number, number];
        return clipAnomalyScores(t.header, await predict(network(), t.data, [rows, cols]), kind);
      },
      components: [],
    };
  }
  const components: Array<{ name: ScoreComponent; score: PatchScorer }> = [];
  for (const name of componentsOf(ctx.config)) {
    const shared = featureComponents.get(name);
    components.push({
      name,
      score:
        shared ??
        memoized(
          name === 'neg-log-prob'
            ? floatNegLogProbComponent(network())
            : await floatEmbeddingComponent(ctx, network(), await requireTrain(ctx)),
        ),
    });
  }
  return { scorer: clipScorer(ctx, components, validation), components };
}

/** Every non-empty subset of the components, in order of size then of `combine`. */
function subsetsOf<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => (mask >> i) & 1));
  return out.sort((a, b) => a.length - b.length);
}

/**
 * Clip scores of the integer model (a quantize stage in needs:), as the board computes them:
 * the generated C run on the host (src/nn/host-int-model.ts, bit-exact with the board).
 * With `embedding-mahalanobis` (alone or in `combined`), intAuc is the AUC of the detector a
 * board would run end to end: the ID Gaussians are fitted on the integer model's own embeddings
 * of the training patches (dequantized), not on the float model's, so the constants the board
 * carries and the embeddings it compares with them come from the same integer network. The
 * log-mel components are the float run's (they read the same fixed-point patches).
 */
async function integerClipScores(
  ctx: StageContext<EvaluateAdConfig>,
  intModel: IntModel,
  test: FeatureTensor,
  validation: FeatureTensor | undefined,
  featureComponents: ReadonlyMap<ScoreComponent, PatchScorer>,
): Promise<ClipScore[]> {
  const n = (t: FeatureTensor): number => t.header.shape[0] as number;
  const layer = ctx.config.embeddingLayer;
  // One gcc build of the integer model serves every feature file it scores (test, validation,
  // training; src/nn/host-int-model.ts), made when the first one needs it (a score of log-mel
  // terms alone runs none) and removed in `finally`, after every run on it settled.
  let build: Promise<HostIntModel> | undefined;
  const host = (): Promise<HostIntModel> => (build ??= HostIntModel.build(intModel));
  // Each feature file runs through the integer model once (the embedding and the −log p terms share it).
  const ran = new Map<FeatureTensor, Promise<IntegerOutputs>>();
  const outputs = (t: FeatureTensor, what: string): Promise<IntegerOutputs> => {
    let r = ran.get(t);
    if (!r)
      ran.set(
        t,
        (r = host().then((h) =>
          integerOutputsHost(
            intModel,
            t.data,
            n(t),
            (done, total) =>
              ctx.progress({ done, total, unit: 'patches', message: `integer model on the ${what} patches` }),
            layer,
            h,
          ),
        )),
      );
    return r;
  };
  try {
    return await integerScores(ctx, test, validation, featureComponents, outputs);
  } finally {
    await Promise.allSettled(ran.values());
    await build?.then(
      (h) => h.dispose(),
      () => undefined, // the build's failure is the runs' error
    );
  }
}

/** integerClipScores with `outputs`, the integer model's outputs of one feature file. */
async function integerScores(
  ctx: StageContext<EvaluateAdConfig>,
  test: FeatureTensor,
  validation: FeatureTensor | undefined,
  featureComponents: ReadonlyMap<ScoreComponent, PatchScorer>,
  outputs: (t: FeatureTensor, what: string) => Promise<IntegerOutputs>,
): Promise<ClipScore[]> {
  const kind = ctx.config.score;
  const layer = ctx.config.embeddingLayer;
  if (kind === 'neg-log-prob' || kind === 'one-minus-prob') {
    return clipAnomalyScores(test.header, (await outputs(test, 'test')).posteriors, kind);
  }
  const components: Array<{ name: ScoreComponent; score: PatchScorer }> = [];
  for (const name of componentsOf(ctx.config)) {
    const shared = featureComponents.get(name);
    if (shared) {
      components.push({ name, score: shared });
      continue;
    }
    if (name === 'neg-log-prob') {
      components.push({
        name,
        score: async (t) =>
          patchNegLogProbs(t.header, (await outputs(t, t === test ? 'test' : 'validation')).posteriors),
      });
      continue;
    }
    const train = await requireTrain(ctx);
    const outTrain = await outputs(train, 'training');
    if (outTrain.pooledDim === 0) {
      throw new StageInputError(
        `stages.${ctx.stageName}: the integer model has no "${layer}" op, so the embedding-mahalanobis score (embeddingLayer: ${layer}) cannot be computed for it`,
      );
    }
    const gaussians = fitIdGaussians(
      outTrain.pooled,
      outTrain.pooledDim,
      train.header.labelIndex,
      train.header.labels.length,
      ctx.config.shrinkage,
    );
    components.push({
      name,
      score: async (t) =>
        embeddingPatchScores(
          t.header.labelIndex,
          (await outputs(t, t === test ? 'test' : 'validation')).pooled,
          outTrain.pooledDim,
          gaussians,
        ),
    });
  }
  return clipScorer(ctx, components, validation)(test);
}

async function run(ctx: StageContext<EvaluateAdConfig>): Promise<StageResult> {
  const config = ctx.config;
  const test = await loadFeatures(ctx, 'test');
  if (!test)
    throw new StageInputError(
      `stages.${ctx.stageName}: needs a features stage (type: logmel) in needs: (no "test" artifact)`,
    );
  const validation = await loadFeatures(ctx, 'validation');
  // The trained classifier: required when a term uses the network; a score of log-mel and envelope
  // terms alone runs without it (no train stage in needs:), e.g. to compare such scores before training ends.
  const modelRef = usesNetwork(config) ? requireUpstream(ctx, 'model', 'train') : findInput(ctx, 'model');
  const model = modelRef ? await loadModelArtifacts(readModelDir(await ctx.fetchDir(modelRef))) : undefined;
  // The log-mel components' Gaussians, fitted once and shared by the float and the integer detector.
  const featureComponents = new Map<ScoreComponent, PatchScorer>();
  for (const name of componentsOf(config)) {
    if (name === 'frame-mahalanobis' || name === 'envelope-periodicity' || name === 'frame-knn') {
      ctx.progress({ done: 0, total: 3, unit: 'splits', message: `fitting the ${name} Gaussians` });
      featureComponents.set(name, memoized(await featureComponent(ctx, name, await requireTrain(ctx))));
    } else if (name === 'envelope-modulation') {
      ctx.progress({ done: 0, total: 3, unit: 'splits', message: 'fitting the envelope-modulation Gaussians' });
      featureComponents.set(name, memoized(await modulationComponent(ctx, await requireTrain(ctx))));
    }
  }
  const dev = await loadFeatures(ctx, 'dev');
  const metricsOf = (scores: readonly ClipScore[]) => {
    try {
      return anomalyMetrics(scores, config.p);
    } catch (e) {
      throw new StageInputError(`stages.${ctx.stageName}: ${(e as Error).message}`);
    }
  };
  let testScores: TermClipScore[];
  let valScores: TermClipScore[];
  let devScores: TermClipScore[] | undefined;
  const subsets: Array<{ combine: ScoreComponent[]; dev: AucSummary; test: AucSummary }> = [];
  try {
    const { scorer: scoreOf, components } = await floatScorer(ctx, model, validation, featureComponents);
    ctx.progress({ done: 1, total: 3, unit: 'splits', message: 'scoring test patches' });
    testScores = await scoreOf(test);
    ctx.progress({ done: 2, total: 3, unit: 'splits', message: 'scoring validation patches' });
    valScores = validation && validation.header.shape[0]! > 0 ? await scoreOf(validation) : [];
    // The dev split (normal + anomalous clips disjoint from test): what settings are chosen on.
    if (dev && dev.header.shape[0]! > 0) {
      ctx.progress({ done: 2, total: 3, unit: 'splits', message: 'scoring dev patches' });
      devScores = await scoreOf(dev);
      if (config.subsetSweep && config.score === 'combined') {
        for (const subset of subsetsOf(components)) {
          const sweep = combinedScorer(ctx, subset, validation);
          subsets.push({
            combine: subset.map((c) => c.name),
            dev: summary(metricsOf(await sweep(dev))),
            test: summary(metricsOf(await sweep(test))),
          });
        }
      }
    }
  } finally {
    model?.dispose();
  }
  const m = metricsOf(testScores);
  const devMetrics = devScores ? metricsOf(devScores) : undefined;
  // The FC-autoencoder baseline on the same test clips (a train-ae stage in needs:).
  const aeRef = findInput(ctx, 'autoencoder');
  let baseline: ReturnType<typeof metricsOf> | undefined;
  if (aeRef) {
    ctx.progress({ done: 1, total: 2, unit: 'splits', message: 'scoring test patches with the autoencoder baseline' });
    const ae = await readAutoencoderDir(await ctx.fetchDir(aeRef));
    try {
      const [, rows, cols] = test.header.shape as [number, number, number];
      if (ae.patchShape[0] !== rows || ae.patchShape[1] !== cols) {
        throw new StageInputError(
          `stages.${ctx.stageName}: the autoencoder was trained on ${ae.patchShape.join('×')} patches, the test features are ${rows}×${cols}`,
        );
      }
      baseline = metricsOf(await autoencoderClipScores(test.header, test.data, ae));
    } finally {
      disposeAutoencoders(ae);
    }
  }
  // The integer model (a quantize stage in needs:), as the board computes it.
  const intRef = findInput(ctx, 'int-model');
  let integer: ReturnType<typeof metricsOf> | undefined;
  if (intRef) {
    const intModel = decodeIntModel(fs.readFileSync(await ctx.fetchFile(intRef), 'utf8'));
    integer = metricsOf(await integerClipScores(ctx, intModel, test, validation, featureComponents));
  }
  // Operating thresholds per ID, on normal clips that are not test clips (docs/anomaly-detection.md#operating-point).
  const normalsOf = (scores: readonly ClipScore[], r: { type: string; id: string }): number[] =>
    scores.filter((s) => s.type === r.type && s.id === r.id && !s.anomalous).map((s) => s.score);
  const thresholdNormals =
    config.thresholdNormals !== 'validation' && devScores ? config.thresholdNormals : 'validation';
  const chosenOn = m.ids.map((r) => [
    ...(thresholdNormals !== 'dev' ? normalsOf(valScores, r) : []),
    ...(thresholdNormals !== 'validation' && devScores ? normalsOf(devScores, r) : []),
  ]);
  const thresholds = chosenOn.every((n) => n.length > 0)
    ? operatingThresholds(chosenOn, config.falseAlarmRate, config.thresholdRule)
    : undefined;
  const ids = m.ids.map((r, k) => {
    const mine = (s: ClipScore): boolean => s.type === r.type && s.id === r.id;
    const normal = testScores.filter((s) => mine(s) && !s.anomalous).map((s) => s.score);
    const anomalous = testScores.filter((s) => mine(s) && s.anomalous).map((s) => s.score);
    const valNormals = normalsOf(valScores, r);
    const threshold = thresholds?.[k];
    return {
      ...r,
      normalScores: normal,
      anomalousScores: anomalous,
      ...(valNormals.length > 0 ? { validationScores: valNormals } : {}),
      roc: rocCurve(normal, anomalous).map((pt) => ({ fpr: pt.fpr, tpr: pt.tpr })),
      ...(threshold !== undefined
        ? { threshold, thresholdNormals: chosenOn[k]!.length, ...ratesAt(normal, anomalous, threshold) }
        : {}),
    };
  });
  const evaluation = {
    task: 'anomaly-detection',
    score: config.score,
    ...(componentsOf(config).includes('embedding-mahalanobis') ? { embeddingLayer: config.embeddingLayer } : {}),
    ...(config.score === 'combined' ? { combine: config.combine } : {}),
    ...(componentsOf(config).some((c) => c === 'frame-mahalanobis' || c === 'frame-knn')
      ? { frameContext: config.frameContext }
      : {}),
    ...(componentsOf(config).includes('frame-knn') ? { frameKnn: frameKnnOptions(config) } : {}),
    ...(componentsOf(config).includes('envelope-periodicity') ? { periodicityLags: config.periodicityLags } : {}),
    p: config.p,
    falseAlarmRate: config.falseAlarmRate,
    ...(thresholds ? { thresholdNormals, thresholdRule: config.thresholdRule } : {}),
    auc: m.auc,
    pauc: m.pauc,
    types: m.types,
    ids,
    ...(baseline
      ? { baseline: { auc: baseline.auc, pauc: baseline.pauc, types: baseline.types, ids: baseline.ids } }
      : {}),
    ...(integer ? { intModel: { auc: integer.auc, pauc: integer.pauc, types: integer.types, ids: integer.ids } } : {}),
    ...(devMetrics
      ? { dev: { auc: devMetrics.auc, pauc: devMetrics.pauc, types: devMetrics.types, ids: devMetrics.ids } }
      : {}),
    ...(subsets.length > 0 ? { subsets } : {}),
    ...(componentsOf(config).includes('envelope-modulation') ? { modulation: config.modulation } : {}),
    clips: testScores.map(clipRecord),
    // Every split's clip scores with their terms: the data of term-weight and operating-point studies on dev.
    ...(devScores ? { devClips: devScores.map(clipRecord) } : {}),
    validationClips: valScores.map(clipRecord),
  };
  const perType = Object.fromEntries(
    m.types.flatMap((t) => [
      [`auc.${t.type}`, t.auc],
      [`pauc.${t.type}`, t.pauc],
    ]),
  );
  return {
    artifacts: [await ctx.storeJson('evaluation', evaluation)],
    metrics: {
      auc: m.auc,
      pauc: m.pauc,
      ...(baseline ? { baselineAuc: baseline.auc, baselinePauc: baseline.pauc } : {}),
      ...(integer ? { intAuc: integer.auc, intPauc: integer.pauc } : {}),
      ...(devMetrics
        ? {
            devAuc: devMetrics.auc,
            devPauc: devMetrics.pauc,
            ...Object.fromEntries(
              devMetrics.types.flatMap((t) => [
                [`devAuc.${t.type}`, t.auc],
                [`devPauc.${t.type}`, t.pauc],
              ]),
            ),
          }
        : {}),
      ...operatingMetrics(ids),
      machineIds: m.ids.length,
      testClips: testScores.length,
      ...perType,
    },
    summary:
      `AUC ${(100 * m.auc).toFixed(2)}%, pAUC ${(100 * m.pauc).toFixed(2)}% (p = ${config.p}) over ${m.ids.length} machine IDs; ` +
      m.types.map((t) => `${t.type} ${(100 * t.auc).toFixed(1)}/${(100 * t.pauc).toFixed(1)}`).join(', ') +
      (baseline ? `; FC-AE baseline ${(100 * baseline.auc).toFixed(2)}/${(100 * baseline.pauc).toFixed(2)}` : '') +
      (integer ? `; integer model AUC ${(100 * integer.auc).toFixed(2)}%` : '') +
      (devMetrics ? `; dev ${(100 * devMetrics.auc).toFixed(2)}/${(100 * devMetrics.pauc).toFixed(2)}` : ''),
  };
}

/** A clip's record in the evaluation JSON. */
function clipRecord(s: TermClipScore) {
  return {
    clip: s.clip,
    type: s.type,
    id: s.id,
    anomalous: s.anomalous,
    score: s.score,
    patches: s.patches,
    ...(s.terms ? { terms: s.terms } : {}),
  };
}

/** AUC / pAUC overall and per machine type (a sweep row). */
interface AucSummary {
  auc: number;
  pauc: number;
  types: Array<{ type: string; auc: number; pauc: number }>;
}
function summary(m: {
  auc: number;
  pauc: number;
  types: ReadonlyArray<{ type: string; auc: number; pauc: number }>;
}): AucSummary {
  return { auc: m.auc, pauc: m.pauc, types: m.types.map((t) => ({ type: t.type, auc: t.auc, pauc: t.pauc })) };
}

/** Mean TPR / FPR over the IDs that have an operating threshold (validation normals). */
function operatingMetrics(ids: ReadonlyArray<{ tpr?: number; fpr?: number }>): Record<string, number> {
  const at = ids.filter((r): r is { tpr: number; fpr: number } => r.tpr !== undefined && r.fpr !== undefined);
  if (at.length === 0) return {};
  return {
    operatingTpr: at.reduce((a, r) => a + r.tpr, 0) / at.length,
    operatingFpr: at.reduce((a, r) => a + r.fpr, 0) / at.length,
  };
}

export const evaluateAdStage: StageModule<EvaluateAdConfig> = {
  kind,
  version,
  description:
    'Anomaly detection: AUC / pAUC per machine ID and type of a machine-ID classifier on log-mel patches (score: −log p(true ID), embedding Mahalanobis, log-mel Gaussians or their standardized sum)',
  configSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
