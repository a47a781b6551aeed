import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs-node';
import { z } from 'zod';
import { readFeatureTensor } from '../src/dsp/feature-tensor';
import { StageInputError } from '../src/errors';
import {
  buildFcAutoencoder,
  stackFrames,
  standardization,
  standardize,
  trainFcAutoencoder,
} from '../src/nn/fc-autoencoder';
import { writeAutoencoderDir, type AutoencoderManifest } from '../src/nn/fc-autoencoder-artifact';
import { findInput } from '../src/stage/inputs';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { tfjsVersions } from '../src/util/tool-versions';

/**
 * Stage `train-ae`: the FC-autoencoder baseline of anomaly detection (DCASE 2020 task 2 /
 * MLPerf Tiny AD; src/nn/fc-autoencoder.ts), one per machine type, trained on the normal
 * training patches of a `features` stage with `type: logmel`. `evaluate-ad` scores the
 * same test clips with it when it is in its `needs:` (metrics `baselineAuc`, `baselinePauc`).
 * Artifact `autoencoder` (src/nn/fc-autoencoder-artifact.ts).
 */

export const kind = 'train-ae';
export const version = 1;

export const configSchema = z.strictObject({
  /** Consecutive log-mel frames stacked into one input vector (DCASE baseline: 5). */
  context: z
    .int()
    .min(1)
    .max(64)
    .default(5)
    .describe('Consecutive log-mel frames stacked into one input vector (DCASE baseline: 5).'),
  /**
   * Frames between two training vectors of a patch. Stored patches overlap (patchHop <
   * patchFrames), so every position of every patch would repeat most frames; 3 covers each
   * frame of the default 32-frame patches every 10 frames about once. Scoring uses every position.
   */
  vectorHop: z
    .int()
    .min(1)
    .max(64)
    .default(3)
    .describe(
      'Frames between two training vectors of a patch. Stored patches overlap (patchHop < patchFrames), so every position of every patch would repeat most frames; 3 covers each frame of the default 32-frame patches every 10 frames about once. Scoring uses every position.',
    ),
  /** Encoder widths, mirrored by the decoder (DCASE baseline: 128 ×4). */
  hidden: z
    .array(z.int().min(1).max(4096))
    .min(1)
    .max(16)
    .default([128, 128, 128, 128])
    .describe('Encoder layer widths, mirrored by the decoder (DCASE 2020 baseline: 128 ×4).'),
  bottleneck: z
    .int()
    .min(1)
    .max(4096)
    .default(8)
    .describe('Width of the code layer between encoder and decoder (DCASE 2020 baseline: 8).'),
  epochs: z.int().min(1).max(1000).default(20).describe('Training epochs over the normal training clips.'),
  batchSize: z
    .int()
    .min(1)
    .max(65536)
    .default(512)
    .describe('Stacked-frame vectors per gradient step (DCASE 2020 baseline: 512).'),
  learningRate: z
    .number()
    .positive()
    .max(1)
    .default(0.001)
    .describe('Adam learning rate (DCASE 2020 baseline: 0.001).'),
  batchNorm: z
    .strictObject({
      momentum: z
        .number()
        .min(0)
        .lt(1)
        .default(0.9)
        .describe("BatchNorm moving-average momentum (0.9, not Keras' 0.99: short runs, as for train)."),
      epsilon: z.number().positive().max(1).default(0.001).describe('BatchNorm ε (tf.keras default).'),
    })
    .prefault({}),
});
export type TrainAeConfig = z.output<typeof configSchema>;
/**
 * Upstream artifacts train-ae reads (StageModule.reads): the features' `train` patches only
 * (the autoencoders fit normal training clips; dev and test are for evaluate-ad), so growing the
 * test or dev clip counts keeps this stage a cache hit.
 */
export const reads = ['train'] as const;

async function run(ctx: StageContext<TrainAeConfig>): Promise<StageResult> {
  const config = ctx.config;
  const ref = findInput(ctx, 'train');
  if (!ref)
    throw new StageInputError(
      `stages.${ctx.stageName}: needs a features stage (type: logmel) in needs: (no "train" artifact)`,
    );
  const train = readFeatureTensor(await ctx.fetchFile(ref));
  if (train.header.frontEnd.type !== 'logmel') {
    throw new StageInputError(
      `stages.${ctx.stageName}: the train features are ${String(train.header.frontEnd.type)}, train-ae needs log-mel patches (features type: logmel)`,
    );
  }
  const [, frames, bands] = train.header.shape as [number, number, number];
  if (config.context > frames)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.context: ${config.context} is more than the ${frames} frames of a patch`,
    );
  const size = frames * bands;
  const dim = config.context * bands;
  const typeOf = (label: number): string => train.header.labels[label]!.split('/')[0]!;
  const types = [...new Set(train.header.labels.map((l) => l.split('/')[0]!))].sort();
  const models = new Map<string, TF.LayersModel>();
  const manifest: AutoencoderManifest = {
    format: 'tinyops-fc-autoencoder',
    version: 1,
    context: config.context,
    patchShape: [frames, bands],
    types: {},
  };
  const totalEpochs = types.length * config.epochs;
  try {
    for (const [t, type] of types.entries()) {
      const rows = train.header.labelIndex.map((l, i) => (typeOf(l) === type ? i : -1)).filter((i) => i >= 0);
      if (rows.length === 0)
        throw new StageInputError(`stages.${ctx.stageName}: machine type ${type} has no training patches`);
      const patches = new Float32Array(rows.length * size);
      rows.forEach((r, k) => patches.set(train.data.subarray(r * size, (r + 1) * size), k * size));
      const raw = stackFrames(patches, frames, bands, config.context, config.vectorHop);
      const norm = standardization(raw, dim);
      const x = standardize(raw, dim, norm);
      const model = buildFcAutoencoder(
        dim,
        { hidden: config.hidden, bottleneck: config.bottleneck, batchNorm: config.batchNorm },
        ctx.rng('init', type),
      );
      models.set(type, model);
      const losses = await trainFcAutoencoder(model, x, dim, config, ctx.rng('data', type), (epoch, loss) => {
        ctx.progress({
          done: t * config.epochs + epoch,
          total: totalEpochs,
          unit: 'epochs',
          message: `${type} loss ${loss.toFixed(4)}`,
        });
      });
      ctx.log(
        `${type}: ${x.length / dim} vectors of ${dim}, loss ${losses[0]!.toFixed(4)} → ${losses[losses.length - 1]!.toFixed(4)}`,
      );
      manifest.types[type] = { mean: [...norm.mean], std: [...norm.std], losses };
    }
    const dir = path.join(ctx.workDir, 'autoencoder');
    writeAutoencoderDir(dir, manifest, models);
    const finalLoss = Object.values(manifest.types).map((t) => t.losses[t.losses.length - 1]!);
    const meanLoss = finalLoss.reduce((a, b) => a + b, 0) / finalLoss.length;
    return {
      artifacts: [await ctx.storeDir('autoencoder', dir)],
      metrics: { machineTypes: types.length, inputDim: dim, finalLoss: meanLoss },
      summary: `${types.length} FC autoencoders (${dim}-${config.hidden.join('-')}-${config.bottleneck}-…-${dim}), ${config.epochs} epochs, final MSE ${meanLoss.toFixed(4)}`,
    };
  } finally {
    for (const m of models.values()) m.dispose();
  }
}

export const trainAeStage: StageModule<TrainAeConfig> = {
  kind,
  version,
  reads,
  description:
    'Anomaly-detection baseline: FC autoencoders (DCASE 2020 task 2 / MLPerf Tiny) on stacked log-mel frames, one per machine type',
  configSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
