/**
 * Accuracy of the simulated integer model (fake-quant forward with the quant.json ranges)
 * for float training + PTQ int8, QAT int8, and a {4, 8}-bit hybrid (thesis ch. 4: all
 * layers 4-bit except the first conv) with and without the Reg_4 regularizer and QAT, on
 * a small synthetic KWS set made by the real synth-kws and features stages (espeak-ng, MFCC),
 * plus the recipe of pipelines/kws.yaml's train-4bit stage: QAT fine-tuning of the float
 * model with 4-bit depthwise + pointwise layers. `pointsVsInt8` compares each variant with
 * float training + PTQ int8 on the same test clips. Prints one JSON line. Run on demand:
 *
 *   node dist/test/bench/qat-accuracy.bench.js [perKeyword=40] [epochs=12]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStageContext } from '../../activities/stage-context';
import { featuresStage } from '../../activities/features';
import { synthKwsStage } from '../../activities/synth-kws';
import type { StageResult } from '../../src/stage/stage-module';
import { readFeatureTensor } from '../../src/dsp/feature-tensor';
import { planDsCnn } from '../../src/nn/ds-cnn-arch';
import { QatNetwork } from '../../src/nn/qat/qat-network';
import type { NamedWeights } from '../../src/nn/checkpoint';
import { readWeights } from '../../src/nn/model-weights';
import { loadTf } from '../../src/nn/tf';
import { trainModel, type TrainResult } from '../../src/nn/train-loop';
import {
  quantizableLayerNames,
  resolveArchitecture,
  trainStageConfigSchema,
  type TrainStageConfig,
  type TrainStageConfigInput,
} from '../../src/nn/train-config';
import type { LabelledSet, TrainData } from '../../src/nn/train-data';
import { LocalStore } from '../../src/store/local-store';
import { Prng } from '../../src/util/prng';

const tf = loadTf();

async function makeData(dir: string, perKeyword: number): Promise<{ data: TrainData; test: LabelledSet }> {
  const store = new LocalStore(path.join(dir, 'store'));
  const ctx = <C>(stage: string, config: C, inputs: Record<string, StageResult>) =>
    createStageContext({
      pipelineName: 'bench',
      stageName: stage,
      runId: 'r',
      seed: 42,
      config,
      inputs: inputs as never,
      cacheKey: stage.padEnd(64, '0'),
      store,
      stateDir: path.join(dir, 'state'),
      onProgress: () => undefined,
      onLog: () => undefined,
    });
  const synthConfig = synthKwsStage.configSchema.parse({ perKeyword, streams: { count: 0 } });
  const data = await synthKwsStage.run(ctx('data', synthConfig, {}));
  const features = await featuresStage.run(
    ctx('features', featuresStage.configSchema.parse({ type: 'mfcc' }), { data }),
  );
  const read = async (name: string) => {
    const ref = features.artifacts.find((a) => a.name === name)!;
    const file = path.join(dir, `${name}.feat`);
    await store.getToFile(ref.sha256, file);
    return readFeatureTensor(file);
  };
  const [train, validation, test] = [await read('train'), await read('validation'), await read('test')];
  const set = (t: typeof train): LabelledSet => ({
    x: t.data,
    y: Int32Array.from(t.header.labelIndex),
    n: t.header.shape[0]!,
  });
  const shape: [number, number] = [train.header.shape[1]!, train.header.shape[2]!];
  return {
    data: { train: set(train), validation: set(validation), shape, numClasses: train.header.labels.length },
    test: set(test),
  };
}

function accuracy(logits: import('@tensorflow/tfjs-node').Tensor, y: Int32Array): number {
  const p = logits.argMax(1).dataSync();
  let c = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) c++;
  return c / y.length;
}

/** Float accuracy of the trained model and the accuracy of its fake-quant (integer-equivalent) network. */
function evaluate(
  r: TrainResult,
  config: TrainStageConfig,
  data: TrainData,
  test: LabelledSet,
): { float: number; quantized: number | null } {
  const x = tf.tensor4d(test.x, [test.n, data.shape[0], data.shape[1], 1]);
  const float = accuracy(r.model.predict(x) as import('@tensorflow/tfjs-node').Tensor, test.y);
  if (r.quant === undefined || config.quantization === undefined) return { float, quantized: null };
  const plan = planDsCnn(resolveArchitecture(config.architecture), data.shape, data.numClasses);
  const q = new QatNetwork(
    tf,
    { model: r.model, features: r.model, classifier: r.model.getLayer('dense'), plan },
    config.quantization,
  );
  q.ranges.set(
    Object.fromEntries(
      Object.entries(r.quant.quantJson.activations).map(([k, v]) => [k, { min: v.observedMin, max: v.observedMax }]),
    ),
  );
  const quantized = accuracy(q.forward(x, { quantize: true, observe: false }).logits, test.y);
  return { float, quantized };
}

async function main(): Promise<void> {
  const perKeyword = Number(process.argv[2] ?? 40);
  const epochs = Number(process.argv[3] ?? 12);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-qat-bench-'));
  try {
    const t0 = Date.now();
    const { data, test } = await makeData(dir, perKeyword);
    process.stderr.write(
      `data: ${data.train.n} train, ${data.validation.n} val, ${test.n} test clips (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
    const base: TrainStageConfigInput = {
      architecture: {
        firstConv: { filters: 32, kernel: [10, 4], stride: [2, 2] },
        blocks: { width: 32, depth: 3 },
        batchNorm: { momentum: 0.9 },
      },
      epochs,
      batchSize: 32,
      learningRate: { initial: 0.005, decay: 'cosine', final: 0.0001 },
    };
    const hybrid4 = { default: 4 as const, overrides: { conv0: 8 as const } };
    const variants: Array<[string, TrainStageConfigInput['quantization']]> = [
      ['float + PTQ int8', { regularizer: 'none', qat: false }],
      ['QAT int8', { regularizer: 'none', qat: true }],
      ['4-bit hybrid PTQ, no regularizer', { bits: hybrid4, regularizer: 'none', qat: false }],
      [
        '4-bit hybrid PTQ, Reg_4 linear schedule',
        { bits: hybrid4, regularizer: 'reg-n', lambda: 1e-4, schedule: { type: 'linear' }, qat: false },
      ],
      ['4-bit hybrid QAT, no regularizer', { bits: hybrid4, regularizer: 'none', qat: true }],
      [
        '4-bit hybrid QAT, Reg_4 linear schedule',
        { bits: hybrid4, regularizer: 'reg-n', lambda: 1e-4, schedule: { type: 'linear' }, qat: true },
      ],
    ];
    // The recipe pipelines/kws.yaml uses (train-4bit): QAT fine-tuning of the float-trained
    // model (variant 1's weights) with 4-bit depthwise and pointwise layers, conv0 and dense
    // int8, Reg_4 λ 1e-4 linear, for a third of the epochs at half the learning rate.
    const dwPw4 = {
      default: 8 as const,
      overrides: Object.fromEntries(
        quantizableLayerNames(trainStageConfigSchema.parse(base).architecture)
          .filter((l) => /_(dw|pw)$/.test(l))
          .map((l) => [l, 4 as const]),
      ),
    };
    const fineTune: TrainStageConfigInput = {
      ...base,
      epochs: Math.max(2, Math.round(epochs / 3)),
      learningRate: { initial: 0.0025, decay: 'cosine', final: 0.0001 },
      initFrom: 'upstream',
      quantization: {
        bits: dwPw4,
        regularizer: 'reg-n',
        lambda: 1e-4,
        schedule: { type: 'linear' },
        qat: true,
        qatStartEpoch: 1,
      },
    };
    const results: Record<string, unknown>[] = [];
    let floatWeights: NamedWeights[] | undefined;
    let int8Accuracy: number | undefined;
    for (const [name, quantization] of [
      ...variants,
      ['4-bit dw+pw QAT fine-tuned from the float model', undefined] as const,
    ]) {
      const tuning = quantization === undefined;
      const config = trainStageConfigSchema.parse(tuning ? fineTune : { ...base, quantization });
      const t = Date.now();
      const r = await trainModel(data, config, {
        rng: Prng.derive('qat-bench'),
        ...(tuning && floatWeights ? { initialWeights: floatWeights } : {}),
      });
      if (floatWeights === undefined) floatWeights = readWeights(r.model);
      const acc = evaluate(r, config, data, test);
      const last = r.history[r.history.length - 1]!;
      int8Accuracy ??= acc.quantized ?? undefined;
      results.push({
        variant: name,
        testAccuracyFloatGraph: +acc.float.toFixed(4),
        testAccuracyFakeQuant: acc.quantized === null ? null : +acc.quantized.toFixed(4),
        // Points against the first variant (float training + PTQ int8), on the same test clips.
        pointsVsInt8:
          acc.quantized === null || int8Accuracy === undefined
            ? null
            : +((acc.quantized - int8Accuracy) * 100).toFixed(2),
        bestEpoch: r.bestEpoch,
        valAccuracyBest: +r.history[r.bestEpoch - 1]!.valAccuracy.toFixed(4),
        meanGridDistance:
          r.quant === undefined
            ? null
            : +(
                Object.values(r.quant.gridDistances).reduce((a, b) => a + b, 0) /
                Object.keys(r.quant.gridDistances).length
              ).toFixed(4),
        finalRegLoss: last.quant?.regLoss ?? null,
        seconds: Math.round((Date.now() - t) / 1000),
      });
      process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
      r.model.dispose();
    }
    process.stdout.write(
      `${JSON.stringify({ bench: 'qat-accuracy', perKeyword, epochs, train: data.train.n, test: test.n, results })}\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
