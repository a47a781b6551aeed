import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthKwsStage } from '../../../activities/synth-kws';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { resolvedVoicesDigest, resolveVoices } from '../../../src/synth/voice-sources';
import { fakeContext } from '../../helpers/fake-stage-context';

describe('synthKwsStage', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'synth-kws-stage-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const config = synthKwsConfigSchema.parse({
    keywords: ['yes', 'no', 'up'],
    perKeyword: 4,
    negatives: ['bed', 'cat'],
    voices: ['en-us', 'en-gb+m2'],
    testVoices: ['en-029+m2'],
    split: { validation: 0.25, test: 0.25 },
    streams: { count: 2, durationSec: 6, keywordsPerStream: [1, 2], negativesPerStream: [1, 1] },
  });

  it('declares its kind, version, schema and espeak-ng version', async () => {
    expect(synthKwsStage.kind).toBe('synth-kws');
    expect(synthKwsStage.version).toBe(3);
    expect(synthKwsStage.configSchema.parse({})).toEqual(synthKwsConfigSchema.parse({}));
    expect(await synthKwsStage.toolVersions!(config)).toEqual({ 'espeak-ng': expect.stringMatching(/^\d+\.\d+/) });
  });

  it('puts the version of every engine the config uses into toolVersions (the cache key)', async () => {
    const engines = synthKwsConfigSchema.parse({
      voices: { engines: { pico: { testVoices: ['en-GB'] }, mbrola: {} }, heldOutEngines: ['flite'] },
    });
    expect(await synthKwsStage.toolVersions!(engines)).toEqual({
      pico: expect.stringMatching(/^libttspico-utils \d/),
      mbrola: expect.stringMatching(/^mbrola \d.*, espeak-ng \d/),
      flite: expect.stringMatching(/^flite \d/),
    });
  });

  it('runs: stores dataset and streams, reports metrics, summary and progress', async () => {
    const { ctx, progress, stored } = fakeContext(config, join(root, 'work1'));
    const result = await synthKwsStage.run(ctx);
    expect(result.artifacts.map((a) => a.name)).toEqual(['dataset', 'streams']);
    expect(result.metrics).toEqual({
      clips: 20,
      trainClips: 10,
      validationClips: 5,
      testClips: 5,
      streams: 2,
      streamMinutes: 0.2,
      keywords: 3,
    });
    expect(result.summary).toBe('20 clips, 5 labels, 2 streams (0.2 min)');
    expect(Object.keys(stored.dataset!)).toContain('dataset.json');
    expect(Object.keys(stored.streams!)).toEqual(['index.json', 'stream-000.wav', 'stream-001.wav']);
    const clips = progress.filter((p) => p.unit === 'clips');
    expect(clips[clips.length - 1]).toMatchObject({ done: 20, total: 20 });
  });

  it('a retry in the same workDir resumes and stores identical artifacts', async () => {
    const first = fakeContext(config, join(root, 'work2'));
    await synthKwsStage.run(first.ctx);
    const again = fakeContext(config, join(root, 'work2'));
    const result = await synthKwsStage.run(again.ctx);
    expect(again.stored).toEqual(first.stored);
    expect(again.progress.find((p) => p.unit === 'clips')).toMatchObject({ done: 20, total: 20 });
    expect(result.metrics.clips).toBe(20);
  });
});

describe('synthKwsStage cache inputs', () => {
  it('fingerprints background files named in the config, so editing one changes the cache key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-bg-'));
    const wav = join(dir, 'hum.wav');
    writeFileSync(wav, 'one');
    const config = synthKwsConfigSchema.parse({ backgrounds: [{ type: 'file', path: wav }] });
    const before = await synthKwsStage.cacheInputs?.(config);
    expect(before).toEqual({
      'background-files': expect.stringMatching(/^[0-9a-f]{64}$/),
      voices: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    writeFileSync(wav, 'two, longer');
    const after = await synthKwsStage.cacheInputs?.(config);
    expect(after?.['background-files']).not.toEqual(before?.['background-files']);
    expect(after?.voices).toEqual(before?.voices);
    expect(Object.keys((await synthKwsStage.cacheInputs?.(synthKwsConfigSchema.parse({}))) ?? {})).toEqual(['voices']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys on the voices the installed engines resolve to (src/synth/voice-sources.ts resolvedVoicesDigest)', async () => {
    const withEngines = (mbrola: object) =>
      synthKwsConfigSchema.parse({ voices: { engines: { mbrola }, heldOutEngines: ['flite'] } });
    const all = await synthKwsStage.cacheInputs?.(withEngines({ testVoices: ['en1'] }));
    const resolved = await resolveVoices(withEngines({ testVoices: ['en1'] }));
    expect(all).toEqual({ voices: resolvedVoicesDigest(resolved) });
    expect(
      (await synthKwsStage.cacheInputs?.(withEngines({ testVoices: ['en1'], exclude: ['de2-en'] })))?.voices,
    ).not.toBe(all?.voices);
    // A voice that is not installed: no voices entry (the run names the field), and no throw.
    expect(await synthKwsStage.cacheInputs?.(withEngines({ testVoices: ['zz9'] }))).toEqual({});
  });
});
