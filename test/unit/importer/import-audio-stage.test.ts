import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importAudioStage } from '../../../activities/import-audio';
import { StageInputError } from '../../../src/errors';
import { importAudioConfigSchema, type ImportAudioConfigInput } from '../../../src/importer/import-config';
import { fakeContext } from '../../helpers/fake-stage-context';
import { clip16k, encodeRawWav, tone, writeTree } from '../../helpers/wav-fixtures';

describe('importAudioStage', () => {
  let root: string;
  let src: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'import-stage-'));
    src = join(root, 'data');
    writeTree(src, {
      'yes/a_nohash_0.wav': clip16k(1),
      'yes/b_nohash_0.wav': encodeRawWav({ sampleRate: 8000, channels: [tone(1, 8000)], bits: 8 }),
      'no/c_nohash_0.wav': clip16k(2),
      'bed/d_nohash_0.wav': clip16k(3),
      LICENSE: 'x',
      'testing_list.txt': 'no/c_nohash_0.wav\n',
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const config = (input: Partial<ImportAudioConfigInput> = {}) =>
    importAudioConfigSchema.parse({ path: src, keywords: ['yes', 'no'], ...input });

  it('declares its kind, version and schema', () => {
    expect(importAudioStage.kind).toBe('import-audio');
    expect(importAudioStage.version).toBe(2);
    expect(importAudioStage.configSchema.parse({ path: 'x' })).toMatchObject({ path: 'x', sampleRate: 16000 });
    expect(importAudioStage.toolVersions).toBeUndefined();
  });

  it('stores the dataset, reports metrics, progress and a summary that says there are no streams', async () => {
    const { ctx, progress, stored, logs } = fakeContext(config(), join(root, 'work1'));
    const result = await importAudioStage.run(ctx);
    expect(result.artifacts.map((a) => a.name)).toEqual(['dataset']);
    expect(Object.keys(stored.dataset!)).toEqual([
      '_unknown_/bed_d_nohash_0.wav',
      'dataset.json',
      'no/c_nohash_0.wav',
      'testing_list.txt',
      'validation_list.txt',
      'yes/a_nohash_0.wav',
      'yes/b_nohash_0.wav',
    ]);
    expect(result.metrics).toEqual({
      clips: 4,
      trainClips: 3,
      validationClips: 0,
      testClips: 1,
      keywords: 2,
      converted: 1,
      resampled: 1,
      mixedDown: 0,
      trimmed: 0,
      padded: 0,
      silenceClips: 0,
      ignoredFiles: 1,
      splitSource: 'lists',
    });
    expect(result.summary).toBe(
      '4 clips, 4 labels, train/val/test 3/0/1 (split from list files), 1 converted to 16 kHz mono PCM16, 1 non-WAV files ignored; ' +
        'no streams (import-audio makes streams only from streamsDir)',
    );
    expect(progress[progress.length - 1]).toMatchObject({ done: 4, total: 4, unit: 'clips' });
    expect(logs).toEqual(['imported as _unknown_: bed']);

    const again = fakeContext(config(), join(root, 'work2'));
    await importAudioStage.run(again.ctx);
    expect(again.stored).toEqual(stored);
  });

  it('imports streams from streamsDir as a second artifact', async () => {
    const streams = join(root, 'streams');
    writeTree(streams, {
      's.wav': clip16k(5, 6),
      'index.json': JSON.stringify([
        {
          file: 's.wav',
          durationSec: 6,
          sampleRate: 16000,
          background: 'file',
          events: [{ label: 'yes', onsetSec: 1, offsetSec: 2, kind: 'keyword' }],
        },
      ]),
    });
    const { ctx, stored } = fakeContext(config({ streamsDir: streams }), join(root, 'work3'));
    const result = await importAudioStage.run(ctx);
    expect(result.artifacts.map((a) => a.name)).toEqual(['dataset', 'streams']);
    expect(Object.keys(stored.streams!)).toEqual(['index.json', 's.wav']);
    expect(result.metrics).toMatchObject({ streams: 1, streamMinutes: 0.1 });
    expect(result.summary).toMatch(/; 1 streams \(0\.1 min\)$/);
  });

  it('fails cleanly on a corrupt WAV: StageInputError naming the file, nothing stored', async () => {
    const bad = join(root, 'bad');
    writeTree(bad, { 'yes/a.wav': clip16k(1), 'yes/z.wav': 'garbage' });
    const { ctx, stored } = fakeContext(config({ path: bad, keywords: ['yes'] }), join(root, 'work4'));
    const err = await importAudioStage.run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageInputError);
    expect((err as Error).message).toBe(`import-audio: ${bad}/yes/z.wav: not a RIFF/WAVE file`);
    expect(stored).toEqual({});
  });

  it('cacheInputs fingerprints the folder (and streamsDir) and changes when the folder does', async () => {
    const folder = join(root, 'fp');
    writeTree(folder, { 'yes/a.wav': clip16k(1) });
    const cfg = config({ path: folder });
    const first = await importAudioStage.cacheInputs(cfg);
    expect(Object.keys(first)).toEqual(['import-audio-folder']);
    expect(first['import-audio-folder']).toMatch(/^[0-9a-f]{64}$/);
    expect(await importAudioStage.cacheInputs(cfg)).toEqual(first);
    writeFileSync(join(folder, 'yes/b.wav'), clip16k(2));
    expect(await importAudioStage.cacheInputs(cfg)).not.toEqual(first);
    expect(Object.keys(await importAudioStage.cacheInputs(config({ path: folder, streamsDir: folder })))).toEqual([
      'import-audio-folder',
      'import-audio-streams',
    ]);
  });

  it('cacheInputs of a missing folder is a stable placeholder, so run reports the error', async () => {
    const cfg = config({ path: join(root, 'missing') });
    expect(await importAudioStage.cacheInputs(cfg)).toEqual({
      'import-audio-folder': `unreadable: ${join(root, 'missing')}: cannot fingerprint folder (ENOENT)`,
    });
  });
});
