/**
 * The dnas stage resumes after a crash: an attempt that dies in epoch 2 leaves the epoch-1
 * search state in the store; the retry continues from it and writes the same artifacts as an
 * uninterrupted search (real LocalStore, real tfjs-node, real stage context). The train
 * stage then trains the searched architecture in place of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dnasStage } from '../../../activities/dnas';
import { packDir } from '../../../src/store/tar';
import type { ArtifactRef } from '../../../src/store/artifact-store';
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

  // A dataset whose sources.json names who spoke each synthetic clip (c<i>.wav, label i % 4):
  // `_silence_` clips (label 0) have no speaker, every seventh clip is pico's one voice, the
  // others five espeak-ng voices.
  const putDataset = async (name: string, withSources: boolean): Promise<ArtifactRef> => {
    const d = path.join(f.dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'dataset.json'), JSON.stringify({ generator: 'synth-kws' }));
    const clips = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [
        `c${i}.wav`,
        i % 4 === 0
          ? { engine: 'silence', voice: 'pink', heldOut: false }
          : i % 7 === 0
            ? { engine: 'pico', voice: 'en-US', heldOut: false }
            : { engine: 'espeak-ng', voice: `v${i % 5}`, heldOut: false },
      ]),
    );
    const engine = { version: '1', licence: 'x', family: 'f', role: 'train' };
    if (withSources)
      fs.writeFileSync(
        path.join(d, 'sources.json'),
        JSON.stringify({ format: 1, engines: { 'espeak-ng': engine, pico: engine }, clips }),
      );
    const tar = path.join(f.dir, `${name}.tar`);
    await packDir(d, tar);
    return { ...(await f.store.putFile(tar)), name: 'dataset', mediaType: 'application/x-tar' };
  };

  it('archSplitBy: voice reads the voices from the data stage and holds whole voices apart', async () => {
    const byVoice = { ...config, archFraction: 0.3, archSplitBy: 'voice' as const };
    const data = { data: { artifacts: [await putDataset('dataset', true)], metrics: {} } };
    const logs: string[] = [];
    const r = await dnasStage.run(context('dnas', byVoice, 'e'.repeat(64), () => undefined, logs, data));
    expect(r.metrics.archClips).toBeGreaterThan(0);
    expect(r.metrics.archHeldVoices).toBe(2); // two of espeak-ng's five voices (≈ 40% of its 41 clips) are nearer 30% than one (≈ 20%)
    expect(logs.join('\n')).toMatch(
      /voices held apart per engine: espeak-ng: 2 \(v\d, v\d\); kept whole with the weights \(one voice\): pico/,
    );
    const search = JSON.parse(fs.readFileSync(r.artifacts[1]!.uri.replace(/^file:\/\//, ''), 'utf8')) as {
      archVoices: { wholeEngines: string[] };
    };
    expect(search.archVoices.wholeEngines).toEqual(['pico']);
    // By clip (no data stage needed) the search artifact has no archVoices.
    const byClip = await dnasStage.run(
      context('dnas', { ...config, archFraction: 0.3 }, 'f'.repeat(64), () => undefined, []),
    );
    expect(byClip.metrics.archHeldVoices).toBeUndefined();
    expect(fs.readFileSync(byClip.artifacts[1]!.uri.replace(/^file:\/\//, ''), 'utf8')).not.toMatch(/archVoices/);
  });

  it('archSplitBy: voice without the data stage, or without sources.json, fails naming the field', async () => {
    const byVoice = { ...config, archFraction: 0.3, archSplitBy: 'voice' as const };
    await expect(dnasStage.run(context('dnas', byVoice, '1'.repeat(64), () => undefined, []))).rejects.toThrow(
      /stages\.dnas\.with\.archSplitBy: voice needs who spoke each training clip.*add the data stage to stages\.dnas\.needs/,
    );
    const old = { data: { artifacts: [await putDataset('old-dataset', false)], metrics: {} } };
    await expect(dnasStage.run(context('dnas', byVoice, '2'.repeat(64), () => undefined, [], old))).rejects.toThrow(
      /stages\.dnas\.with\.archSplitBy: voice: the dataset has no sources\.json/,
    );
  });

  it('a derived model over budget fails with the budget and the overshoot', async () => {
    const tight = { ...config, latencyMs: 0.001 };
    await expect(dnasStage.run(context('dnas', tight, 'd'.repeat(64), () => undefined, []))).rejects.toThrow(
      /stages\.dnas: the derived architecture does not fit stm32f446re: latency: needs [\d.]+ ms, budget 0\.001 ms/,
    );
  });
});
