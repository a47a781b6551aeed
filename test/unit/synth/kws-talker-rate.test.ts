import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlay } from '../../../src/audio/mix';
import { readClipSources } from '../../../src/eval/clip-sources';
import { augmentConfigSchema } from '../../../src/synth/augment-config';
import { atSourceRate, bindAugment, KwsAugmenter } from '../../../src/synth/kws-augment';
import { generateKwsDataset } from '../../../src/synth/kws-dataset';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { rngForSeed } from '../../../src/synth/rng-for';
import { bandDb, welchPsd } from '../audio/spectrum';
import { speechLike } from '../dsp/signals';
import { dirDigest } from './dir-digest';

const SR = 16000;
const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const word = Float32Array.from(speechLike('talker-rate', 8000).float);
const speech = new Float32Array(SR);
overlay(speech, word, 4000, 0.3);

describe('augment.talkerRate (the talker at a lower source sample rate)', () => {
  it('atSourceRate: nothing above rate/2 survives, the band below passes, same length', () => {
    const white = Float32Array.from({ length: SR }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    for (const rate of [8000, 11025]) {
      const y = atSourceRate(white, rate, SR);
      expect(y.length).toBe(white.length);
      const [px, py] = [welchPsd(white), welchPsd(y)];
      // Above the source's Nyquist: > 60 dB down; well inside its band: within 1 dB.
      expect(bandDb(py, SR, rate / 2 + 300, 7900) - bandDb(px, SR, rate / 2 + 300, 7900)).toBeLessThan(-60);
      expect(Math.abs(bandDb(py, SR, 300, 0.4 * rate) - bandDb(px, SR, 300, 0.4 * rate))).toBeLessThan(1);
    }
  });

  it('train clips only by default: same seed → same bytes; validation, test and stream utterances untouched', () => {
    const config = augmentConfigSchema.parse({ talkerRate: { probability: 1 } });
    expect(config.talkerRate).toEqual({ probability: 1, rates: [8000, 11025], splits: ['train'] });
    const rngFor = rngForSeed(7, 'data');
    const make = (clip: number, split?: 'train' | 'validation' | 'test') =>
      bindAugment(new KwsAugmenter(config, SR, rngFor), (e) => rngFor('clip', 'yes', clip, 'augment', e), split).speech(
        speech,
      );
    const a = make(0, 'train');
    expect(bytes(a).equals(bytes(make(0, 'train')))).toBe(true);
    expect(bytes(a).equals(bytes(speech))).toBe(false);
    for (const split of ['validation', 'test', undefined] as const)
      expect(bytes(make(0, split)).equals(bytes(speech))).toBe(true);
    // Both rates are drawn over a few clips, and the draw is recorded as speechDraws reports it.
    const augmenter = new KwsAugmenter(config, SR, rngFor);
    const rates = new Set(
      [0, 1, 2, 3, 4, 5, 6, 7].map(
        (k) => augmenter.speechDraws((e) => rngFor('clip', 'yes', k, 'augment', e), 'train').talkerRateHz,
      ),
    );
    expect(rates).toEqual(new Set([8000, 11025]));
  });

  it("other effects' draws do not change when it is switched on", () => {
    const rngFor = rngForSeed(9, 'data');
    const draws = (c: object) =>
      new KwsAugmenter(augmentConfigSchema.parse(c), SR, rngFor).speechDraws(
        (e) => rngFor('clip', 'no', 3, 'augment', e),
        'train',
      );
    const base = { formant: { probability: 1 }, vtlp: { probability: 1 }, room: { probability: 1, rooms: 2 } };
    const { talkerRateHz, ...rest } = draws({ ...base, talkerRate: { probability: 1 } });
    expect(talkerRateHz).toBeDefined();
    expect(rest).toEqual(draws(base));
  });

  it('rejects rates at or above the dataset rate and empty split lists, naming the field', () => {
    expect(augmentConfigSchema.safeParse({ talkerRate: { rates: [16000] } }).success).toBe(false);
    expect(augmentConfigSchema.safeParse({ talkerRate: { splits: [] } }).success).toBe(false);
    expect(augmentConfigSchema.safeParse({ talkerRate: { splits: ['stream'] } }).success).toBe(false);
  });
});

describe('synth-kws with talkerRate', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kws-talker-rate-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const BASE: SynthKwsConfigInput = {
    keywords: ['yes', 'no'],
    perKeyword: 6,
    negatives: ['bed', 'cat'],
    voices: ['en-us', 'en-gb+m3'],
    testVoices: ['en-029+m2'],
    split: { validation: 0.25, test: 0.25 },
    backgrounds: [{ type: 'pink' }],
    streams: { count: 1, durationSec: 6, keywordsPerStream: [1, 1], negativesPerStream: [1, 1], minGapMs: 300 },
    augment: { formant: { probability: 0.5 } },
  };
  const cfg = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });

  it('changes train clips only, records it in sources.json, and is reproducible', async () => {
    const rng = rngForSeed(42, 'data');
    const withIt = { augment: { formant: { probability: 0.5 }, talkerRate: { probability: 0.5 } } };
    await generateKwsDataset(cfg(), join(root, 'off'), rng);
    await generateKwsDataset(cfg(withIt), join(root, 'on'), rng);
    await generateKwsDataset(cfg(withIt), join(root, 'on2'), rng);
    const [off, on, on2] = ['off', 'on', 'on2'].map((d) => dirDigest(join(root, d)));
    expect(on2).toEqual(on);
    const sources = readClipSources(join(root, 'on'));
    const listed = (f: string) =>
      readFileSync(join(root, 'on', f), 'utf8')
        .split('\n')
        .filter(Boolean);
    const heldApart = new Set([...listed('validation_list.txt'), ...listed('testing_list.txt')]);
    const wavs = Object.keys(off!).filter((r) => r.endsWith('.wav') && !r.startsWith('_silence_'));
    let narrowed = 0;
    for (const rel of wavs) {
      const c = sources.sourceOf(rel).conditions!;
      const rate = c.augment.find((a) => a.startsWith('talkerRate:'));
      if (rate) {
        narrowed++;
        expect(heldApart.has(rel)).toBe(false); // a train clip
        expect(on![rel]).not.toBe(off![rel]);
      } else expect(on![rel]).toBe(off![rel]);
    }
    expect(narrowed).toBeGreaterThan(0);
    // The streams never get it.
    for (const f of Object.keys(off!).filter((r) => r.startsWith('streams/'))) expect(on![f]).toBe(off![f]);
  });
});
