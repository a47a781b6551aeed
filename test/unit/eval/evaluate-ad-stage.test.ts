import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateAdStage, type EvaluateAdConfig } from '../../../activities/evaluate-ad';
import type { StageContext } from '../../../src/stage/stage-module';
import { readFeatureTensor, writeFeatureTensor } from '../../../src/dsp/feature-tensor';
import { StageInputError } from '../../../src/errors';
import { auc } from '../../../src/eval/auc';
import { buildDsCnn } from '../../../src/nn/ds-cnn';
import { MODEL_TOPOLOGY_FILE, MODEL_WEIGHTS_FILE, saveModelArtifacts } from '../../../src/nn/model-artifacts';
import { predict } from '../../../src/nn/predict';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { Prng } from '../../../src/util/prng';

const SHAPE: [number, number] = [8, 8];
const LABELS = ['fan/id_00', 'fan/id_02'];

describe('evaluate-ad stage', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'evaluate-ad-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  type FeatureTensor = ReturnType<typeof readFeatureTensor>;
  /** The integer log-mel features the stage wrote for its train, validation and test splits. */
  function readIntSplits(): [FeatureTensor, FeatureTensor, FeatureTensor] {
    const read = (split: string) => readFeatureTensor(join(root, `${split}-logmel-int.topsfeat`));
    return [read('train'), read('validation'), read('test')];
  }

  function setUp(
    frontEndType: string | Record<string, unknown>,
    config: Record<string, unknown> = {},
    extraInputs: Record<string, { artifacts: ArtifactRef[]; metrics: Record<string, never> }> = {},
    dirs: Record<string, string> = {},
  ) {
    const net = buildDsCnn(
      {
        firstConv: { filters: 4, kernel: [3, 3], stride: [1, 1] },
        blocks: [{ filters: 4, stride: [2, 2] }],
        skip: false,
        dropout: 0,
        batchNorm: { momentum: 0.9, epsilon: 0.001 },
      },
      { inputShape: SHAPE, numClasses: 2, initRng: Prng.derive('evaluate-ad-model') },
    );
    const tag = typeof frontEndType === 'string' ? frontEndType : 'logmel-int';
    const frontEnd = typeof frontEndType === 'string' ? { type: frontEndType } : frontEndType;
    const modelDir = join(root, `model-${tag}`);
    mkdirSync(modelDir, { recursive: true });
    const art = saveModelArtifacts(net.model);
    writeFileSync(join(modelDir, MODEL_TOPOLOGY_FILE), art.topology);
    writeFileSync(join(modelDir, MODEL_WEIGHTS_FILE), art.weights);
    // Two patches per clip; per ID 3 normal and 2 abnormal test clips, 2 validation normals.
    const rng = Prng.derive('evaluate-ad-features');
    const files: Record<string, string> = {};
    const clipsOf = (split: string): string[] =>
      split === 'test'
        ? LABELS.flatMap((l) =>
            [0, 1, 2]
              .map((i) => `${l}/normal/test_${i}.wav`)
              .concat([0, 1].map((i) => `${l}/abnormal/test_${i}_rattle.wav`)),
          )
        : LABELS.flatMap((l) =>
            [0, 1, 2, 3].slice(0, split === 'train' ? 4 : 2).map((i) => `${l}/normal/${split}_${i}.wav`),
          );
    for (const split of ['test', 'validation', 'train']) {
      const clips = clipsOf(split).flatMap((c) => [c, c]);
      const data = Float32Array.from(
        { length: clips.length * 64 },
        (_, i) => rng.normal() * (clips[Math.floor(i / 64)]!.includes('abnormal') ? 3 : 1),
      );
      files[split] = join(root, `${split}-${tag}.topsfeat`);
      writeFeatureTensor(
        files[split]!,
        {
          shape: [clips.length, 8, 8],
          split,
          labels: LABELS,
          frontEnd,
          labelIndex: clips.map((c) => (c.startsWith('fan/id_00') ? 0 : 1)),
          clips,
        },
        data,
      );
    }
    const ref = (name: string): ArtifactRef => ({
      name,
      mediaType: 'x',
      sha256: name.padEnd(64, '0'),
      bytes: 1,
      uri: `file://${name}`,
    });
    const stored: Record<string, unknown> = {};
    const unused = async (): Promise<never> => {
      throw new Error('unused');
    };
    const ctx: StageContext<EvaluateAdConfig> = {
      pipelineName: 'ad',
      stageName: 'evaluate',
      runId: 'r',
      seed: 1,
      config: evaluateAdStage.configSchema.parse(config),
      inputs: {
        features: { artifacts: [ref('test'), ref('validation'), ref('train')], metrics: {} },
        train: { artifacts: [ref('model')], metrics: {} },
        ...extraInputs,
      },
      workDir: root,
      rng: (...p) => Prng.derive(1, ...p),
      progress: () => undefined,
      loadCheckpoint: async () => undefined,
      saveCheckpoint: async () => undefined,
      storeFile: unused,
      storeDir: unused,
      storeJson: async (name, value) => {
        stored[name] = value;
        return ref(name);
      },
      fetchFile: async (r) => files[r.name]!,
      fetchDir: async (r) => dirs[r.name] ?? modelDir,
      log: () => undefined,
    };
    return { ctx, stored, net, files, ref };
  }

  /** Quantizes the set-up model (writing the int model to intFile), then runs evaluate-ad with it as the quantize input. */
  async function quantizeThenEvaluate(base: ReturnType<typeof setUp>, intFile: string) {
    await quantizeTo(base, intFile);
    return evaluateWithInt(base, intFile);
  }

  /** Quantizes the set-up model, writing the int model to intFile. */
  async function quantizeTo(base: ReturnType<typeof setUp>, intFile: string): Promise<void> {
    const { quantizeStage } = await import('../../../activities/quantize');
    await quantizeStage.run({
      ...base.ctx,
      stageName: 'quantize',
      config: quantizeStage.configSchema.parse({ calibrationSamples: 16 }),
      inputs: {
        features: { artifacts: [base.ref('train'), base.ref('test')], metrics: {} },
        train: { artifacts: [base.ref('model')], metrics: {} },
      },
      storeFile: async (name: string, path: string) => {
        writeFileSync(intFile, readFileSync(path));
        return base.ref(name);
      },
    } as unknown as Parameters<typeof quantizeStage.run>[0]);
  }

  /** Runs evaluate-ad with intFile as the quantize input (and `config` instead of the set-up one if given). */
  function evaluateWithInt(base: ReturnType<typeof setUp>, intFile: string, config?: Record<string, unknown>) {
    return evaluateAdStage.run({
      ...base.ctx,
      ...(config ? { config: evaluateAdStage.configSchema.parse(config) } : {}),
      inputs: { ...base.ctx.inputs, quantize: { artifacts: [base.ref('int-model')], metrics: {} } },
      fetchFile: async (ref) => (ref.name === 'int-model' ? intFile : base.ctx.fetchFile(ref)),
    });
  }

  it('scores test clips by mean −log p(true ID) and reports AUC / pAUC per ID, per type and overall', async () => {
    const { ctx, stored, net } = setUp('logmel');
    const r = await evaluateAdStage.run(ctx);
    // Independent check for fan/id_00: the model's posteriors → clip scores → AUC.
    const test = readFeatureTensor(join(root, 'test-logmel.topsfeat'));
    const post = await predict(net.model, test.data, SHAPE);
    const score = (clip: string): number => {
      const rows = test.header.clips.flatMap((c, i) => (c === clip ? [i] : []));
      return (
        rows.reduce((s, i) => s - Math.log(Math.max(post[2 * i + test.header.labelIndex[i]!]!, 1e-7)), 0) / rows.length
      );
    };
    const normal = [0, 1, 2].map((i) => score(`fan/id_00/normal/test_${i}.wav`));
    const abnormal = [0, 1].map((i) => score(`fan/id_00/abnormal/test_${i}_rattle.wav`));
    const ev = stored.evaluation as {
      ids: Array<{ id: string; auc: number; roc: unknown[]; threshold?: number; tpr?: number }>;
      clips: unknown[];
    };
    expect(ev.ids[0]!.id).toBe('id_00');
    expect(ev.ids[0]!.auc).toBeCloseTo(auc(normal, abnormal), 6);
    expect(ev.ids[0]!.threshold).toEqual(expect.any(Number));
    expect(ev.clips).toHaveLength(10);
    expect(r.metrics).toMatchObject({ machineIds: 2, testClips: 10 });
    expect(r.metrics.auc).toBeCloseTo((ev.ids[0]!.auc + ev.ids[1]!.auc) / 2, 12);
    expect(r.metrics['auc.fan']).toBe(r.metrics.auc);
    expect(r.summary).toMatch(/^AUC \d+\.\d\d%, pAUC \d+\.\d\d% \(p = 0\.1\) over 2 machine IDs; fan /);
    net.model.dispose();
  });

  it('with score embedding-mahalanobis, scores by the pooled features against per-ID Gaussians of the training patches', async () => {
    const { ctx, stored, net } = setUp('logmel', { score: 'embedding-mahalanobis', shrinkage: 0.5 });
    const r = await evaluateAdStage.run(ctx);
    const { pooledFeatures, fitIdGaussians, embeddingClipScores } = await import('../../../src/eval/embedding-scores');
    const train = readFeatureTensor(join(root, 'train-logmel.topsfeat'));
    const test = readFeatureTensor(join(root, 'test-logmel.topsfeat'));
    const et = await pooledFeatures(net.model, train.data, SHAPE);
    const g = fitIdGaussians(et.values, et.dim, train.header.labelIndex, 2, 0.5);
    const es = await pooledFeatures(net.model, test.data, SHAPE);
    const expected = embeddingClipScores(test.header, es.values, es.dim, g);
    const ev = stored.evaluation as { score: string; clips: Array<{ clip: string; score: number }> };
    expect(ev.score).toBe('embedding-mahalanobis');
    for (const c of expected) expect(ev.clips.find((x) => x.clip === c.clip)!.score).toBeCloseTo(c.score, 4);
    expect(r.metrics.auc).toEqual(expect.any(Number));
    expect(r.metrics.baselineAuc).toBeUndefined();
    net.model.dispose();
  });

  it('with a train-ae stage in needs:, reports the FC-autoencoder baseline as baselineAuc / baselinePauc', async () => {
    const { trainAeStage } = await import('../../../activities/train-ae');
    const { anomalyMetrics } = await import('../../../src/eval/auc');
    const { autoencoderClipScores } = await import('../../../src/eval/autoencoder-scores');
    const { readAutoencoderDir, disposeAutoencoders } = await import('../../../src/nn/fc-autoencoder-artifact');
    const aeDir = join(root, 'ae-out');
    const base = setUp('logmel');
    base.net.model.dispose();
    // Train the baseline with the train-ae stage itself on the fixture's train split.
    const aeCtx = {
      ...base.ctx,
      stageName: 'baseline',
      config: trainAeStage.configSchema.parse({ context: 3, hidden: [8], bottleneck: 2, epochs: 2, batchSize: 16 }),
      inputs: { features: { artifacts: [base.ref('train')], metrics: {} } },
      workDir: join(root, 'ae-work'),
      storeDir: async (name: string, dir: string) => {
        rmSync(aeDir, { recursive: true, force: true });
        const { cpSync } = await import('node:fs');
        cpSync(dir, aeDir, { recursive: true });
        return base.ref(name);
      },
    } as unknown as Parameters<typeof trainAeStage.run>[0];
    const aeResult = await trainAeStage.run(aeCtx);
    expect(aeResult.metrics).toMatchObject({ machineTypes: 1, inputDim: 24 });
    const { ctx, stored, net } = setUp(
      'logmel',
      {},
      { baseline: { artifacts: [base.ref('autoencoder')], metrics: {} } },
      { autoencoder: aeDir },
    );
    const r = await evaluateAdStage.run(ctx);
    const ae = await readAutoencoderDir(aeDir);
    const test = readFeatureTensor(join(root, 'test-logmel.topsfeat'));
    const expected = anomalyMetrics(await autoencoderClipScores(test.header, test.data, ae), 0.1);
    disposeAutoencoders(ae);
    expect(r.metrics.baselineAuc).toBeCloseTo(expected.auc, 6);
    expect(r.metrics.baselinePauc).toBeCloseTo(expected.pauc, 6);
    expect((stored.evaluation as { baseline: { auc: number } }).baseline.auc).toBeCloseTo(expected.auc, 6);
    expect(r.summary).toMatch(/FC-AE baseline/);
    net.model.dispose();
  });

  it("with a quantize stage in needs:, reports the integer model's AUC (intAuc) from the host integer reference", async () => {
    const { decodeIntModel } = await import('../../../src/quant/int-model');
    const { integerOutputs } = await import('../../../src/eval/integer-posteriors');
    const { clipAnomalyScores } = await import('../../../src/eval/anomaly-scores');
    const { anomalyMetrics } = await import('../../../src/eval/auc');
    // An 8×8 log-mel patch front end, so quantize can check the model input against it.
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const base = setUp(frontEnd);
    const intFile = join(root, 'int-model.json');
    const r = await quantizeThenEvaluate(base, intFile);
    const intModel = decodeIntModel(readFileSync(intFile, 'utf8'));
    const test = readFeatureTensor(join(root, 'test-logmel-int.topsfeat'));
    const out = await integerOutputs(intModel, test.data, test.header.shape[0] as number);
    const expected = anomalyMetrics(clipAnomalyScores(test.header, out.posteriors, 'neg-log-prob'), 0.1);
    expect(r.metrics.intAuc).toBeCloseTo(expected.auc, 12);
    expect(r.metrics.intPauc).toBeCloseTo(expected.pauc, 12);
    expect(r.summary).toMatch(/integer model AUC \d+\.\d\d%/);
    base.net.model.dispose();
  });

  it("embedding score: intAuc from the host-compiled C, its Gaussians fitted on the integer model's own training embeddings (same bytes as the TypeScript reference)", async () => {
    const { decodeIntModel } = await import('../../../src/quant/int-model');
    const { integerOutputs, integerOutputsHost } = await import('../../../src/eval/integer-posteriors');
    const { embeddingClipScores, fitIdGaussians } = await import('../../../src/eval/embedding-scores');
    const { anomalyMetrics } = await import('../../../src/eval/auc');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const base = setUp(frontEnd, { score: 'embedding-mahalanobis' });
    const intFile = join(root, 'int-model-emb.json');
    const r = await quantizeThenEvaluate(base, intFile);
    const intModel = decodeIntModel(readFileSync(intFile, 'utf8'));
    const test = readFeatureTensor(join(root, 'test-logmel-int.topsfeat'));
    const train = readFeatureTensor(join(root, 'train-logmel-int.topsfeat'));
    const n = (t: typeof test): number => t.header.shape[0] as number;
    // The compiled C and the TypeScript reference give the same codes (posteriors and pooled features).
    const [tsTest, cTest, tsTrain] = [
      await integerOutputs(intModel, test.data, n(test)),
      await integerOutputsHost(intModel, test.data, n(test)),
      await integerOutputs(intModel, train.data, n(train)),
    ];
    expect(cTest.pooledDim).toBeGreaterThan(0);
    expect(Array.from(cTest.posteriors)).toEqual(Array.from(tsTest.posteriors));
    expect(Array.from(cTest.pooled)).toEqual(Array.from(tsTest.pooled));
    const gaussians = fitIdGaussians(tsTrain.pooled, tsTrain.pooledDim, train.header.labelIndex, LABELS.length, 0.01);
    const expected = anomalyMetrics(embeddingClipScores(test.header, tsTest.pooled, tsTest.pooledDim, gaussians), 0.1);
    expect(r.metrics.intAuc).toBeCloseTo(expected.auc, 12);
    expect(r.metrics.intPauc).toBeCloseTo(expected.pauc, 12);
    base.net.model.dispose();
  });

  it('embeddingLayer conv0: float scores from conv0 embeddings, intAuc from the integer conv0 output (C = TypeScript), recorded in the evaluation', async () => {
    const { decodeIntModel } = await import('../../../src/quant/int-model');
    const { integerOutputs, integerOutputsHost } = await import('../../../src/eval/integer-posteriors');
    const { embeddingClipScores, fitIdGaussians, layerEmbeddings } = await import('../../../src/eval/embedding-scores');
    const { anomalyMetrics } = await import('../../../src/eval/auc');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const base = setUp(frontEnd, { score: 'embedding-mahalanobis', embeddingLayer: 'conv0', shrinkage: 0.1 });
    const intFile = join(root, 'int-model-conv0.json');
    const stored = base.stored;
    const r = await quantizeThenEvaluate(base, intFile);
    const test = readFeatureTensor(join(root, 'test-logmel-int.topsfeat'));
    const train = readFeatureTensor(join(root, 'train-logmel-int.topsfeat'));
    // Float: conv0 embeddings (4 channels) against Gaussians of the training patches' conv0 embeddings.
    const et = await layerEmbeddings(base.net.model, train.data, SHAPE, 'conv0');
    expect(et.dim).toBe(4);
    const g = fitIdGaussians(et.values, et.dim, train.header.labelIndex, 2, 0.1);
    const es = await layerEmbeddings(base.net.model, test.data, SHAPE, 'conv0');
    const expected = anomalyMetrics(embeddingClipScores(test.header, es.values, es.dim, g), 0.1);
    expect(r.metrics.auc).toBeCloseTo(expected.auc, 6);
    const ev = stored.evaluation as { score: string; embeddingLayer: string };
    expect(ev).toMatchObject({ score: 'embedding-mahalanobis', embeddingLayer: 'conv0' });
    // Integer: the conv0 op's int8 output [8, 8, 4], averaged per channel, dequantized; C = TS.
    const intModel = decodeIntModel(readFileSync(intFile, 'utf8'));
    const n = (t: typeof test): number => t.header.shape[0] as number;
    const tsTest = await integerOutputs(intModel, test.data, n(test), undefined, 'conv0');
    const cTest = await integerOutputsHost(intModel, test.data, n(test), undefined, 'conv0');
    expect(tsTest.pooledDim).toBe(4);
    expect(Array.from(cTest.pooled)).toEqual(Array.from(tsTest.pooled));
    // On the normal patches the integer embedding is the float one up to quantization error
    // (the 3× louder anomalous fixture patches saturate the 16-patch calibration range).
    const spread = Math.max(...Array.from(es.values)) - Math.min(...Array.from(es.values));
    test.header.clips.forEach((clip, row) => {
      if (clip.includes('abnormal')) return;
      for (let c = 0; c < 4; c++)
        expect(Math.abs(tsTest.pooled[row * 4 + c]! - es.values[row * 4 + c]!)).toBeLessThan(0.05 * spread);
    });
    const tsTrain = await integerOutputs(intModel, train.data, n(train), undefined, 'conv0');
    const gi = fitIdGaussians(tsTrain.pooled, tsTrain.pooledDim, train.header.labelIndex, 2, 0.1);
    const intExpected = anomalyMetrics(embeddingClipScores(test.header, tsTest.pooled, 4, gi), 0.1);
    expect(r.metrics.intAuc).toBeCloseTo(intExpected.auc, 12);
    expect(r.metrics.intPauc).toBeCloseTo(intExpected.pauc, 12);
    base.net.model.dispose();
  });

  it('runs the integer model on the training, validation and test patches with one host build of its C; none without an integer term', async () => {
    const { decodeIntModel } = await import('../../../src/quant/int-model');
    const { integerOutputs } = await import('../../../src/eval/integer-posteriors');
    const { embeddingPatchScores, fitIdGaussians } = await import('../../../src/eval/embedding-scores');
    const { patchNegLogProbs } = await import('../../../src/eval/anomaly-scores');
    const { clipMeanScores, standardizedPatchScores } = await import('../../../src/eval/combined-scores');
    const { anomalyMetrics } = await import('../../../src/eval/auc');
    const { HostIntModel, HostModelError } = await import('../../../src/nn/host-int-model');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const config = {
      score: 'combined',
      combine: ['embedding-mahalanobis', 'neg-log-prob'],
      embeddingLayer: 'conv0',
      shrinkage: 0.1,
    };
    const base = setUp(frontEnd, config);
    const intFile = join(root, 'int-model-one-build.json');
    await quantizeTo(base, intFile);
    const build = jest.spyOn(HostIntModel, 'build');
    const dispose = jest.spyOn(HostIntModel.prototype, 'dispose');
    try {
      const r = await evaluateWithInt(base, intFile);
      // One gcc build for the three feature files (it used to be one each), removed once all ran.
      expect(build).toHaveBeenCalledTimes(1);
      expect(dispose).toHaveBeenCalledTimes(1);
      // intAuc is the detector of the interpreted integer reference on each file.
      const intModel = decodeIntModel(readFileSync(intFile, 'utf8'));
      const [train, validation, test] = readIntSplits();
      const out = async (t: typeof test) =>
        integerOutputs(intModel, t.data, t.header.shape[0] as number, undefined, 'conv0');
      const [oTrain, oVal, oTest] = [await out(train), await out(validation), await out(test)];
      const g = fitIdGaussians(oTrain.pooled, oTrain.pooledDim, train.header.labelIndex, 2, 0.1);
      const parts = (t: typeof test, o: typeof oTest) => [
        embeddingPatchScores(t.header.labelIndex, o.pooled, o.pooledDim, g),
        patchNegLogProbs(t.header, o.posteriors),
      ];
      const [pv, pt] = [parts(validation, oVal), parts(test, oTest)];
      const z = standardizedPatchScores(
        ['e', 'n'].map((name, k) => ({ name, validation: pv[k]!, scored: pt[k]! })),
        test.header.labelIndex,
        validation.header.labelIndex,
        LABELS,
      );
      const sum = z[0]!.map((v, i) => v + z[1]![i]!);
      const expected = anomalyMetrics(clipMeanScores(test.header, sum), 0.1);
      expect(r.metrics.intAuc).toBeCloseTo(expected.auc, 12);
      expect(r.metrics.intPauc).toBeCloseTo(expected.pauc, 12);
      // A score of log-mel terms alone runs no integer model: no build.
      await evaluateWithInt(base, intFile, { score: 'frame-mahalanobis', shrinkage: 0.1, frameContext: 3 });
      expect(build).toHaveBeenCalledTimes(1);
      // A build error fails the stage with the build's message; nothing is left to remove.
      build.mockRejectedValueOnce(new HostModelError('host build of the integer model (gcc) failed: test'));
      await expect(evaluateWithInt(base, intFile)).rejects.toThrow('(gcc) failed: test');
      expect(dispose).toHaveBeenCalledTimes(1);
    } finally {
      build.mockRestore();
      dispose.mockRestore();
      base.net.model.dispose();
    }
  });

  it('embeddingLayer: a layer the model does not have is a StageInputError naming the field; a non-layer name fails the schema', async () => {
    const { ctx, net } = setUp('logmel', { score: 'embedding-mahalanobis', embeddingLayer: 'block2_pw' });
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow(StageInputError);
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow(
      'stages.evaluate.with.embeddingLayer: "block2_pw" is not a layer of the trained model (it has conv0, block1_dw, block1_pw, pool)',
    );
    expect(evaluateAdStage.configSchema.safeParse({ embeddingLayer: 'dense' }).success).toBe(false);
    expect(evaluateAdStage.configSchema.parse({}).embeddingLayer).toBe('pool');
    net.model.dispose();
  });

  it('score combined: the per-ID standardized sum of the embedding, frame-window and periodicity scores; intAuc with the integer embedding', async () => {
    const { embeddingPatchScores, fitIdGaussians, layerEmbeddings } =
      await import('../../../src/eval/embedding-scores');
    const fg = await import('../../../src/eval/feature-gaussian-scores');
    const { clipMeanScores, combinedPatchScores } = await import('../../../src/eval/combined-scores');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const config = { score: 'combined', embeddingLayer: 'conv0', shrinkage: 0.1, frameContext: 3, periodicityLags: 4 };
    const base = setUp(frontEnd, config);
    const r = await quantizeThenEvaluate(base, join(root, 'int-model-combined.json'));
    const [train, validation, test] = readIntSplits();
    const block = (t: typeof test) => ({ data: t.data, frames: 8, bands: 8, labelIndex: t.header.labelIndex });
    const et = await layerEmbeddings(base.net.model, train.data, SHAPE, 'conv0');
    const ge = fitIdGaussians(et.values, et.dim, train.header.labelIndex, 2, 0.1);
    const gf = await fg.fitFrameGaussians(block(train), 2, 3, 0.1);
    const gp = fg.fitPeriodicityGaussians(block(train), 2, 4, 0.1);
    const parts = async (t: typeof test) => {
      const e = await layerEmbeddings(base.net.model, t.data, SHAPE, 'conv0');
      return [
        embeddingPatchScores(t.header.labelIndex, e.values, e.dim, ge),
        await fg.framePatchScores(block(t), gf, 3),
        fg.periodicityPatchScores(block(t), gp, 4),
      ];
    };
    const [pv, pt] = [await parts(validation), await parts(test)];
    const combined = combinedPatchScores(
      ['e', 'f', 'p'].map((name, k) => ({ name, validation: pv[k]!, scored: pt[k]! })),
      test.header.labelIndex,
      validation.header.labelIndex,
      LABELS,
    );
    const ev = base.stored.evaluation as {
      score: string;
      combine: string[];
      clips: Array<{ clip: string; score: number }>;
    };
    expect(ev).toMatchObject({
      score: 'combined',
      combine: ['embedding-mahalanobis', 'frame-mahalanobis', 'envelope-periodicity'],
      embeddingLayer: 'conv0',
      frameContext: 3,
      periodicityLags: 4,
    });
    for (const c of clipMeanScores(test.header, combined))
      expect(ev.clips.find((x) => x.clip === c.clip)!.score).toBeCloseTo(c.score, 4);
    expect(r.metrics.intAuc).toEqual(expect.any(Number));
    // Without validation patches the standardization is impossible: a StageInputError saying so.
    const noVal = setUp(frontEnd, config);
    const features = { artifacts: [noVal.ref('test'), noVal.ref('train')], metrics: {} };
    await expect(evaluateAdStage.run({ ...noVal.ctx, inputs: { ...noVal.ctx.inputs, features } })).rejects.toThrow(
      /stages\.evaluate\.with\.score: combined standardizes each component with the validation patches/,
    );
    const tooLong = setUp(frontEnd, { ...config, periodicityLags: 8 });
    await expect(evaluateAdStage.run(tooLong.ctx)).rejects.toThrow(
      'stages.evaluate.with.periodicityLags: envelope autocorrelation: lags 8 must be an integer in 1..7 (the patches have 8 frames)',
    );
    for (const b of [base, noVal, tooLong]) b.net.model.dispose();
  });

  it('score frame-knn: clip means of the k-NN window scores with references drawn by ctx.rng, frameKnn recorded; neighbours > references is a StageInputError naming frameKnn', async () => {
    const { fitFrameKnn, frameKnnPatchScores } = await import('../../../src/eval/frame-knn-scores');
    const { clipMeanScores } = await import('../../../src/eval/combined-scores');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const config = { score: 'frame-knn', shrinkage: 0.1, frameContext: 3, frameKnn: { neighbours: 2, references: 8 } };
    const base = setUp(frontEnd, config);
    await evaluateAdStage.run(base.ctx);
    const [train, test] = ['train', 'test'].map((s) => readFeatureTensor(join(root, `${s}-logmel-int.topsfeat`))) as [
      ReturnType<typeof readFeatureTensor>,
      ReturnType<typeof readFeatureTensor>,
    ];
    const block = (t: typeof test) => ({ data: t.data, frames: 8, bands: 8, labelIndex: t.header.labelIndex });
    const options = { context: 3, shrinkage: 0.1, neighbours: 2, references: 8 };
    const model = await fitFrameKnn(block(train), 2, options, base.ctx.rng('frame-knn'));
    const expected = clipMeanScores(test.header, await frameKnnPatchScores(block(test), model));
    const ev = base.stored.evaluation as { clips: Array<{ clip: string; score: number }> };
    expect(ev).toMatchObject({ score: 'frame-knn', frameContext: 3, frameKnn: { neighbours: 2, references: 8 } });
    for (const c of expected) expect(ev.clips.find((x) => x.clip === c.clip)!.score).toBeCloseTo(c.score, 6);
    const bad = setUp(frontEnd, { ...config, frameKnn: { neighbours: 9, references: 8 } });
    await expect(evaluateAdStage.run(bad.ctx)).rejects.toThrow(
      /stages\.evaluate\.with\.frameKnn: frame k-NN: neighbours 9/,
    );
    for (const b of [base, bad]) b.net.model.dispose();
  });

  it('frameKnn centre / scale / contrast / offset: the k-NN term on the patches mapped back to dB and made condition-invariant; contradictory options refused', async () => {
    const { fitFrameKnn, frameKnnPatchScores } = await import('../../../src/eval/frame-knn-scores');
    const { invariantPatches } = await import('../../../src/eval/frame-window-invariance');
    const { clipMeanScores } = await import('../../../src/eval/combined-scores');
    const bandStats = {
      meanQ5: [320, 0, -64, 32, 0, 0, 96, -32],
      gainQ15: [16384, 32768, 8192, 32768, 65536, 32768, 32768, 16384],
    };
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8, bandStats };
    const block = (t: ReturnType<typeof readFeatureTensor>) => ({
      data: t.data,
      frames: 8,
      bands: 8,
      labelIndex: t.header.labelIndex,
    });
    const cases = [
      { centre: 'clip', scale: true, offset: true },
      { centre: 'patch', contrast: 'both' },
    ] as const;
    for (const invariance of cases) {
      const frameKnn = { neighbours: 2, references: 8, ...invariance };
      const base = setUp(frontEnd, { score: 'frame-knn', shrinkage: 0.1, frameContext: 3, frameKnn });
      await evaluateAdStage.run(base.ctx);
      const [train, test] = ['train', 'test'].map((s) => readFeatureTensor(join(root, `${s}-logmel-int.topsfeat`))) as [
        ReturnType<typeof readFeatureTensor>,
        ReturnType<typeof readFeatureTensor>,
      ];
      const transformed = (t: typeof test) => invariantPatches(block(t), t.header.clips, bandStats, invariance);
      const options = { context: 3, shrinkage: 0.1, neighbours: 2, references: 8, offset: 'offset' in invariance };
      const model = await fitFrameKnn(transformed(train), 2, options, base.ctx.rng('frame-knn'));
      const expected = clipMeanScores(test.header, await frameKnnPatchScores(transformed(test), model));
      const ev = base.stored.evaluation as { clips: Array<{ clip: string; score: number }>; frameKnn: unknown };
      expect(ev.frameKnn).toEqual(frameKnn);
      for (const c of expected) expect(ev.clips.find((x) => x.clip === c.clip)!.score).toBeCloseTo(c.score, 6);
      // The invariant score differs from the plain k-NN score on the same patches.
      const plain = await fitFrameKnn(block(train), 2, { ...options, offset: false }, base.ctx.rng('frame-knn'));
      const plainScores = clipMeanScores(test.header, await frameKnnPatchScores(block(test), plain));
      expect(plainScores[0]!.score).not.toBeCloseTo(expected[0]!.score, 2);
      base.net.model.dispose();
    }
    const problems = (frameKnn: Record<string, unknown>) => {
      const r = evaluateAdStage.configSchema.safeParse({ score: 'frame-knn', frameKnn });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ scale: true })).toEqual(['frameKnn.scale: scale needs centre (clip or patch)']);
    expect(problems({ contrast: 'frames', offset: true })).toEqual([
      'frameKnn.offset: offset is void with contrast: frames (differences already cancel a uniform offset)',
    ]);
    expect(problems({ centre: 'clip', scale: true, offset: true })).toEqual([]);
  });

  it('frameKnn channelRefs: the k-NN term with references from channel-augmented training patches, as the module pipeline; a front end without its geometry is a StageInputError', async () => {
    const { fitFrameKnn, frameKnnPatchScores } = await import('../../../src/eval/frame-knn-scores');
    const { augmentChannels, ChannelOffsets } = await import('../../../src/eval/channel-augmentation');
    const { clipMeanScores } = await import('../../../src/eval/combined-scores');
    const bandStats = {
      meanQ5: [320, 0, -64, 32, 0, 0, 96, -32],
      gainQ15: [16384, 32768, 8192, 32768, 65536, 32768, 32768, 16384],
    };
    const geometry = { sampleRate: 16000, fftSize: 1024, melBands: 16, lowHz: 0, highHz: 8000, downsample: 2 };
    const frontEnd = { type: 'logmel', implementation: 'fixed', patchFrames: 8, patchHop: 8, bandStats, ...geometry };
    const channelRefs = { references: 6, copies: 2, delayMs: [1, 4], reflectionGain: [0.3, 0.5], tiltDb: 2, gainDb: 0 };
    const frameKnn = { neighbours: 1, references: 8, channelRefs };
    const base = setUp(frontEnd, { score: 'frame-knn', shrinkage: 0.1, frameContext: 3, frameKnn });
    await evaluateAdStage.run(base.ctx);
    const [train, test] = ['train', 'test'].map((s) => readFeatureTensor(join(root, `${s}-logmel-int.topsfeat`))) as [
      ReturnType<typeof readFeatureTensor>,
      ReturnType<typeof readFeatureTensor>,
    ];
    const block = (t: typeof test) => ({ data: t.data, frames: 8, bands: 8, labelIndex: t.header.labelIndex });
    const parsed = evaluateAdStage.configSchema.parse({ score: 'frame-knn', frameKnn }).frameKnn!.channelRefs!;
    const rng = base.ctx.rng('frame-knn-channel');
    const units = bandStats.gainQ15.map((k) => k / 32768);
    const aug = augmentChannels(block(train), train.header.clips, new ChannelOffsets(geometry, parsed), units, 2, rng);
    const options = { context: 3, shrinkage: 0.1, neighbours: 1, references: 8 };
    const model = await fitFrameKnn(block(train), 2, options, base.ctx.rng('frame-knn'), undefined, {
      block: aug,
      references: 6,
      whitening: 'train',
      rng,
    });
    expect(model.references[0]!.length).toBe((8 + 6) * 3 * 8);
    const expected = clipMeanScores(test.header, await frameKnnPatchScores(block(test), model));
    const ev = base.stored.evaluation as { clips: Array<{ clip: string; score: number }>; frameKnn: unknown };
    expect(ev.frameKnn).toEqual({ neighbours: 1, references: 8, channelRefs: parsed });
    for (const c of expected) expect(ev.clips.find((x) => x.clip === c.clip)!.score).toBeCloseTo(c.score, 6);
    // Without the option the same stage scores differently (more references can only lower a distance).
    const plain = setUp(frontEnd, {
      score: 'frame-knn',
      shrinkage: 0.1,
      frameContext: 3,
      frameKnn: { ...frameKnn, channelRefs: undefined },
    });
    await evaluateAdStage.run(plain.ctx);
    const plainClips = (plain.stored.evaluation as typeof ev).clips;
    for (const c of expected)
      expect(plainClips.find((x) => x.clip === c.clip)!.score).toBeGreaterThanOrEqual(c.score - 1e-9);
    expect(plainClips.some((c) => c.score > expected.find((x) => x.clip === c.clip)!.score + 1e-6)).toBe(true);
    const { fftSize: _f, ...noFft } = frontEnd;
    const bad = setUp(noFft, { score: 'frame-knn', shrinkage: 0.1, frameContext: 3, frameKnn });
    await expect(evaluateAdStage.run(bad.ctx)).rejects.toThrow(
      `stages.evaluate.with.frameKnn.channelRefs: the features' front-end config has no number "fftSize"`,
    );
    for (const b of [base, plain, bad]) b.net.model.dispose();
  });

  it('without a train stage in needs: runs a score of log-mel terms alone; a network term is a StageInputError naming the missing stage', async () => {
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const config = {
      score: 'combined',
      combine: ['frame-mahalanobis', 'envelope-periodicity'],
      frameContext: 3,
      periodicityLags: 4,
    };
    const withTrain = setUp(frontEnd, config);
    const a = await evaluateAdStage.run(withTrain.ctx);
    const { train: _model, ...withoutTrain } = withTrain.ctx.inputs;
    const b = await evaluateAdStage.run({ ...withTrain.ctx, inputs: withoutTrain });
    // The same numbers: no term reads the network.
    expect(b.metrics).toEqual(a.metrics);
    for (const score of ['neg-log-prob', 'embedding-mahalanobis']) {
      const net = setUp(frontEnd, { ...config, combine: [score, 'frame-mahalanobis'] });
      const { train: _m, ...inputs } = net.ctx.inputs;
      await expect(evaluateAdStage.run({ ...net.ctx, inputs })).rejects.toThrow(
        /stages\.evaluate: needs a train stage \(no "model" artifact among features\)/,
      );
      net.net.model.dispose();
    }
    withTrain.net.model.dispose();
  });

  it('combine neg-log-prob: the classifier term (float −log p; intAuc from the integer softmax), each term in the clip record, thresholds on the validation normals', async () => {
    const fg = await import('../../../src/eval/feature-gaussian-scores');
    const { patchNegLogProbs } = await import('../../../src/eval/anomaly-scores');
    const { clipMeanScores, standardizedPatchScores } = await import('../../../src/eval/combined-scores');
    const { operatingThresholds } = await import('../../../src/eval/operating-threshold');
    const frontEnd = { type: 'logmel', implementation: 'fixed', melBands: 8, patchFrames: 8, patchHop: 8 };
    const config = {
      score: 'combined',
      combine: ['neg-log-prob', 'frame-mahalanobis'],
      shrinkage: 0.1,
      frameContext: 3,
      thresholdRule: 'rank',
    };
    const base = setUp(frontEnd, config);
    const r = await quantizeThenEvaluate(base, join(root, 'int-model-nlp.json'));
    const [train, validation, test] = readIntSplits();
    const block = (t: typeof test) => ({ data: t.data, frames: 8, bands: 8, labelIndex: t.header.labelIndex });
    const gf = await fg.fitFrameGaussians(block(train), 2, 3, 0.1);
    const parts = async (t: typeof test) => [
      patchNegLogProbs(t.header, await predict(base.net.model, t.data, SHAPE)),
      await fg.framePatchScores(block(t), gf, 3),
    ];
    const [pv, pt] = [await parts(validation), await parts(test)];
    const z = standardizedPatchScores(
      ['n', 'f'].map((name, k) => ({ name, validation: pv[k]!, scored: pt[k]! })),
      test.header.labelIndex,
      validation.header.labelIndex,
      LABELS,
    );
    const ev = base.stored.evaluation as {
      clips: Array<{ clip: string; score: number; terms: Record<string, number> }>;
      validationClips: Array<{ clip: string; type: string; id: string; anomalous: boolean; score: number }>;
      ids: Array<{ threshold: number; thresholdNormals: number }>;
      thresholdNormals: string;
      thresholdRule: string;
    };
    const nlp = clipMeanScores(test.header, z[0]!);
    const frame = clipMeanScores(test.header, z[1]!);
    for (const [k, c] of nlp.entries()) {
      const rec = ev.clips.find((x) => x.clip === c.clip)!;
      expect(rec.terms['neg-log-prob']).toBeCloseTo(c.score, 4);
      expect(rec.terms['frame-mahalanobis']).toBeCloseTo(frame[k]!.score, 4);
      expect(rec.score).toBeCloseTo(rec.terms['neg-log-prob']! + rec.terms['frame-mahalanobis']!, 10);
    }
    // No dev split: the thresholds come from the validation normals (2 per ID), by the rank rule.
    expect(ev).toMatchObject({ thresholdNormals: 'validation', thresholdRule: 'rank' });
    const normalsOf = (id: string) => ev.validationClips.filter((c) => c.id === id && !c.anomalous).map((c) => c.score);
    const expected = operatingThresholds([normalsOf('id_00'), normalsOf('id_02')], 0.1, 'rank');
    expect(ev.ids.map((x) => x.threshold)).toEqual(expected);
    expect(ev.ids.map((x) => x.thresholdNormals)).toEqual([2, 2]);
    // The integer model carries the −log p term: its AUC differs from a network-free one only through it.
    expect(r.metrics.intAuc).toEqual(expect.any(Number));
    expect(r.metrics.operatingFpr).toEqual(expect.any(Number));
    base.net.model.dispose();
  });

  it('envelope-modulation reads the clips from the dataset in needs:; a dev split gives devAuc and, with subsetSweep, every subset on dev and test', async () => {
    const { writeWav16 } = await import('../../../src/audio/wav');
    // Patches of 8 frames (32 ms hop, 64 ms window) every 8 frames: patch j spans samples 4096·j … 4096·j + 4608.
    const frontEnd = {
      type: 'logmel',
      implementation: 'fixed',
      sampleRate: 16000,
      hopMs: 32,
      windowMs: 64,
      patchFrames: 8,
      patchHop: 8,
      melBands: 8,
    };
    const config = {
      score: 'envelope-modulation',
      modulation: { bandsPerOctave: 1 },
      shrinkage: 0.1,
    };
    const base = setUp(frontEnd, config);
    const dataset = join(root, 'dataset-modulation');
    const rng = Prng.derive('evaluate-ad-audio');
    // Normal: a 1 kHz tone in noise; abnormal: the same, amplitude-modulated at 30 Hz (an imbalance).
    const clip = (abnormal: boolean) =>
      Float32Array.from(
        { length: 9000 },
        (_, n) =>
          0.2 *
            (1 + (abnormal ? 0.6 * Math.sin((2 * Math.PI * 30 * n) / 16000) : 0)) *
            Math.sin((2 * Math.PI * n) / 16) +
          0.02 * rng.normal(),
      );
    const test = readFeatureTensor(base.files.test!);
    const devClips = test.header.clips.map((c) => c.replace('/test_', '/dev_'));
    base.files.dev = join(root, 'dev-modulation.topsfeat');
    writeFeatureTensor(base.files.dev, { ...test.header, split: 'dev', clips: devClips }, test.data);
    const all = ['train', 'validation', 'test', 'dev'].flatMap((sp) =>
      readFeatureTensor(base.files[sp]!).header.clips.concat(sp === 'dev' ? devClips : []),
    );
    for (const c of new Set(all)) {
      mkdirSync(join(dataset, c, '..'), { recursive: true });
      writeWav16(join(dataset, c), clip(c.includes('abnormal')), 16000);
    }
    const withData = (ctx: typeof base.ctx, cfg: Record<string, unknown>) => ({
      ...ctx,
      config: evaluateAdStage.configSchema.parse(cfg),
      inputs: {
        ...ctx.inputs,
        features: {
          artifacts: [base.ref('test'), base.ref('validation'), base.ref('train'), base.ref('dev')],
          metrics: {},
        },
        data: { artifacts: [base.ref('dataset')], metrics: {} },
      },
      fetchDir: async (r: ArtifactRef) => (r.name === 'dataset' ? dataset : ctx.fetchDir(r)),
    });
    const r = await evaluateAdStage.run(withData(base.ctx, config));
    expect(r.metrics.auc).toBe(1);
    expect(r.metrics.devAuc).toBe(1);
    expect(r.metrics['devAuc.fan']).toBe(1);
    expect((base.stored.evaluation as { modulation: unknown }).modulation).toEqual({
      binMs: 1,
      lowHz: 5,
      highHz: 100,
      bandsPerOctave: 1,
    });
    const both = await evaluateAdStage.run(
      withData(base.ctx, {
        ...config,
        score: 'combined',
        combine: ['frame-mahalanobis', 'envelope-modulation'],
        frameContext: 3,
        subsetSweep: true,
      }),
    );
    const ev = base.stored.evaluation as {
      subsets: Array<{ combine: string[]; dev: { auc: number }; test: { auc: number } }>;
      dev: { auc: number };
    };
    expect(ev.subsets.map((x) => x.combine)).toEqual([
      ['frame-mahalanobis'],
      ['envelope-modulation'],
      ['frame-mahalanobis', 'envelope-modulation'],
    ]);
    expect(ev.subsets[1]!.dev.auc).toBe(1);
    // The full subset is the configured score itself.
    expect(ev.subsets[2]!.test.auc).toBe(both.metrics.auc);
    expect(ev.subsets[2]!.dev.auc).toBe(both.metrics.devAuc);
    // Without the dataset in needs: a StageInputError saying what to add.
    await expect(evaluateAdStage.run(base.ctx)).rejects.toThrow(
      /envelope-modulation reads the clips' audio; add the dataset stage/,
    );
    base.net.model.dispose();
  });

  it('refuses MFCC features', async () => {
    const { ctx, net } = setUp('mfcc');
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow(StageInputError);
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow('evaluate-ad needs log-mel patches');
    net.model.dispose();
    expect(readFileSync(join(root, 'test-mfcc.topsfeat')).length).toBeGreaterThan(0);
  });
});
