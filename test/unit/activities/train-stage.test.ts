/**
 * The train stage resumes after a crash: an attempt that dies after epoch 1 leaves a
 * checkpoint in the store; the retry continues from it and produces the same model bytes
 * as an uninterrupted run (real LocalStore, real tfjs-node, real stage context).
 */
import { trainStage, WEIGHT_AVERAGING_REVISION } from '../../../activities/train';
import type { StageProgress, StageResult } from '../../../src/stage/stage-module';
import { trainConfigSchema, type TrainConfig } from '../../../src/nn/train-config';
import { useSyntheticFeatureStore } from '../../helpers/feature-artifacts';

jest.setTimeout(120_000);

describe('train stage', () => {
  const config: TrainConfig = trainConfigSchema.parse({
    epochs: 3,
    batchSize: 16,
    architecture: {
      firstConv: { filters: 8, kernel: [3, 3], stride: [2, 2] },
      blocks: { width: 8, depth: 1 },
      batchNorm: { momentum: 0.5 },
    },
  });

  const f = useSyntheticFeatureStore('tinyops-train-', { n: 96, nVal: 24 });
  const context = (cacheKey: string, onProgress: (p: StageProgress) => void, logs: string[]) =>
    f.context('train', config, cacheKey, { onProgress, logs });

  it('a retry after a crash resumes from the stored checkpoint and gives the same model', async () => {
    const clean: StageResult = await trainStage.run(context('a'.repeat(64), () => undefined, []));
    expect(clean.metrics).toEqual(expect.objectContaining({ epochs: 3, valAccuracy: expect.any(Number) }));
    expect(clean.artifacts.map((a) => a.name)).toEqual(['model', 'history']);

    const key = 'b'.repeat(64);
    const crash = (p: StageProgress): void => {
      if (p.epoch === 2) throw new Error('worker killed');
    };
    await expect(trainStage.run(context(key, crash, []))).rejects.toThrow('worker killed');
    expect(await f.store.getDoc(`checkpoints/${key}.json`)).toEqual(expect.objectContaining({ epoch: 1 }));

    const logs: string[] = [];
    const resumed = await trainStage.run(context(key, () => undefined, logs));
    expect(logs).toContain('resuming after epoch 1');
    expect(logs.filter((l) => l.startsWith('epoch '))).toHaveLength(2); // epochs 2 and 3 only
    expect(resumed.artifacts.map((a) => a.sha256)).toEqual(clean.artifacts.map((a) => a.sha256));
  });

  it('a checkpoint that is not one (another blob) is logged, ignored, and training starts over', async () => {
    const clean: StageResult = await trainStage.run(context('c'.repeat(64), () => undefined, []));
    const key = 'd'.repeat(64);
    const history = clean.artifacts.find((a) => a.name === 'history')!;
    await f.store.putDoc(`checkpoints/${key}.json`, { epoch: 2, blob: history });
    const logs: string[] = [];
    const fresh = await trainStage.run(context(key, () => undefined, logs));
    expect(logs.some((l) => l.startsWith('ignoring checkpoint: '))).toBe(true);
    expect(logs.filter((l) => l.startsWith('epoch '))).toHaveLength(3);
    expect(fresh.artifacts.map((a) => a.sha256)).toEqual(clean.artifacts.map((a) => a.sha256));
  });

  it('with weightAveraging: exports the average, says so in history and metrics, and resumes mid-average to the same bytes', async () => {
    const averaged: TrainConfig = { ...config, weightAveraging: { fromEpoch: 2, every: 'step' } };
    const ctx = (cacheKey: string, onProgress: (p: StageProgress) => void, logs: string[]) =>
      f.context('train', averaged, cacheKey, { onProgress, logs });
    const plain: StageResult = await trainStage.run(context('d'.repeat(64), () => undefined, []));
    const clean: StageResult = await trainStage.run(ctx('e'.repeat(64), () => undefined, []));
    expect(clean.artifacts[0]?.sha256).not.toBe(plain.artifacts[0]?.sha256);
    expect(clean.metrics).toEqual(
      expect.objectContaining({
        averagingFromEpoch: 2,
        averagedSnapshots: 2 * Math.ceil(96 / 16),
        bestEpochValAccuracy: expect.any(Number),
        averagedValLoss: expect.any(Number),
      }),
    );
    expect(clean.summary).toMatch(
      /weights averaged over epochs 2–3 \(12 steps\): val_acc [\d.]+ \(best single epoch \d/,
    );
    const history = JSON.parse((await f.store.getBytes(clean.artifacts[1]!.sha256)).toString('utf8')) as {
      weightAveraging?: { valAccuracy: number };
    };
    expect(history.weightAveraging?.valAccuracy).toBe(clean.metrics.valAccuracy);

    const key = 'f'.repeat(64);
    const crash = (p: StageProgress): void => {
      if (p.epoch === 3) throw new Error('worker killed');
    };
    await expect(trainStage.run(ctx(key, crash, []))).rejects.toThrow('worker killed');
    const logs: string[] = [];
    const resumed = await trainStage.run(ctx(key, () => undefined, logs));
    expect(logs).toContain('resuming after epoch 2');
    expect(resumed.artifacts.map((a) => a.sha256)).toEqual(clean.artifacts.map((a) => a.sha256));
  });

  it("puts weight averaging's implementation revision in the cache key of the configs that use it only", async () => {
    const plain = await trainStage.toolVersions!(config);
    const averaged = await trainStage.toolVersions!({ ...config, weightAveraging: { fromEpoch: 2, every: 'epoch' } });
    // A change of the averaging code must not be a cache hit of a model the old code made…
    expect(averaged['tinyops/weight-averaging']).toBe(WEIGHT_AVERAGING_REVISION);
    // …and must not re-run the trainings that never average.
    expect(Object.keys(plain)).not.toContain('tinyops/weight-averaging');
    expect({ ...averaged, 'tinyops/weight-averaging': undefined }).toEqual({
      ...plain,
      'tinyops/weight-averaging': undefined,
    });
  });

  it('names the missing input when no features stage is upstream', async () => {
    const ctx = f.context('train', config, 'c'.repeat(64), { inputs: {} });
    await expect(trainStage.run(ctx)).rejects.toThrow(
      'stages.train: needs a stage that produces a "train" artifact (a features stage); found no inputs',
    );
  });
});
