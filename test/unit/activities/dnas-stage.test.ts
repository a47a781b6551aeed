/**
 * The dnas stage resumes after a crash: an attempt that dies in epoch 2 leaves the epoch-1
 * search state in the store; the retry continues from it and writes the same artifacts as an
 * uninterrupted search (real LocalStore, real tfjs-node, real stage context). The train
 * stage then trains the searched architecture in place of its own.
 */
import * as fs from 'node:fs';
import { dnasStage } from '../../../activities/dnas';
import type { StageProgress, StageResult } from '../../../src/stage/stage-module';
import { trainStage } from '../../../activities/train';
import { dnasConfigSchema, type DnasConfig } from '../../../src/dnas/dnas-config';
import { trainStageConfigSchema } from '../../../src/nn/train-config';
import { useSyntheticFeatureStore, type StageInputs } from '../../helpers/feature-artifacts';

jest.setTimeout(120_000);

describe('dnas stage', () => {
  const config: DnasConfig = dnasConfigSchema.parse({
    board: 'stm32f446re',
    searchSpace: { firstConv: { widths: [8, 16], kernel: [3, 3] }, blocks: { depth: 2, widths: [8, 16] } },
    epochs: 3,
    warmupEpochs: 1,
    batchSize: 16,
  });

  const f = useSyntheticFeatureStore('tinyops-dnas-', { n: 64, nVal: 16 });
  const context = <C>(
    stageName: string,
    c: C,
    cacheKey: string,
    onProgress: (p: StageProgress) => void,
    logs: string[],
    extra: StageInputs = {},
  ) => f.context(stageName, c, cacheKey, { onProgress, logs, extra });

  it('a retry after a crash resumes from the stored search state; train takes the found architecture', async () => {
    const clean: StageResult = await dnasStage.run(context('dnas', config, 'a'.repeat(64), () => undefined, []));
    expect(clean.artifacts.map((a) => a.name)).toEqual(['architecture', 'search']);
    expect(clean.metrics).toEqual(
      expect.objectContaining({
        epochs: 3,
        predictedFlashBytes: expect.any(Number),
        predictedLatencyMs: expect.any(Number),
      }),
    );

    const key = 'b'.repeat(64);
    const crash = (p: StageProgress): void => {
      if (p.epoch === 2) throw new Error('worker killed');
    };
    await expect(dnasStage.run(context('dnas', config, key, crash, []))).rejects.toThrow('worker killed');
    expect(await f.store.getDoc(`checkpoints/${key}.json`)).toEqual(expect.objectContaining({ epoch: 1 }));
    const logs: string[] = [];
    const resumed = await dnasStage.run(context('dnas', config, key, () => undefined, logs));
    expect(logs).toContain('resuming after epoch 1');
    expect(resumed.artifacts.map((a) => a.sha256)).toEqual(clean.artifacts.map((a) => a.sha256));

    const found = JSON.parse(fs.readFileSync(clean.artifacts[0]!.uri.replace(/^file:\/\//, ''), 'utf8')) as {
      architecture: { firstConv: { filters: number } };
    };
    const trainConfig = trainStageConfigSchema.parse({ epochs: 1, batchSize: 16 });
    const trained = await trainStage.run(
      context('train', trainConfig, 'c'.repeat(64), () => undefined, [], {
        dnas: { artifacts: [...clean.artifacts], metrics: {} },
      }),
    );
    expect(trained.metrics.macsPerInference).toBe(clean.metrics.macsPerInference);
    expect(found.architecture.firstConv.filters).toBeLessThanOrEqual(16);
  });

  it('a derived model over budget fails with the budget and the overshoot', async () => {
    const tight = { ...config, latencyMs: 0.001 };
    await expect(dnasStage.run(context('dnas', tight, 'd'.repeat(64), () => undefined, []))).rejects.toThrow(
      /stages\.dnas: the derived architecture does not fit stm32f446re: latency: needs [\d.]+ ms, budget 0\.001 ms/,
    );
  });
});
