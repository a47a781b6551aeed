import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../src/errors';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import { frontEndInput } from '../src/quant/front-end-input';
import { loadModelArtifacts, readModelDir } from '../src/nn/model-artifacts';
import { predict } from '../src/nn/predict';
import { accuracy, argmaxPerRow, confusionMatrix } from '../src/eval';
import { integerAccuracy } from '../src/eval/integer-accuracy';
import { calibrateRanges } from '../src/quant/calibrate';
import { readFloatGraph, weightsByName, type WeightSpec } from '../src/quant/float-graph';
import {
  countMacs,
  encodeIntModel,
  packedWeightBytes,
  INT_MODEL_MEDIA_TYPE,
  type IntModel,
} from '../src/quant/int-model';
import { quantizeFloatGraph, type ActivationRange, type WeightBitWidth } from '../src/quant/quantize-graph';
import { loadQuantJson } from '../src/quant/quant-json';
import { didYouMean } from '../src/spec/suggest';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { requireUpstream } from '../src/stage/inputs';
import { PartTimer } from '../src/util/part-timer';

/**
 * `quantize`: trained float model → integer model (src/quant/int-model.ts), TFLite int8 scheme
 * with optional 4-/2-bit layers (thesis ch. 4 hybrid bits). BatchNorm is folded into the
 * convs (src/quant/float-graph.ts); activation ranges come from post-training calibration on a
 * seeded sample of the training split — or, when the model was trained with `quantization:`
 * (its tar has a quant.json), the per-layer bits and the QAT-tracked activation ranges that
 * training simulated, so the integer model is the network QAT optimized. The integer model is then run with the host integer
 * reference (src/nn/int-reference) on the test split: `intAccuracy` is the accuracy the board
 * will have (the firmware is bit-exact with that reference, checked by `deploy`).
 *
 * Inputs: `model` (train), `train` + `test` features. Output: `int-model` (JSON).
 */
export const kind = 'quantize';
export const version = 3; // 2: the integer model records its front end; 3: bits and QAT ranges from quant.json

const bitWidth = z.union([z.literal(2), z.literal(4), z.literal(8)]);

export const quantizeConfigSchema = z.strictObject({
  weightBits: bitWidth.default(8).meta({ description: 'Default weight bit width of every layer (2, 4 or 8).' }),
  layerBits: z.record(z.string(), bitWidth).default({}).meta({
    description:
      'Per-layer weight bit widths by layer name (conv0, block1_dw, block1_pw, ..., dense), thesis ch. 4 hybrid bits.',
  }),
  calibrationSamples: z
    .number()
    .int()
    .positive()
    .default(1000)
    .meta({ description: 'Training examples used to observe activation ranges.' }),
  batchSize: z
    .number()
    .int()
    .positive()
    .default(256)
    .meta({ description: 'Inference batch size for calibration and for scoring the test split.' }),
});
export type QuantizeConfig = z.output<typeof quantizeConfigSchema>;

/** A seeded subset of `t`'s rows (all of them when it has fewer). */
function sampleRows(t: FeatureTensor, count: number, pick: (n: number) => number[]): Float32Array {
  const n = t.header.shape[0] as number;
  const size = t.data.length / Math.max(1, n);
  const rows =
    count >= n
      ? [...Array(n).keys()]
      : pick(n)
          .slice(0, count)
          .sort((a, b) => a - b);
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => out.set(t.data.subarray(r * size, (r + 1) * size), i * size));
  return out;
}

async function run(ctx: StageContext<QuantizeConfig>): Promise<StageResult> {
  const config = ctx.config;
  const modelDir = await ctx.fetchDir(requireUpstream(ctx, 'model', 'train'));
  const train = readFeatureTensor(await ctx.fetchFile(requireUpstream(ctx, 'train', 'features')));
  const test = readFeatureTensor(await ctx.fetchFile(requireUpstream(ctx, 'test', 'features')));
  const frontEnd = frontEndInput(test.header.frontEnd);
  if (frontEnd.implementation !== 'fixed') {
    throw new StageInputError(
      `stages.${ctx.stageName}: the features stage must use implementation: fixed (the board runs the fixed-point front end), got "${frontEnd.implementation}"`,
    );
  }
  const shape = frontEnd.shape;
  const labels = test.header.labels;

  const blobs = readModelDir(modelDir);
  const topology = JSON.parse(blobs.topology) as { modelTopology: unknown; weightSpecs: WeightSpec[] };
  const graph = readFloatGraph(topology.modelTopology, weightsByName(topology.weightSpecs, blobs.weights));

  const weighted = graph.ops
    .filter((o) => o.kind === 'conv2d' || o.kind === 'depthwise_conv2d' || o.kind === 'fully_connected')
    .map((o) => o.name);
  for (const layer of Object.keys(config.layerBits)) {
    if (!weighted.includes(layer)) {
      throw new StageInputError(
        `stages.${ctx.stageName}.with.layerBits: unknown layer "${layer}"${didYouMean(layer, weighted, 'layers with weights')}`,
      );
    }
  }
  // A model trained with quantization: its quant.json fixes the bits (and, with QAT, the ranges).
  const trained = loadQuantJson(modelDir);
  if (trained && (Object.keys(config.layerBits).length > 0 || config.weightBits !== 8)) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with: the model was trained with quantization, so its per-layer bits come from training (quant.json); remove weightBits/layerBits here or the train stage's quantization block`,
    );
  }
  for (const [layer, l] of Object.entries(trained?.layers ?? {})) {
    if (l.bits === 1)
      throw new StageInputError(
        `layer ${layer} was trained with 1-bit weights; the firmware has 2-, 4- and 8-bit kernels (set its bits to 2 or more in the train stage's quantization block)`,
      );
  }
  const bitsFor = (layer: string): WeightBitWidth =>
    trained ? ((trained.layers[layer]?.bits ?? 8) as WeightBitWidth) : (config.layerBits[layer] ?? config.weightBits);
  const qatRanges = trained?.qat.enabled === true;

  const timer = new PartTimer(); // where the time goes, in the log
  const model = await loadModelArtifacts(blobs);
  let intModel: IntModel;
  let floatAccuracy: number;
  try {
    const calib = sampleRows(train, config.calibrationSamples, (n) =>
      ctx.rng('calibration').shuffle([...Array(n).keys()]),
    );
    const names = graph.ops.map((o) => o.output);
    const ranges = await calibrateRanges(model, graph.input, names, calib, shape, (done, total) =>
      ctx.progress({ done, total, unit: 'examples', message: 'calibrating activation ranges' }),
    );
    // QAT ranges are the ones training simulated; calibration fills any tensor they lack.
    const merged = new Map<string, ActivationRange>(ranges);
    if (qatRanges)
      for (const [name, r] of Object.entries(trained!.activations)) merged.set(name, { min: r.min, max: r.max });
    timer.lap('calibration');
    intModel = {
      ...quantizeFloatGraph(graph, merged, { labels, frontEndScale: 1 / 32, bitsFor }),
      frontEnd: test.header.frontEnd,
    };
    const post = await predict(model, test.data, shape, config.batchSize);
    floatAccuracy =
      (test.header.shape[0] as number) > 0
        ? accuracy(confusionMatrix(test.header.labelIndex, argmaxPerRow(post, labels.length), labels.length))
        : 0;
    timer.lap('floatTestSplit');
  } finally {
    model.dispose();
  }

  // The integer model on the test split, with the exact arithmetic the firmware uses.
  const n = test.header.shape[0] as number;
  const { accuracy: intAccuracy } = await integerAccuracy(intModel, test, (done, total) =>
    ctx.progress({ done, total, unit: 'clips', message: 'integer reference on the test split' }),
  );

  timer.lap('integerTestSplit');
  ctx.log(`time: ${timer.summary()}`);
  const file = path.join(ctx.workDir, 'int-model.json');
  fs.writeFileSync(file, encodeIntModel(intModel));
  const artifact = await ctx.storeFile('int-model', file, INT_MODEL_MEDIA_TYPE);
  const weightBytes = packedWeightBytes(intModel);
  const int8WeightBytes = intModel.ops.reduce((s, o) => s + ('weights' in o ? o.weights.length : 0), 0);
  const macs = countMacs(intModel);
  const bitsUsed = [...new Set(intModel.ops.flatMap((o) => ('weightBits' in o ? [o.weightBits] : [])))].sort(
    (a, b) => a - b,
  );
  return {
    artifacts: [artifact],
    metrics: {
      intAccuracy,
      floatAccuracy,
      accuracyDrop: floatAccuracy - intAccuracy,
      weightBytes,
      int8WeightBytes,
      macsPerInference: macs,
      calibrationSamples: Math.min(config.calibrationSamples, train.header.shape[0] as number),
      rangeSource: qatRanges ? 'qat' : 'calibration',
      ...timer.metrics(),
    },
    summary: `${bitsUsed.join('/')}-bit weights ${(weightBytes / 1024).toFixed(1)} KB; test acc float ${(floatAccuracy * 100).toFixed(1)}% → integer ${(intAccuracy * 100).toFixed(1)}% (${n} clips)`,
  };
}

export const quantizeStage: StageModule<QuantizeConfig> = {
  kind,
  version,
  description:
    'Quantize a trained model to the integer model the firmware runs (TFLite int8 scheme, optional 4/2-bit layers), with its test accuracy on the host integer reference',
  configSchema: quantizeConfigSchema,
  run,
};
