import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbfs } from '../../../src/audio/mix';
import { readWav } from '../../../src/audio/wav';
import { readClipSources } from '../../../src/eval/clip-sources';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { generateKwsDataset } from '../../../src/synth/kws-dataset';
import { generateKwsStreams, type StreamIndexEntry } from '../../../src/synth/kws-streams';
import { rngForSeed } from '../../../src/synth/rng-for';
import { dirDigest } from './dir-digest';

/** 3 keywords × 4 clips + 4 _unknown_ + 4 _silence_ = 20 clips with every effect likely on. */
const BASE: SynthKwsConfigInput = {
  keywords: ['yes', 'no', 'stop'],
  perKeyword: 4,
  negatives: ['bed', 'bird', 'cat'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-029+m2'],
  split: { validation: 0.25, test: 0.25 },
  backgrounds: [{ type: 'pink' }, { type: 'recorded', set: 'crowd' }, { type: 'recorded', set: 'engines' }],
  streams: { count: 1, durationSec: 6, keywordsPerStream: [2, 2], negativesPerStream: [1, 1], minGapMs: 300 },
};
const AUGMENT = {
  formant: { probability: 0.5 },
  vtlp: { probability: 0.5 },
  room: { probability: 0.7, rooms: 4 },
  mic: { probability: 0.7 },
  agc: { probability: 0.5 },
  clipping: { probability: 0.3 },
  codec: { probability: 0.5 },
};
const cfg = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rng = rngForSeed(42, 'data');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kws-augment-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('synth-kws with augment', () => {
  let plain: Record<string, string>;
  let augmented: Record<string, string>;

  beforeAll(async () => {
    await generateKwsDataset(cfg(), join(root, 'plain'), rng);
    plain = dirDigest(join(root, 'plain'));
    await generateKwsDataset(cfg({ augment: AUGMENT }), join(root, 'aug'), rng);
    augmented = dirDigest(join(root, 'aug'));
  });

  it('same seed → same dataset digest', async () => {
    await generateKwsDataset(cfg({ augment: AUGMENT }), join(root, 'aug2'), rng, undefined, {
      reverseOrder: true,
      concurrency: 1,
    });
    expect(dirDigest(join(root, 'aug2'))).toEqual(augmented);
  });

  it('another seed → different clips', async () => {
    await generateKwsDataset(cfg({ augment: AUGMENT }), join(root, 'aug3'), rngForSeed(43, 'data'));
    const other = dirDigest(join(root, 'aug3'));
    const wavs = Object.keys(augmented).filter((r) => r.endsWith('.wav'));
    expect(wavs.filter((r) => other[r] === augmented[r]).length).toBeLessThan(2);
  });

  it('changes most clips but keeps file names, lists and the plan', () => {
    expect(Object.keys(augmented)).toEqual(Object.keys(plain));
    for (const f of ['validation_list.txt', 'testing_list.txt', 'dataset.json']) expect(augmented[f]).toBe(plain[f]);
    const wavs = Object.keys(plain).filter((r) => r.endsWith('.wav'));
    const changed = wavs.filter((r) => augmented[r] !== plain[r]);
    expect(changed.length).toBeGreaterThan(0.8 * wavs.length);
  });

  it("sources.json records every clip's conditions: a clip listed without effects is the plain clip", () => {
    const sources = readClipSources(join(root, 'aug'));
    const plainSources = readClipSources(join(root, 'plain'));
    const wavs = Object.keys(plain).filter((r) => r.endsWith('.wav'));
    let bare = 0;
    for (const rel of wavs) {
      const c = sources.sourceOf(rel).conditions!;
      const p = plainSources.sourceOf(rel).conditions!;
      // Same plan: same SNR, level, background and quiet flag with or without augment.
      expect({ ...c, augment: [], roomDistanceM: undefined, effectiveSnrDb: undefined }).toEqual({
        ...p,
        roomDistanceM: undefined,
        effectiveSnrDb: undefined,
      });
      expect(p.augment).toEqual([]);
      if (c.augment.length === 0) {
        bare++;
        expect(augmented[rel]).toBe(plain[rel]);
      }
      // These effects always change the samples (clipping or a 16-bit requantization may not).
      if (['formant', 'vtlp', 'room', 'mic'].some((e) => c.augment.includes(e)))
        expect(augmented[rel]).not.toBe(plain[rel]);
      if (c.augment.includes('room'))
        expect(c.effectiveSnrDb!).toBeCloseTo(c.snrDb! - 20 * Math.log10(c.roomDistanceM!), 1);
      else expect(c.effectiveSnrDb).toBe(c.snrDb);
    }
    expect(bare).toBeLessThan(wavs.length / 2); // every effect is likely on: few clips have none
    expect(new Set(wavs.map((r) => sources.sourceOf(r).conditions!.background))).toEqual(
      new Set(['pink', 'recorded:crowd', 'recorded:engines']),
    );
  });

  it('augmented clips stay 1 s, 16-bit, at plausible levels', () => {
    const dir = join(root, 'aug');
    for (const label of ['yes', '_silence_']) {
      for (const f of readdirSync(join(dir, label))) {
        const w = readWav(join(dir, label, f));
        expect(w.samples.length).toBe(16000);
        expect(dbfs(w.samples)).toBeGreaterThan(-80);
        expect(dbfs(w.samples)).toBeLessThan(-3);
      }
    }
  });

  it('an empty augment block (no effect on) gives the bytes of no augment block', async () => {
    await generateKwsDataset(cfg({ augment: {} }), join(root, 'empty'), rng);
    expect(dirDigest(join(root, 'empty'))).toEqual(plain);
  });

  it('streams: reproducible, utterances augmented, events still mark the dry word', async () => {
    await generateKwsStreams(cfg({ augment: AUGMENT }), join(root, 's1'), rng);
    await generateKwsStreams(cfg({ augment: AUGMENT }), join(root, 's2'), rng);
    await generateKwsStreams(cfg(), join(root, 's0'), rng);
    const d1 = dirDigest(join(root, 's1'));
    expect(dirDigest(join(root, 's2'))).toEqual(d1);
    expect(d1['stream-000.wav']).not.toBe(dirDigest(join(root, 's0'))['stream-000.wav']);
    const index = (d: string): StreamIndexEntry[] =>
      JSON.parse(readFileSync(join(root, d, 'index.json'), 'utf8')) as StreamIndexEntry[];
    // Same words, each as long as its dry render (a room only adds a tail after it).
    const words = (d: string) =>
      index(d)[0]!
        .events.map((e) => [e.label, Math.round((e.offsetSec - e.onsetSec) * 16000)])
        .sort();
    expect(words('s1')).toEqual(words('s0'));
    expect(index('s1')[0]!.background).toMatch(/^(pink|recorded)$/);
  });

  it('streams: false leaves the streams dry', async () => {
    await generateKwsStreams(cfg({ augment: { ...AUGMENT, streams: false } }), join(root, 's3'), rng);
    expect(dirDigest(join(root, 's3'))).toEqual(dirDigest(join(root, 's0')));
  });
});

describe('recorded backgrounds in the config', () => {
  it('needs a set, and only for type recorded', () => {
    const bad = synthKwsConfigSchema.safeParse({ backgrounds: [{ type: 'recorded' }, { type: 'pink', set: 'crowd' }] });
    expect(bad.success).toBe(false);
    const issues = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual([
      'backgrounds.0.set: a recorded background needs a set (crowd, engines)',
      'backgrounds.1.set: set is only for type "recorded", not "pink"',
    ]);
    expect(synthKwsConfigSchema.safeParse({ backgrounds: [{ type: 'recorded', set: 'rain' }] }).success).toBe(false);
  });

  it('_silence_ clips of a recorded set are named after the type', async () => {
    const out = join(root, 'rec');
    await generateKwsDataset(
      cfg({ keywords: ['yes'], perKeyword: 2, backgrounds: [{ type: 'recorded', set: 'engines' }] }),
      out,
      rng,
    );
    expect(readdirSync(join(out, '_silence_')).every((f) => f.startsWith('recorded_nohash_'))).toBe(true);
  });
});
