import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../../src/audio/wav';
import { BackgroundBank } from '../../../src/synth/backgrounds';
import { makeSpeechClip, streamStyleStart } from '../../../src/synth/kws-clip';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, UNKNOWN_LABEL, type SpeechClipPlan } from '../../../src/synth/kws-plan';
import { generateKwsStreams, type StreamIndexEntry } from '../../../src/synth/kws-streams';
import { rngForSeed } from '../../../src/synth/rng-for';
import type { Utterance } from '../../../src/synth/utterance';
import { listFormVoices } from '../../../src/synth/voice-sources';
import { Prng } from '../../../src/util/prng';
import { dirDigest } from './dir-digest';

/** Stream-style `_unknown_` clips, training-only negatives and tuning streams (issue #4). */

const BASE: SynthKwsConfigInput = {
  perKeyword: 40,
  unknownFraction: 2,
  negatives: ['bed', 'bird', 'cat'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  backgrounds: [{ type: 'white' }],
};
const config = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rng = rngForSeed(11, 'data');

describe('planClips with streamStyleUnknown and extraNegatives', () => {
  const on = config({ extraNegatives: ['lift', 'town'], streamStyleUnknown: { fraction: 0.5, neighbourProb: 0.5 } });

  it('is deterministic and marks only _unknown_ clips, about `fraction` of them', () => {
    const a = planClips(on, rng);
    expect(planClips(on, rng)).toEqual(a);
    const styled = a.filter((p) => p.kind === 'speech' && p.streamStyle !== undefined) as SpeechClipPlan[];
    expect(styled.every((p) => p.label === UNKNOWN_LABEL)).toBe(true);
    const unknown = a.filter((p) => p.label === UNKNOWN_LABEL).length;
    expect(unknown).toBe(80);
    expect(styled.length).toBeGreaterThan(0.3 * unknown);
    expect(styled.length).toBeLessThan(0.7 * unknown);
    const withNeighbour = styled.filter((p) => p.streamStyle!.neighbour !== undefined);
    expect(withNeighbour.length).toBeGreaterThan(0);
    expect(withNeighbour.length).toBeLessThan(styled.length);
    for (const p of styled) {
      expect(p.streamStyle!.position).toBeGreaterThanOrEqual(0);
      expect(p.streamStyle!.position).toBeLessThan(1);
      const nb = p.streamStyle!.neighbour;
      if (nb) {
        expect(nb.request.voice).toBe(p.request.voice);
        expect(['bed', 'bird', 'cat', 'lift', 'town']).toContain(nb.request.text);
        expect(nb.gapMs).toBeGreaterThanOrEqual(100);
        expect(nb.gapMs).toBeLessThanOrEqual(500);
      }
    }
  });

  it('draws _unknown_ words from negatives and extraNegatives', () => {
    const words = new Set(
      planClips(on, rng).flatMap((p) => (p.kind === 'speech' && p.label === UNKNOWN_LABEL ? [p.request.text] : [])),
    );
    expect([...words].sort()).toEqual(['bed', 'bird', 'cat', 'lift', 'town']);
  });

  it('leaves every other choice unchanged when only stream-style clips are switched on', () => {
    const off = planClips(config(), rng);
    const styled = planClips(config({ streamStyleUnknown: { fraction: 1 } }), rng);
    expect(styled.map((p) => (p.kind === 'speech' ? { ...p, streamStyle: undefined } : p))).toEqual(
      off.map((p) => (p.kind === 'speech' ? { ...p, streamStyle: undefined } : p)),
    );
  });

  it('rejects extra negatives that are keywords or already negatives', () => {
    expect(synthKwsConfigSchema.safeParse({ ...BASE, extraNegatives: ['yes'] }).success).toBe(false);
    expect(synthKwsConfigSchema.safeParse({ ...BASE, extraNegatives: ['bed'] }).success).toBe(false);
  });
});

describe('streamStyleStart', () => {
  const sr = 16000;
  const clip = 16000;
  it('spans from "cut at the left edge" to "cut at the right edge", keeping minInsideMs inside', () => {
    const word = 6000;
    const inside = 2400; // 150 ms
    expect(streamStyleStart({ position: 0, minInsideMs: 150 }, word, clip, sr)).toBe(inside - word);
    expect(streamStyleStart({ position: 0.999999999, minInsideMs: 150 }, word, clip, sr)).toBe(clip - inside);
    const r = new Prng([1, 2, 3, 4]);
    for (let i = 0; i < 1000; i++) {
      const start = streamStyleStart({ position: r.next(), minInsideMs: 150 }, word, clip, sr);
      const overlap = Math.min(clip, start + word) - Math.max(0, start);
      expect(overlap).toBeGreaterThanOrEqual(inside);
    }
  });
  it('keeps a word shorter than minInsideMs whole', () => {
    expect(streamStyleStart({ position: 0, minInsideMs: 150 }, 1000, clip, sr)).toBe(0);
    expect(streamStyleStart({ position: 0.999999, minInsideMs: 150 }, 1000, clip, sr)).toBe(clip - 1000);
  });
});

describe('makeSpeechClip, stream-style', () => {
  /** A 300 ms tone burst with 100 ms of silence on each side. */
  const tone = (hz: number): Utterance => {
    const samples = new Float32Array(8000);
    for (let i = 1600; i < 6400; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000);
    return { samples, extent: { start: 1600, end: 6400 }, cached: true };
  };
  const planOf = (position: number, neighbour: boolean): SpeechClipPlan => ({
    kind: 'speech',
    label: UNKNOWN_LABEL,
    index: 0,
    split: 'train',
    relPath: '_unknown_/x.wav',
    background: 0,
    request: { engine: 'espeak-ng', text: 'bed', voice: 'en-us', params: { pitch: 50, speed: 175 } },
    source: { engine: 'espeak-ng', voice: 'en-us', heldOut: false, tag: 'en-us' },
    levelDbfs: -20,
    snrDb: 60,
    shiftMs: 0,
    streamStyle: {
      position,
      minInsideMs: 150,
      ...(neighbour
        ? {
            neighbour: {
              request: { engine: 'espeak-ng', text: 'cat', voice: 'en-us', params: { pitch: 50, speed: 175 } },
              levelDbfs: -20,
              gapMs: 200,
            },
          }
        : {}),
    },
  });
  let bank: BackgroundBank;
  beforeAll(async () => {
    bank = await BackgroundBank.load(
      config().backgrounds,
      16000,
      {
        negatives: ['bed'],
        groups: listFormVoices(config({ voices: ['en-us'], pitch: [50, 50], speed: [175, 175] })).train,
      },
      rng,
    );
  });
  const energy = (x: Float32Array, from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += x[i]! * x[i]!;
    return s / (to - from);
  };

  it('cuts the word at the clip edge the position asks for and is a pure function of plan and rng', () => {
    const left = makeSpeechClip(planOf(0, false), tone(440), bank, 16000, 16000, new Prng([5, 6, 7, 8]));
    expect(left).toHaveLength(16000);
    expect(makeSpeechClip(planOf(0, false), tone(440), bank, 16000, 16000, new Prng([5, 6, 7, 8]))).toEqual(left);
    // Only the last 150 ms of the tone are inside, at the start of the clip.
    expect(energy(left, 0, 2400)).toBeGreaterThan(1000 * energy(left, 4000, 16000));
  });

  it('adds the neighbour on the side with more room', () => {
    const withN = makeSpeechClip(planOf(0, true), tone(440), bank, 16000, 16000, new Prng([5, 6, 7, 8]), tone(880));
    // Word ends at 2400, 200 ms gap → neighbour at 5600 … 10400.
    expect(energy(withN, 6000, 10000)).toBeGreaterThan(1000 * energy(withN, 12000, 16000));
    expect(() => makeSpeechClip(planOf(0, true), tone(440), bank, 16000, 16000, new Prng([5, 6, 7, 8]))).toThrow(
      /neighbour/,
    );
  });
});

describe('tuning streams', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kws-tuning-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const streamsConfig = config({
    keywords: ['yes', 'no'],
    streams: {
      count: 1,
      durationSec: 6,
      keywordsPerStream: [1, 2],
      negativesPerStream: [1, 1],
      tuning: { count: 2, voiceSet: 'train' },
    },
  });

  it('are their own set: tune-NNN files, training voices, other draws than the scored streams, deterministic', async () => {
    const tuning = join(root, 't');
    const s = await generateKwsStreams(streamsConfig, tuning, rng, undefined, 'tuning');
    expect(s).toMatchObject({ streams: 2, totalSec: 12 });
    const index = JSON.parse(readFileSync(join(tuning, 'index.json'), 'utf8')) as StreamIndexEntry[];
    expect(index.map((e) => e.file)).toEqual(['tune-000.wav', 'tune-001.wav']);
    expect(readWav(join(tuning, 'tune-000.wav')).samples).toHaveLength(6 * 16000);

    const scored = join(root, 's');
    await generateKwsStreams(streamsConfig, scored, rng);
    const scoredIndex = JSON.parse(readFileSync(join(scored, 'index.json'), 'utf8')) as StreamIndexEntry[];
    expect(scoredIndex.map((e) => e.file)).toEqual(['stream-000.wav']);
    expect(scoredIndex[0]!.events).not.toEqual(index[0]!.events);

    const again = join(root, 't2');
    await generateKwsStreams(streamsConfig, again, rng, undefined, 'tuning');
    expect(dirDigest(again)).toEqual(dirDigest(tuning));
  }, 60_000);
});
