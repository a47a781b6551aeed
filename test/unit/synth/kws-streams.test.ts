import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbfs } from '../../../src/audio/mix';
import { readWav } from '../../../src/audio/wav';
import { StageInputError } from '../../../src/errors';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { generateKwsStreams, placeSegments, type StreamIndexEntry } from '../../../src/synth/kws-streams';
import { rngForSeed } from '../../../src/synth/rng-for';
import { Prng } from '../../../src/util/prng';
import { dirDigest } from './dir-digest';

const BASE: SynthKwsConfigInput = {
  keywords: ['yes', 'no', 'stop'],
  negatives: ['bed', 'bird', 'house'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  // Stationary backgrounds only: 50 ms windows of pink/brown noise vary by several dB,
  // which would blur the onset/offset energy checks below.
  backgrounds: [{ type: 'white' }, { type: 'hum', humHz: 60 }],
  // Speech ≥ 30 dB over the background, so a late offset (silence or echo tail inside the
  // event) would show as background-level energy in the event's last 50 ms.
  levelDbfs: [-20, -12],
  streams: {
    count: 2,
    durationSec: 8,
    keywordsPerStream: [2, 3],
    negativesPerStream: [1, 2],
    backgroundDbfs: -50,
    minGapMs: 300,
  },
};
const config = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rng = rngForSeed(7, 'data');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kws-streams-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateKwsStreams', () => {
  let dir: string;
  let index: StreamIndexEntry[];
  beforeAll(async () => {
    dir = join(root, 'a');
    const s = await generateKwsStreams(config(), dir, rng);
    expect(s).toMatchObject({ streams: 2, totalSec: 16 });
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as StreamIndexEntry[];
  });

  it('writes the streams and an index of them', () => {
    expect(index.map((e) => e.file)).toEqual(['stream-000.wav', 'stream-001.wav']);
    for (const e of index) {
      expect(e).toMatchObject({ durationSec: 8, sampleRate: 16000 });
      const w = readWav(join(dir, e.file));
      expect(w.samples.length).toBe(8 * 16000);
      const kw = e.events.filter((v) => v.kind === 'keyword');
      const neg = e.events.filter((v) => v.kind === 'negative');
      expect(kw.length).toBeGreaterThanOrEqual(2);
      expect(kw.length).toBeLessThanOrEqual(3);
      expect(neg.length).toBeGreaterThanOrEqual(1);
      expect(neg.length).toBeLessThanOrEqual(2);
      for (const v of kw) expect(['yes', 'no', 'stop']).toContain(v.label);
      for (const v of neg) expect(['bed', 'bird', 'house']).toContain(v.label);
    }
  });

  it('events lie inside the stream, sorted, non-overlapping, at least minGapMs apart', () => {
    for (const e of index) {
      let prevEnd = 0;
      for (const v of e.events) {
        expect(v.offsetSec).toBeGreaterThan(v.onsetSec);
        expect(v.onsetSec - prevEnd).toBeGreaterThanOrEqual(0.3 - 1e-9);
        prevEnd = v.offsetSec;
      }
      expect(e.durationSec - prevEnd).toBeGreaterThanOrEqual(0.3 - 1e-9);
    }
  });

  it('onsets/offsets are the speech extent: louder than the background right after onset, background right before', () => {
    for (const e of index) {
      const x = readWav(join(dir, e.file)).samples;
      const at = (sec: number): number => Math.round(sec * 16000);
      const bgLevel = dbfs(x, 0, at(e.events[0]!.onsetSec)); // before the first event
      expect(Math.abs(bgLevel + 50)).toBeLessThan(1.5);
      for (const v of e.events) {
        const on = at(v.onsetSec);
        const off = at(v.offsetSec);
        expect(dbfs(x, on, off)).toBeGreaterThan(bgLevel + 15);
        expect(dbfs(x, on, on + 800)).toBeGreaterThan(bgLevel + 6); // first 50 ms
        expect(dbfs(x, off - 800, off)).toBeGreaterThan(bgLevel + 6); // last 50 ms
        // 50 ms before onset / after offset: background only (within 2 dB).
        expect(Math.abs(dbfs(x, on - 800, on) - bgLevel)).toBeLessThan(2);
        expect(Math.abs(dbfs(x, off, off + 800) - bgLevel)).toBeLessThan(2);
      }
    }
  });

  it('is deterministic', async () => {
    const b = join(root, 'b');
    await generateKwsStreams(config(), b, rng);
    expect(dirDigest(b)).toEqual(dirDigest(dir));
  });

  it('fails with a StageInputError naming streams.durationSec when the words cannot fit', async () => {
    const c = config({
      streams: { count: 1, durationSec: 5, keywordsPerStream: [20, 20], negativesPerStream: [0, 0], minGapMs: 300 },
    });
    await expect(generateKwsStreams(c, join(root, 'c'), rng)).rejects.toThrow(StageInputError);
    await expect(generateKwsStreams(c, join(root, 'c'), rng)).rejects.toThrow(
      /^streams\.durationSec: 5 s cannot hold 20 utterances/,
    );
  });
});

describe('placeSegments', () => {
  it('places random layouts that respect the gap and the edges', () => {
    for (let t = 0; t < 200; t++) {
      const r = Prng.derive('place', t);
      const lengths = Array.from({ length: r.int(0, 8) }, () => r.int(1, 500));
      const n = lengths.reduce((a, b) => a + b, 0) + 50 * (lengths.length + 1) + r.int(0, 2000);
      const starts = placeSegments(lengths, n, 50, r)!;
      let prevEnd = 0;
      starts.forEach((s, i) => {
        expect(s - prevEnd).toBeGreaterThanOrEqual(50);
        prevEnd = s + lengths[i]!;
      });
      expect(n - prevEnd).toBeGreaterThanOrEqual(50);
    }
  });
  it('returns undefined when the segments cannot fit', () => {
    expect(placeSegments([100, 100], 349, 50, Prng.derive('x'))).toBeUndefined();
    expect(placeSegments([100, 100], 350, 50, Prng.derive('x'))).toEqual([50, 200]);
  });
});
