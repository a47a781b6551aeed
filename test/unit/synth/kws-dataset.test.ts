import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbfs } from '../../../src/audio/mix';
import { readWav } from '../../../src/audio/wav';
import { StageInputError } from '../../../src/errors';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { generateKwsDataset, type KwsDatasetManifest } from '../../../src/synth/kws-dataset';
import { voiceSlug } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { encodeTestWav } from '../audio/wav-encoder';
import { dirDigest } from './dir-digest';

/** 10 keywords × 5 clips + 5 _unknown_ + 5 _silence_ = 60 clips, all background kinds. */
const TINY: SynthKwsConfigInput = {
  perKeyword: 5,
  negatives: ['bed', 'bird', 'cat', 'house', 'tree', 'marvin'],
  voices: ['en-us', 'en-gb+m3', 'en-us+f2'],
  testVoices: ['en-gb-scotland+f3', 'en-029+m2'],
  split: { validation: 0.2, test: 0.2 },
};
const tiny = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...TINY, ...over });
const rng = rngForSeed(42, 'data');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kws-dataset-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateKwsDataset on a tiny config', () => {
  let dir: string;
  let digest: Record<string, string>;
  const progress: Array<[number, number]> = [];

  beforeAll(async () => {
    dir = join(root, 'a');
    await generateKwsDataset(tiny(), dir, rng, (d, t) => progress.push([d, t]));
    digest = dirDigest(dir);
  });

  it('writes the Speech Commands layout with 12 labels', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as KwsDatasetManifest;
    expect(manifest.labels).toEqual([
      '_silence_',
      '_unknown_',
      'yes',
      'no',
      'up',
      'down',
      'left',
      'right',
      'on',
      'off',
      'stop',
      'go',
    ]);
    expect(manifest).toMatchObject({ generator: 'synth-kws', version: 3, sampleRate: 16000, clipMs: 1000 });
    expect(manifest.tools['espeak-ng']).toMatch(/^\d+\.\d+/);
    const entries = readdirSync(dir).sort();
    expect(entries).toEqual(
      [...manifest.labels, 'dataset.json', 'sources.json', 'testing_list.txt', 'validation_list.txt'].sort(),
    );
    for (const label of manifest.labels) {
      const files = readdirSync(join(dir, label));
      expect(files).toHaveLength(5);
      for (const f of files) {
        expect(f).toMatch(/^[a-z0-9-]+_nohash_\d{4}\.wav$/);
        const w = readWav(join(dir, label, f));
        expect(w).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
        expect(w.samples.length).toBe(16000);
      }
      for (const split of ['train', 'validation', 'test'] as const) {
        expect(manifest.counts[split][label]).toBe(split === 'train' ? 3 : 1);
      }
    }
  });

  it('list files are sorted, disjoint and name existing clips', () => {
    const read = (f: string): string[] => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
    const val = read('validation_list.txt');
    const test = read('testing_list.txt');
    expect(val).toHaveLength(12);
    expect(test).toHaveLength(12);
    expect(val).toEqual([...val].sort());
    expect(test).toEqual([...test].sort());
    expect(val.filter((l) => test.includes(l))).toEqual([]);
    for (const l of [...val, ...test]) expect(existsSync(join(dir, l))).toBe(true);
    expect(readFileSync(join(dir, 'testing_list.txt'), 'utf8').endsWith('.wav\n')).toBe(true);
  });

  it('uses the held-out voices only in the test split', () => {
    const test = new Set(readFileSync(join(dir, 'testing_list.txt'), 'utf8').split('\n').filter(Boolean));
    const testSlugs = tiny().testVoices!.map(voiceSlug);
    const trainSlugs = (tiny().voices as string[]).map(voiceSlug);
    for (const rel of Object.keys(digest)) {
      if (!rel.endsWith('.wav') || rel.startsWith('_silence_/')) continue;
      const speaker = rel.split('/')[1]!.replace(/_nohash_.*$/, '');
      if (test.has(rel)) expect(testSlugs).toContain(speaker);
      else expect(trainSlugs).toContain(speaker);
    }
  });

  it('clips are at plausible levels and do not clip', () => {
    for (const rel of Object.keys(digest).filter((r) => r.endsWith('.wav'))) {
      const w = readWav(join(dir, rel));
      const level = dbfs(w.samples);
      expect(level).toBeGreaterThan(-75);
      expect(level).toBeLessThan(-8);
      expect(Math.max(...w.samples.map(Math.abs))).toBeLessThanOrEqual(0.99);
    }
  });

  it('reports progress up to the total', () => {
    expect(progress[progress.length - 1]).toEqual([60, 60]);
  });

  it('is deterministic: a second run gives identical bytes', async () => {
    const b = join(root, 'b');
    await generateKwsDataset(tiny(), b, rng);
    expect(dirDigest(b)).toEqual(digest);
  });

  it('does not depend on generation order or concurrency', async () => {
    const c = join(root, 'c');
    await generateKwsDataset(tiny(), c, rng, undefined, { reverseOrder: true, concurrency: 1 });
    expect(dirDigest(c)).toEqual(digest);
  });

  it('resumes: complete clips are kept, missing/partial ones remade, same bytes', async () => {
    const d = join(root, 'd');
    await generateKwsDataset(tiny(), d, rng);
    const clips = Object.keys(digest).filter((r) => r.endsWith('.wav'));
    unlinkSync(join(d, clips[3]!));
    unlinkSync(join(d, clips[40]!));
    truncateSync(join(d, clips[17]!), 1000); // a torn write
    writeFileSync(join(d, `${clips[5]!}.tmp`), 'partial');
    const s = await generateKwsDataset(tiny(), d, rng, undefined, { resume: true });
    expect(s.resumedClips).toBe(57);
    expect(dirDigest(d)).toEqual(digest);
  });

  it('a different seed gives different clips', async () => {
    const e = join(root, 'e');
    await generateKwsDataset(tiny(), e, rngForSeed(43, 'data'));
    const other = dirDigest(e);
    const wavs = Object.keys(digest).filter((r) => r.endsWith('.wav'));
    expect(wavs.filter((r) => other[r] === digest[r])).toEqual([]);
  });
});

describe('generateKwsDataset input errors', () => {
  it('names an espeak-ng voice that is not installed', async () => {
    await expect(generateKwsDataset(tiny({ voices: ['en-us', 'en-us+nope'] }), join(root, 'v'), rng)).rejects.toThrow(
      new StageInputError(
        'voices[1]: espeak-ng voice "en-us+nope": variant not installed (variants: f1, f2, f3, f4, f5, m1, m2, m3, m4, m5, m6, m7, m8, ...)',
      ),
    );
  });

  it('names an unreadable background file', async () => {
    const cfg = tiny({ backgrounds: [{ type: 'white' }, { type: 'file', path: '/nonexistent/noise.wav' }] });
    await expect(generateKwsDataset(cfg, join(root, 'f'), rng)).rejects.toThrow(
      new StageInputError('backgrounds[1].path: "/nonexistent/noise.wav": cannot read file (ENOENT)'),
    );
    const bad = join(root, 'bad.wav');
    writeFileSync(bad, 'not a wav');
    await expect(
      generateKwsDataset(tiny({ backgrounds: [{ type: 'file', path: bad }] }), join(root, 'g'), rng),
    ).rejects.toThrow(new StageInputError(`backgrounds[0].path: "${bad}": not a RIFF/WAVE file`));
  });

  it('uses a user WAV background at another rate (resampled)', async () => {
    const bg = join(root, 'bg8k.wav');
    const frames = Array.from({ length: 8000 }, (_, i) => [0.3 * Math.sin(i * 0.7) + 0.1 * Math.sin(i * 0.05)]);
    writeFileSync(bg, encodeTestWav({ sampleRate: 8000, bits: 16, frames }));
    const out = join(root, 'userbg');
    const s = await generateKwsDataset(
      tiny({ keywords: ['yes'], perKeyword: 3, backgrounds: [{ type: 'file', path: bg }] }),
      out,
      rng,
    );
    expect(s.clips).toBe(9);
    const silence = readdirSync(join(out, '_silence_'));
    expect(silence.every((f) => f.startsWith('file_nohash_'))).toBe(true);
  });
});
