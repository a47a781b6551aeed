/**
 * compose-kws end to end through the stage modules: a tiny recorded folder (espeak-ng voices
 * as speakers, recorded noise backgrounds) → import-audio → compose-kws with the
 * real stage context and LocalStore. Checks counts per label and split, speaker-disjoint
 * splits, sources.json, the stream index against the audio, determinism, the TTS mix, and
 * the error messages. test/integration/compose-pipeline.test.ts runs the same through the CLI
 * up to train and evaluate.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKwsStage } from '../../../activities/compose-kws';
import { importAudioStage } from '../../../activities/import-audio';
import { createStageContext } from '../../../activities/stage-context';
import type { StageOutputs, StageResult } from '../../../src/stage/stage-module';
import { synthKwsStage } from '../../../activities/synth-kws';
import { meanPower } from '../../../src/audio/mix';
import { encodeWav16, readWav } from '../../../src/audio/wav';
import { listKwsDataset } from '../../../src/dsp/dataset-listing';
import { composeKwsConfigSchema, type ComposeKwsConfigInput } from '../../../src/compose/compose-config';
import { importAudioConfigSchema, type ImportAudioConfigInput } from '../../../src/importer/import-config';
import type { ClipConditions } from '../../../src/eval/clip-sources';
import { LocalStore } from '../../../src/store/local-store';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import type { StreamIndexEntry } from '../../../src/synth/kws-streams';
import { SR, write, writeRecordedFolder } from './recorded-folder';

jest.setTimeout(180_000);

type Sources = {
  format: 1;
  engines: Record<string, { family: string }>;
  clips: Record<
    string,
    { engine: string; voice: string; heldOut: false | 'voice' | 'engine'; conditions?: ClipConditions }
  >;
};

describe('compose-kws stage', () => {
  let root: string;
  let store: LocalStore;
  let speakers: Array<{ id: string; split: string; voice: string }>;
  let recordings: StageOutputs;
  let noBackgrounds: StageOutputs;
  let tts: StageOutputs;
  let keyCounter = 0;

  const context = <C>(
    stageName: string,
    config: C,
    inputs: Record<string, StageOutputs> = {},
    seed = 7,
    logs: string[] = [],
  ) =>
    createStageContext({
      pipelineName: 'p',
      stageName,
      runId: 'r',
      seed,
      config,
      inputs,
      cacheKey: String(keyCounter++).padStart(64, '0'),
      store,
      stateDir: join(root, 'state'),
      onProgress: () => undefined,
      onLog: (m) => logs.push(m),
    });
  const importConfig = (input: Partial<ImportAudioConfigInput> = {}) =>
    importAudioConfigSchema.parse({
      path: join(root, 'folder'),
      keywords: ['yes', 'no'],
      clipMs: 1500,
      keepBackgrounds: true,
      ...input,
    });
  const composeConfig = (input: Partial<ComposeKwsConfigInput> = {}) =>
    composeKwsConfigSchema.parse({
      recordings: 'recordings',
      perKeyword: 20,
      streams: {
        count: 2,
        durationSec: 12,
        keywordsPerStream: [2, 3],
        negativesPerStream: [1, 2],
        backgroundDbfs: -50,
        minGapMs: 400,
        tuning: { count: 1 },
      },
      ...input,
    });
  const compose = (
    input: Partial<ComposeKwsConfigInput> = {},
    inputs: Record<string, StageOutputs> = { recordings },
    seed = 7,
    logs: string[] = [],
  ) => composeKwsStage.run(context('compose', composeConfig(input), inputs, seed, logs));
  const dirOf = async (r: StageOutputs, name: string): Promise<string> =>
    context('reader', {}).fetchDir(r.artifacts.find((a) => a.name === name)!);
  const lines = (dir: string, file: string): string[] =>
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'compose-kws-'));
    store = new LocalStore(join(root, 'store'));
    speakers = await writeRecordedFolder(join(root, 'folder'), {
      words: ['yes', 'no', 'bed', 'cat'],
      takes: 2,
      backgrounds: true,
    });
    recordings = await importAudioStage.run(context('recordings', importConfig()));
    noBackgrounds = await importAudioStage.run(context('recordings', importConfig({ keepBackgrounds: false })));
    const synthConfig = synthKwsConfigSchema.parse({
      keywords: ['yes', 'no'],
      perKeyword: 20,
      negatives: ['bed', 'cat'],
      voices: ['en-us', 'en-gb+m2'],
      testVoices: ['en-029+m2'],
      backgrounds: [{ type: 'white' }],
      streams: { count: 0 },
    });
    tts = await synthKwsStage.run(context('tts', synthConfig));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('import-audio keeps the backgrounds outside every split list', async () => {
    const dir = await dirOf(recordings, 'dataset');
    expect(readdirSync(join(dir, '_background_noise_')).sort()).toEqual(['hum.wav', 'pink.wav']);
    expect(readWav(join(dir, '_background_noise_', 'pink.wav')).samples.length).toBe(10 * SR);
    const listed = [...lines(dir, 'validation_list.txt'), ...lines(dir, 'testing_list.txt')];
    expect(listed.some((l) => l.startsWith('_background_noise_'))).toBe(false);
  });

  let first: StageResult;
  it('composes N clips per class, split by speaker, in synth-kws layout with sources.json', async () => {
    first = await compose();
    expect(first.artifacts.map((a) => a.name)).toEqual(['dataset', 'streams', 'tuning-streams']);
    expect(first.metrics).toMatchObject({
      clips: 80,
      trainClips: 64,
      validationClips: 8,
      testClips: 8,
      composedClips: 80,
      ttsClips: 0,
      keywords: 2,
    });
    const dir = await dirOf(first, 'dataset');
    const manifest = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({
      generator: 'compose-kws',
      labels: ['_silence_', '_unknown_', 'yes', 'no'],
      sampleRate: SR,
      clipMs: 1000,
    });
    const test = new Set(lines(dir, 'testing_list.txt'));
    const validation = new Set(lines(dir, 'validation_list.txt'));
    const splitOf = (p: string) => (test.has(p) ? 'test' : validation.has(p) ? 'validation' : 'train');
    const sources: Sources = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8'));
    const clips = ['_silence_', '_unknown_', 'yes', 'no'].flatMap((l) =>
      readdirSync(join(dir, l)).map((f) => `${l}/${f}`),
    );
    expect(clips).toHaveLength(80);
    expect(Object.keys(sources.clips).sort()).toEqual([...clips].sort());
    for (const label of ['_silence_', '_unknown_', 'yes', 'no']) {
      const of = clips.filter((c) => c.startsWith(`${label}/`));
      expect([
        of.filter((c) => splitOf(c) === 'train').length,
        of.filter((c) => splitOf(c) === 'validation').length,
        of.filter((c) => splitOf(c) === 'test').length,
      ]).toEqual([16, 2, 2]);
    }
    // Every composed speech clip comes from a recording of its split's speakers only.
    const speakerSplit = new Map(speakers.map((s) => [s.id, s.split]));
    const voicesBySplit: Record<string, Set<string>> = { train: new Set(), validation: new Set(), test: new Set() };
    let withSnr = 0;
    for (const c of clips) {
      const s = sources.clips[c]!;
      expect(readWav(join(dir, c))).toMatchObject({ sampleRate: SR, channels: 1 });
      expect(readWav(join(dir, c)).samples.length).toBe(SR);
      if (c.startsWith('_silence_/')) {
        expect(s).toMatchObject({ engine: 'silence', heldOut: false });
        expect(s.conditions).toMatchObject({ quiet: false, background: `recorded:${s.voice}`, augment: [] });
        continue;
      }
      expect(s.engine).toBe('recorded');
      // Conditions: an SNR only where a recorded background was mixed in (no room: effective = planned).
      const cond = s.conditions!;
      if (cond.background === 'none') expect(cond.snrDb).toBeUndefined();
      else {
        expect(cond.background).toMatch(/^recorded:/);
        expect(cond.effectiveSnrDb).toBe(cond.snrDb);
        withSnr++;
      }
      expect(c).toContain(`recorded-${s.voice}_nohash_`);
      expect(speakerSplit.get(s.voice)).toBe(splitOf(c));
      expect(s.heldOut).toBe(splitOf(c) === 'train' ? false : 'voice');
      voicesBySplit[splitOf(c)]!.add(s.voice);
    }
    expect(withSnr).toBeGreaterThan(0);
    expect(voicesBySplit.train!.size).toBe(3);
    for (const v of voicesBySplit.test!) expect(voicesBySplit.train!.has(v)).toBe(false);
    for (const v of voicesBySplit.validation!) expect(voicesBySplit.train!.has(v)).toBe(false);
    expect(Object.keys(sources.engines).sort()).toEqual(['recorded', 'silence']);
  });

  it('indexes stream events where the speech energy is', async () => {
    for (const name of ['streams', 'tuning-streams']) {
      const dir = await dirOf(first, name);
      const index: StreamIndexEntry[] = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
      expect(index.length).toBe(name === 'streams' ? 2 : 1);
      for (const entry of index) {
        const x = readWav(join(dir, entry.file)).samples;
        expect(x.length).toBe(12 * SR);
        const inEvent = new Uint8Array(x.length);
        for (const e of entry.events) {
          expect(e.engine).toBe('recorded');
          const a = Math.round(e.onsetSec * SR);
          const b = Math.round(e.offsetSec * SR);
          inEvent.fill(1, Math.max(0, a - 0.05 * SR), Math.min(x.length, b + 0.05 * SR));
          // The word is 10+ dB above the −50 dBFS background, its first and last 50 ms stand out
          // of it, and 50–100 ms before the onset (outside the 30 ms trim pad) is background again.
          const db = (s: number, t: number) => 10 * Math.log10(meanPower(x, s, t));
          expect(db(a, b)).toBeGreaterThan(-40);
          expect(db(b - 0.05 * SR, b)).toBeGreaterThan(-50 + 3);
          const before = db(a - 0.1 * SR, a - 0.05 * SR);
          expect(before).toBeLessThan(-50 + 5); // pink noise and hum wander a few dB
          expect(db(a, a + 0.05 * SR) - before).toBeGreaterThan(8);
        }
        // Outside the events there is only the background.
        let p = 0;
        let n = 0;
        for (let i = 0; i < x.length; i++)
          if (!inEvent[i]) {
            p += x[i]! * x[i]!;
            n++;
          }
        expect(10 * Math.log10(p / n)).toBeCloseTo(-50, 0);
        for (const e of entry.events) expect(e.kind === 'keyword' ? ['yes', 'no'] : ['bed', 'cat']).toContain(e.label);
        const kinds = entry.events.map((e) => e.kind);
        expect(kinds.filter((k) => k === 'keyword').length).toBeGreaterThanOrEqual(2);
        if (name === 'streams') {
          // Scored streams speak with the test split's speaker only.
          const testSpeaker = speakers.find((s) => s.split === 'test')!.id;
          expect(new Set(entry.events.map((e) => e.voice))).toEqual(new Set([testSpeaker]));
        }
      }
    }
  });

  it('is deterministic: same seed → same artifact digests; another seed → other bytes', async () => {
    const again = await compose();
    expect(again.artifacts.map((a) => a.sha256)).toEqual(first.artifacts.map((a) => a.sha256));
    const other = await compose({}, { recordings }, 8);
    expect(other.artifacts[0]!.sha256).not.toBe(first.artifacts[0]!.sha256);
  });

  it('mixes TTS clips: mix.tts of each class and split copied from the same split, with their sources', async () => {
    const r = await compose({ tts: 'tts', mix: { tts: 0.5 } }, { recordings, tts });
    expect(r.metrics).toMatchObject({ clips: 80, ttsClips: 40, composedClips: 40 });
    const dir = await dirOf(r, 'dataset');
    const ttsDir = await dirOf(tts, 'dataset');
    const sources: Sources = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8'));
    const ttsSources: Sources = JSON.parse(readFileSync(join(ttsDir, 'sources.json'), 'utf8'));
    const ttsTest = new Set(lines(ttsDir, 'testing_list.txt'));
    const ttsValidation = new Set(lines(ttsDir, 'validation_list.txt'));
    const test = new Set(lines(dir, 'testing_list.txt'));
    const copied = Object.entries(sources.clips).filter(
      ([, s]) => s.engine !== 'recorded' && !s.voice.startsWith('pink') && !s.voice.startsWith('hum'),
    );
    expect(copied).toHaveLength(40);
    for (const [clip, s] of copied) {
      expect(readFileSync(join(dir, clip)).equals(readFileSync(join(ttsDir, clip)))).toBe(true); // Buffer.equals: jest's toEqual walks 32 K bytes one by one
      expect(test.has(clip)).toBe(ttsTest.has(clip));
      expect(ttsValidation.has(clip) || ttsTest.has(clip) || !test.has(clip)).toBe(true);
      expect(s.conditions).toEqual(ttsSources.clips[clip]!.conditions); // synth-kws' record, kept
      expect(s.conditions).toBeDefined();
      if (!clip.startsWith('_silence_/')) {
        expect(s.engine).toBe('espeak-ng');
        expect(s.heldOut).toBe(ttsTest.has(clip) ? 'voice' : false);
      }
    }
    expect(Object.keys(sources.engines).sort()).toEqual(['espeak-ng', 'recorded', 'silence']);
  });

  it('is listed by the features stage like a synth-kws dataset (the CLI test runs features → train → evaluate on it)', async () => {
    const listing = listKwsDataset(await dirOf(first, 'dataset'));
    expect(listing.labels).toEqual(['_silence_', '_unknown_', 'yes', 'no']);
    expect([listing.splits.train.length, listing.splits.validation.length, listing.splits.test.length]).toEqual([
      64, 8, 8,
    ]);
    expect(listing.missingListed).toEqual([]);
  });

  describe('errors', () => {
    it('a keyword that is not a label of the recordings', async () => {
      await expect(compose({ keywords: ['yes', 'nope'] })).rejects.toThrow(
        'compose-kws: keywords[1]: "nope" is not a label of the recordings dataset (stage "recordings"; its labels: _silence_, _unknown_, yes, no)',
      );
    });
    it('no backgrounds when they are needed', async () => {
      await expect(compose({}, { recordings: noBackgrounds })).rejects.toThrow(
        /compose-kws: _silence_ \(16 clips in the train split\) needs backgrounds, but stage "recordings"'s dataset has no folder "_background_noise_" with WAVs; set keepBackgrounds: true/,
      );
    });
    it('backgrounds are optional when nothing uses them', async () => {
      const r = await compose(
        { silenceFraction: 0, backgrounds: { probability: 0 }, streams: { count: 0 } },
        { recordings: noBackgrounds },
      );
      expect(r.metrics).toMatchObject({ clips: 80 - 20 });
    });
    it('a split without recordings names the label, split and count', async () => {
      const rec = await editedRecordings((dir) => {
        writeFileSync(join(dir, 'validation_list.txt'), '');
        writeFileSync(join(dir, 'testing_list.txt'), '');
      });
      await expect(compose({ unknownFraction: 0 }, { recordings: rec })).rejects.toThrow(
        'compose-kws: keyword "yes" has no recordings in the validation split, but 2 validation clips are to be composed from them ' +
          '(its recordings per split: train 10, validation 0, test 0). A recording\'s split comes from stage "recordings"\'s lists',
      );
    });
    it('a keyword with no recordings', async () => {
      const rec = await editedRecordings((dir) => {
        const manifest = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
        writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...manifest, labels: [...manifest.labels, 'go'] }));
        mkdirSync(join(dir, 'go'));
      });
      await expect(compose({ keywords: ['yes', 'go'] }, { recordings: rec })).rejects.toThrow(
        'compose-kws: keyword "go" has no recordings: folder go/ of stage "recordings"\'s dataset is empty',
      );
    });
    it('a recording that is all silence', async () => {
      const folder = join(root, 'silent');
      await writeRecordedFolder(folder, { words: ['yes', 'no', 'bed'], takes: 1, backgrounds: true });
      write(join(folder, 'yes', 'spk0_nohash_9.wav'), encodeWav16(new Float32Array(SR), SR));
      const rec = await importAudioStage.run(context('recordings', importConfig({ path: folder })));
      await expect(compose({}, { recordings: rec })).rejects.toThrow(
        'compose-kws: stage "recordings": recording yes/spk0_nohash_9.wav is all silence (every sample is 0); remove it, lower trim.floorMarginDb, or set silentRecordings: skip',
      );
      const logs: string[] = [];
      const skipped = await compose({ silentRecordings: 'skip' }, { recordings: rec }, 7, logs);
      expect(skipped.metrics).toMatchObject({ skippedSilent: 1 });
      expect(logs).toContain('left out 1 silent recordings: yes/spk0_nohash_9.wav');
    });
    it('an input stage that is not in needs, or makes no dataset', async () => {
      await expect(compose({ tts: 'data', mix: { tts: 0.5 } }, { recordings })).rejects.toThrow(
        'stages.compose.with.tts: "data" is not among the stage\'s needs (recordings); add it to needs:',
      );
      await expect(compose({}, { recordings: { artifacts: [], metrics: {} } })).rejects.toThrow(
        'stages.compose.with.recordings: stage "recordings" made no "dataset" artifact (expected an import-audio stage; it made nothing)',
      );
    });
    it('a TTS dataset with too few clips in a split', async () => {
      await expect(compose({ tts: 'tts', mix: { tts: 1 }, perKeyword: 40 }, { recordings, tts })).rejects.toThrow(
        'compose-kws: stage "tts": 16 "_silence_" clips in the train split, but mix.tts needs 32; make more clips there (perKeyword) or lower mix.tts',
      );
    });
    it('config mistakes are schema errors', () => {
      expect(composeKwsConfigSchema.safeParse({ recordings: 'r', mix: { tts: 0.5 } }).error?.issues[0]?.message).toBe(
        'mix.tts is 0.5 but no tts stage is named (tts: <synth-kws stage>)',
      );
      expect(
        composeKwsConfigSchema.safeParse({ recordings: 'r', keywords: ['yes'], negatives: ['yes'] }).error?.issues[0]
          ?.message,
      ).toBe('"yes" is also in negatives');
    });
  });

  /** The recordings dataset after `edit`, stored as a new artifact. */
  async function editedRecordings(edit: (dir: string) => void): Promise<StageOutputs> {
    const dir = join(root, `edited-${keyCounter++}`);
    cpSync(await dirOf(recordings, 'dataset'), dir, { recursive: true });
    edit(dir);
    return { artifacts: [await context('recordings', {}).storeDir('dataset', dir)], metrics: {} };
  }
});
