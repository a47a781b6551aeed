import * as fs from 'node:fs';
import * as path from 'node:path';
import { StageInputError } from '../src/errors';
import { findInput, requireUpstream } from '../src/stage/inputs';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import {
  countMacs,
  countParams,
  decodeCheckpoint,
  encodeCheckpoint,
  loadModelArtifacts,
  MODEL_TOPOLOGY_FILE,
  MODEL_WEIGHTS_FILE,
  readModelDir,
  readWeights,
  saveModelArtifacts,
  trainModel,
  trainStageConfigSchema,
  type NamedWeights,
  type TrainStageConfig as TrainConfig,
} from '../src/nn';
import { QUANT_JSON_FILE, type QuantJson } from '../src/quant/quant-json';
import { architectureSchema, quantizableLayerNames, unknownBitOverrides } from '../src/nn/train-config';
import type { TrainData } from '../src/nn/train-data';
import type { ArtifactRef } from '../src/store/artifact-store';
import { loadEpochCheckpoint, saveEpochCheckpoint } from '../src/stage/epoch-checkpoint';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { tfjsVersions } from '../src/util/tool-versions';

/**
 * Stage `train`: a DS-CNN (MicroNets §4) on the `features` stage's train/validation
 * tensors, on tfjs-node's native backend. Resumable: after every epoch the full training
 * state (weights, Adam moments, RNG seeds, history) goes to the store as a blob and the
 * checkpoint document points at it, so a retried activity on any worker continues from the
 * last finished epoch and ends with bit-identical weights (src/nn/train-loop.ts).
 *
 * Outputs: `model` (tar: model.json + weights.bin, tfjs layers format) and `history`
 * (JSON: per-epoch loss/accuracy, best epoch, labels, architecture, MACs, parameters).
 *
 * With a `quantization:` block (thesis ch. 4 regularized hybrid quantization, QAT as in
 * MicroNets §5.2.2; src/nn/qat/): the `model` tar also holds `quant.json`
 * (src/quant/quant-json.ts: per-layer bits and folded weight scales, activation ranges,
 * schedule and λ), every history epoch has `quant: {schedule, regLoss, gridDistance, qat}`,
 * and a `weightHistograms` JSON artifact holds per-layer histograms of w/max|w_c| before
 * and after training.
 *
 * Version 2: the float training step runs on native fused BatchNorm/ReLU ops
 * (src/nn/ds-cnn-train.ts) instead of the layers' forward; rounding differs by ~1e-7, so
 * trained weights are not byte-identical to version 1's.
 * Version 3: BatchNorm momentum defaults to 0.9 (src/nn/ds-cnn-arch.ts), so a preset
 * architecture trains other weights than version 2 did.
 */
export const kind = 'train';
export const version = 3;
export const configSchema = trainStageConfigSchema;
/**
 * Upstream artifacts train reads (StageModule.reads): the features' train and validation
 * splits, a dnas stage's `architecture` and, with `initFrom: upstream`, a train stage's
 * `model`. Not the features' `test` split, so a change that touches only the test split keeps
 * this stage a cache hit.
 */
export const reads = ['train', 'validation', 'architecture', 'model'] as const;

/** Find an upstream artifact by name (the stage's `needs` decide which stages are searched). */
function requireInput(ctx: StageContext<unknown>, name: string): ArtifactRef {
  const a = findInput(ctx, name);
  if (!a) {
    throw new StageInputError(
      `stages.${ctx.stageName}: needs a stage that produces a "${name}" artifact (a features stage); found ${Object.keys(ctx.inputs).join(', ') || 'no inputs'}`,
    );
  }
  return a;
}

function toSet(t: FeatureTensor): TrainData['train'] {
  return { x: t.data, y: Int32Array.from(t.header.labelIndex), n: t.header.shape[0] as number };
}

async function loadTrainData(ctx: StageContext<TrainConfig>): Promise<{ data: TrainData; labels: readonly string[] }> {
  const train = readFeatureTensor(await ctx.fetchFile(requireInput(ctx, 'train')));
  const validation = readFeatureTensor(await ctx.fetchFile(requireInput(ctx, 'validation')));
  const [, frames, coeffs] = train.header.shape;
  if (frames === undefined || coeffs === undefined)
    throw new StageInputError(
      `train features: expected shape [N, frames, coefficients], got [${train.header.shape.join(', ')}]`,
    );
  if (validation.header.labels.join() !== train.header.labels.join())
    throw new StageInputError('train and validation features have different label lists');
  return {
    data: {
      train: toSet(train),
      validation: toSet(validation),
      shape: [frames, coeffs],
      numClasses: train.header.labels.length,
    },
    labels: train.header.labels,
  };
}

/** Weights of the upstream train stage's model (config `initFrom: upstream`, fine-tuning). */
async function loadUpstreamWeights(ctx: StageContext<TrainConfig>): Promise<NamedWeights[]> {
  const dir = await ctx.fetchDir(requireUpstream(ctx, 'model', 'train (initFrom: upstream)'));
  const model = await loadModelArtifacts(readModelDir(dir));
  try {
    return readWeights(model);
  } finally {
    model.dispose();
  }
}

async function run(ctx: StageContext<TrainConfig>): Promise<StageResult> {
  const config = await withSearchedArchitecture(ctx);
  const { data, labels } = await loadTrainData(ctx);
  const resumeFrom = await loadEpochCheckpoint(ctx, decodeCheckpoint);
  const initialWeights = config.initFrom === 'upstream' ? await loadUpstreamWeights(ctx) : undefined;
  let lastEpoch = 0;
  let bestVal = 0;

  const result = await trainModel(data, config, {
    rng: ctx.rng('train'),
    resumeFrom,
    ...(initialWeights === undefined ? {} : { initialWeights }),
    onStep: (step, total) =>
      ctx.progress({
        done: step,
        total,
        unit: 'steps',
        epoch: lastEpoch + 1,
        epochs: config.epochs,
        message: lastEpoch ? `best val_acc ${bestVal.toFixed(3)}` : undefined,
      }),
    onEpoch: async (epoch, m, checkpoint) => {
      lastEpoch = epoch;
      bestVal = Math.max(bestVal, m.valAccuracy);
      await saveEpochCheckpoint(
        ctx,
        epoch,
        `checkpoint-${epoch}.bin`,
        encodeCheckpoint(checkpoint()),
        'application/octet-stream',
      );
      ctx.log(
        `epoch ${epoch}: loss ${m.loss.toFixed(4)} acc ${m.accuracy.toFixed(3)} val_loss ${m.valLoss.toFixed(4)} val_acc ${m.valAccuracy.toFixed(3)}`,
      );
    },
  });

  try {
    const modelDir = path.join(ctx.workDir, 'model');
    fs.mkdirSync(modelDir, { recursive: true });
    const art = saveModelArtifacts(result.model);
    fs.writeFileSync(path.join(modelDir, MODEL_TOPOLOGY_FILE), art.topology);
    fs.writeFileSync(path.join(modelDir, MODEL_WEIGHTS_FILE), art.weights);
    fs.writeFileSync(path.join(modelDir, 'labels.json'), JSON.stringify({ labels, inputShape: data.shape }) + '\n');
    if (result.quant !== undefined)
      fs.writeFileSync(path.join(modelDir, QUANT_JSON_FILE), JSON.stringify(result.quant.quantJson, null, 1) + '\n');
    const macs = countMacs(result.architecture, data.shape, data.numClasses).total;
    const params = countParams(result.architecture, data.shape, data.numClasses).folded;
    const best = result.history[result.bestEpoch - 1];
    const history = {
      epochs: result.history.map((m, i) => ({ epoch: i + 1, ...m })),
      bestEpoch: result.bestEpoch,
      labels,
      architecture: result.architecture,
      macs,
      params,
      ...(result.quant === undefined
        ? {}
        : { quantization: { config: config.quantization, gridDistances: result.quant.gridDistances } }),
      // The exported model is the average, not the best epoch's weights (bestEpoch stays for reference).
      ...(result.averaged === undefined ? {} : { weightAveraging: result.averaged }),
    };
    const artifacts = [await ctx.storeDir('model', modelDir), await ctx.storeJson('history', history)];
    if (result.quant !== undefined)
      artifacts.push(await ctx.storeJson('weightHistograms', result.quant.weightHistograms));
    const bestValAccuracy = best?.valAccuracy ?? 0;
    // valAccuracy is the exported model's: the averaged one's with weightAveraging.
    const averaged = result.averaged;
    const valAccuracy = averaged?.valAccuracy ?? bestValAccuracy;
    return {
      artifacts,
      metrics: {
        valAccuracy,
        epochs: result.history.length,
        bestEpoch: result.bestEpoch,
        ...(averaged === undefined
          ? {}
          : {
              averagedValLoss: averaged.valLoss,
              averagingFromEpoch: averaged.fromEpoch,
              averagedSnapshots: averaged.snapshots,
              bestEpochValAccuracy: bestValAccuracy,
            }),
        trainSamplesPerSec: Math.round(result.trainSamplesPerSec),
        macsPerInference: macs,
        params,
      },
      summary:
        (averaged === undefined
          ? `${result.history.length} epochs, best ${result.bestEpoch}: val_acc ${valAccuracy.toFixed(3)}`
          : `${result.history.length} epochs, weights averaged over epochs ${averaged.fromEpoch}–${result.history.length} (${averaged.snapshots} ${averaged.every === 'step' ? 'steps' : 'epochs'}): val_acc ${valAccuracy.toFixed(3)} (best single epoch ${result.bestEpoch}: ${bestValAccuracy.toFixed(3)})`) +
        `; ${(macs / 1e6).toFixed(2)} M MAC, ${(params / 1e3).toFixed(1)} K params` +
        (result.quant === undefined ? '' : `; ${quantSummary(result.quant.quantJson)}`),
    };
  } finally {
    result.model.dispose();
  }
}

/**
 * An upstream `architecture` artifact (a `dnas` stage in `needs:`) replaces the config's
 * `architecture:`; the model is trained from scratch. Without one the config is unchanged.
 */
async function withSearchedArchitecture(ctx: StageContext<TrainConfig>): Promise<TrainConfig> {
  const ref = findInput(ctx, 'architecture');
  if (ref === undefined) return ctx.config;
  const doc = JSON.parse(fs.readFileSync(await ctx.fetchFile(ref), 'utf8')) as { architecture?: unknown };
  const parsed = architectureSchema.safeParse(doc.architecture);
  if (!parsed.success)
    throw new StageInputError(
      `stages.${ctx.stageName}: the upstream "architecture" artifact is not a DS-CNN architecture: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  ctx.log(
    `architecture from upstream dnas: first conv ${parsed.data.firstConv.filters}, blocks ${JSON.stringify(parsed.data.blocks)}`,
  );
  // The YAML's layer names were checked against its own `architecture:`; the searched one may
  // have fewer blocks (skipped) or more. Groups (depthwise, pointwise) fit any of them.
  const unknown =
    ctx.config.quantization === undefined ? [] : unknownBitOverrides(ctx.config.quantization.bits, parsed.data);
  if (unknown.length > 0)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.quantization.bits: ${unknown.map((k) => `"${k}"`).join(', ')} not a layer of the architecture the upstream dnas derived (${quantizableLayerNames(parsed.data).join(', ')}); name layers by group (depthwise, pointwise) to cover any searched architecture`,
    );
  return { ...ctx.config, architecture: parsed.data };
}

/** "bits 4/8 (4-bit: block1_pw, dense), QAT int8 from epoch 11, reg-n λ 0.0001 linear". */
function quantSummary(q: QuantJson): string {
  const byBits = new Map<number, string[]>();
  for (const [name, l] of Object.entries(q.layers)) byBits.set(l.bits, [...(byBits.get(l.bits) ?? []), name]);
  const widths = [...byBits.keys()].sort((a, b) => a - b);
  const low = widths.filter((b) => b !== 8).map((b) => `${b}-bit: ${byBits.get(b)!.join(', ')}`);
  const qat = q.qat.enabled ? `QAT from epoch ${q.qat.startEpoch}` : 'no QAT (calibrated ranges)';
  const reg =
    q.regularization.regularizer === 'none'
      ? 'no regularizer'
      : `${q.regularization.regularizer} λ ${q.regularization.lambda} ${q.regularization.schedule.type}`;
  return `bits ${widths.join('/')}${low.length > 0 ? ` (${low.join('; ')})` : ''}, ${qat}, ${reg}`;
}

/**
 * Implementation revision of `weightAveraging` (src/nn/weight-averaging.ts), in the cache key of
 * the configs that use it only, so a change of its output re-runs those trainings and no other.
 * Revision 2: BatchNorm statistics recomputed over shuffled, augmented batches instead of the
 * class-sorted file order (revision 1's models are 2–3 points worse; docs/results/2026-12-05-weight-averaging.md).
 */
export const WEIGHT_AVERAGING_REVISION = '2';

export const trainStage: StageModule<TrainConfig> = {
  kind,
  version,
  reads,
  description:
    'Train a DS-CNN keyword-spotting model on MFCC features (tfjs-node, native TensorFlow), resumable per epoch; optional regularized hybrid-bit quantization and int8 QAT',
  configSchema,
  toolVersions: async (config) => ({
    ...tfjsVersions(),
    ...(config?.weightAveraging === undefined ? {} : { 'tinyops/weight-averaging': WEIGHT_AVERAGING_REVISION }),
  }),
  run,
};
