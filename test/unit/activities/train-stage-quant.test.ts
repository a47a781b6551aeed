/**
 * The train stage with `quantization:`: the model tar gains quant.json (loadable by the
 * quantize stage through src/quant/quant-json.ts), the history carries S(t) and the
 * regularization loss per epoch, and weight histograms are a separate artifact. Reruns
 * give the same bytes; a retry after a crash resumes the QAT state too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainStage } from '../../../activities/train';
import type { StageProgress } from '../../../src/stage/stage-module';
import { loadQuantJson } from '../../../src/quant/quant-json';
import { unpackTar } from '../../../src/store/tar';
import { useSyntheticFeatureStore } from '../../helpers/feature-artifacts';

jest.setTimeout(180_000);

describe('train stage with quantization', () => {
  const config = trainStage.configSchema.parse({
    epochs: 3,
    batchSize: 16,
    architecture: {
      firstConv: { filters: 8, kernel: [3, 3], stride: [2, 2] },
      blocks: { width: 8, depth: 1 },
      batchNorm: { momentum: 0.5 },
    },
    quantization: {
      bits: { default: 8, overrides: { block1_pw: 4, dense: 4 } },
      lambda: 1e-3,
      schedule: { type: 'linear' },
      qatStartEpoch: 2,
    },
  });

  const f = useSyntheticFeatureStore('tinyops-train-q-', { n: 96, nVal: 24 });
  const context = (cacheKey: string, onProgress: (p: StageProgress) => void = () => undefined, logs: string[] = []) =>
    f.context('train', config, cacheKey, { onProgress, logs });

  it('stores quant.json in the model tar, S(t)/regLoss in history, and weight histograms; a resumed retry gives the same bytes', async () => {
    const r = await trainStage.run(context('a'.repeat(64)));
    expect(r.artifacts.map((a) => a.name)).toEqual(['model', 'history', 'weightHistograms']);
    expect(r.summary).toContain('bits 4/8 (4-bit: block1_pw, dense), QAT from epoch 2, reg-n λ 0.001 linear');
    await f.store.getToFile(r.artifacts[0]!.sha256, path.join(f.dir, 'model.tar'));
    const modelDir = path.join(f.dir, 'model');
    await unpackTar(path.join(f.dir, 'model.tar'), modelDir);
    expect(fs.readdirSync(modelDir).sort()).toEqual(['labels.json', 'model.json', 'quant.json', 'weights.bin']);
    const q = loadQuantJson(modelDir)!;
    expect(q.layers.block1_pw!.bits).toBe(4);
    expect(q.layers.dense!.bits).toBe(4);
    expect(q.layers.conv0!.bits).toBe(8);
    expect(q.regularization).toEqual({
      regularizer: 'reg-n',
      lambda: 1e-3,
      schedule: { type: 'linear' },
      scheduleUnit: 'epoch',
      regularize8Bit: false,
    });
    expect(Object.keys(q.activations)).toEqual([
      'features',
      'conv0_relu',
      'block1_dw_relu',
      'block1_pw_relu',
      'pool',
      'dense',
    ]);

    const history = JSON.parse((await f.store.getBytes(r.artifacts[1]!.sha256)).toString('utf8')) as {
      epochs: Array<{ quant: { schedule: number; regLoss: number; qat: boolean } }>;
      quantization: { gridDistances: Record<string, number> };
    };
    expect(history.epochs.map((e) => e.quant.schedule)).toEqual([0, 0.5, 1]);
    expect(history.epochs.map((e) => e.quant.qat)).toEqual([false, true, true]);
    expect(history.epochs[2]!.quant.regLoss).toBeGreaterThan(0);
    expect(Object.keys(history.quantization.gridDistances)).toContain('block1_pw');

    // Crash after epoch 2 (the first QAT epoch), retry: same bytes as the uninterrupted run.
    const key = 'b'.repeat(64);
    await expect(
      trainStage.run(
        context(key, (p) => {
          if (p.epoch === 3) throw new Error('worker killed');
        }),
      ),
    ).rejects.toThrow('worker killed');
    const logs: string[] = [];
    const resumed = await trainStage.run(context(key, () => undefined, logs));
    expect(logs).toContain('resuming after epoch 2');
    expect(resumed.artifacts.map((a) => a.sha256)).toEqual(r.artifacts.map((a) => a.sha256));
  });
});
