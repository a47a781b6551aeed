import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateAdStage, type EvaluateAdConfig } from '../../../activities/evaluate-ad';
import type { StageContext } from '../../../src/stage/stage-module';
import { writeFeatureTensor } from '../../../src/dsp/feature-tensor';
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

  function setUp(frontEndType: string) {
    const net = buildDsCnn(
      { firstConv: { filters: 4, kernel: [3, 3], stride: [1, 1] }, blocks: [{ filters: 4, stride: [2, 2] }], skip: false, dropout: 0, batchNorm: { momentum: 0.9, epsilon: 0.001 } },
      { inputShape: SHAPE, numClasses: 2, initRng: Prng.derive('evaluate-ad-model') },
    );
    const modelDir = join(root, `model-${frontEndType}`);
    mkdirSync(modelDir, { recursive: true });
    const art = saveModelArtifacts(net.model);
    writeFileSync(join(modelDir, MODEL_TOPOLOGY_FILE), art.topology);
    writeFileSync(join(modelDir, MODEL_WEIGHTS_FILE), art.weights);
    // Two patches per clip; per ID 3 normal and 2 abnormal test clips, 2 validation normals.
    const rng = Prng.derive('evaluate-ad-features');
    const files: Record<string, string> = {};
    const clipsOf = (split: string): string[] =>
      split === 'test'
        ? LABELS.flatMap((l) => [0, 1, 2].map((i) => `${l}/normal/test_${i}.wav`).concat([0, 1].map((i) => `${l}/abnormal/test_${i}_rattle.wav`)))
        : LABELS.flatMap((l) => [0, 1].map((i) => `${l}/normal/validation_${i}.wav`));
    for (const split of ['test', 'validation']) {
      const clips = clipsOf(split).flatMap((c) => [c, c]);
      const data = Float32Array.from({ length: clips.length * 64 }, (_, i) => rng.normal() * (clips[Math.floor(i / 64)]!.includes('abnormal') ? 3 : 1));
      files[split] = join(root, `${split}-${frontEndType}.topsfeat`);
      writeFeatureTensor(
        files[split]!,
        { shape: [clips.length, 8, 8], split, labels: LABELS, frontEnd: { type: frontEndType }, labelIndex: clips.map((c) => (c.startsWith('fan/id_00') ? 0 : 1)), clips },
        data,
      );
    }
    const ref = (name: string): ArtifactRef => ({ name, mediaType: 'x', sha256: name.padEnd(64, '0'), bytes: 1, uri: `file://${name}` });
    const stored: Record<string, unknown> = {};
    const unused = async (): Promise<never> => {
      throw new Error('unused');
    };
    const ctx: StageContext<EvaluateAdConfig> = {
      pipelineName: 'ad', stageName: 'evaluate', runId: 'r', seed: 1, config: evaluateAdStage.configSchema.parse({}),
      inputs: { features: { artifacts: [ref('test'), ref('validation')], metrics: {} }, train: { artifacts: [ref('model')], metrics: {} } },
      workDir: root, rng: (...p) => Prng.derive(1, ...p), progress: () => undefined,
      loadCheckpoint: async () => undefined, saveCheckpoint: async () => undefined,
      storeFile: unused, storeDir: unused,
      storeJson: async (name, value) => {
        stored[name] = value;
        return ref(name);
      },
      fetchFile: async (r) => files[r.name]!,
      fetchDir: async () => modelDir,
      log: () => undefined,
    };
    return { ctx, stored, net, files };
  }

  it('scores test clips by mean −log p(true ID) and reports AUC / pAUC per ID, per type and overall', async () => {
    const { ctx, stored, net } = setUp('logmel');
    const r = await evaluateAdStage.run(ctx);
    // Independent check for fan/id_00: the model's posteriors → clip scores → AUC.
    const { readFeatureTensor } = await import('../../../src/dsp/feature-tensor');
    const test = readFeatureTensor(join(root, 'test-logmel.topsfeat'));
    const post = await predict(net.model, test.data, SHAPE);
    const score = (clip: string): number => {
      const rows = test.header.clips.flatMap((c, i) => (c === clip ? [i] : []));
      return rows.reduce((s, i) => s - Math.log(Math.max(post[2 * i + test.header.labelIndex[i]!]!, 1e-7)), 0) / rows.length;
    };
    const normal = [0, 1, 2].map((i) => score(`fan/id_00/normal/test_${i}.wav`));
    const abnormal = [0, 1].map((i) => score(`fan/id_00/abnormal/test_${i}_rattle.wav`));
    const ev = stored.evaluation as { ids: Array<{ id: string; auc: number; roc: unknown[]; threshold?: number; tpr?: number }>; clips: unknown[] };
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

  it('refuses MFCC features', async () => {
    const { ctx, net } = setUp('mfcc');
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow(StageInputError);
    await expect(evaluateAdStage.run(ctx)).rejects.toThrow('evaluate-ad needs log-mel patches');
    net.model.dispose();
    expect(readFileSync(join(root, 'test-mfcc.topsfeat')).length).toBeGreaterThan(0);
  });
});
