import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourcesFileSchema } from '../../../src/eval/clip-sources';
import { closePythonServers } from '../../../src/synth/engines/neural';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { generateKwsDataset, type KwsDatasetManifest, type KwsSourcesManifest } from '../../../src/synth/kws-dataset';
import { generateKwsStreams, type StreamIndexEntry } from '../../../src/synth/kws-streams';
import { rngForSeed } from '../../../src/synth/rng-for';
import { dirDigest } from './dir-digest';

/**
 * A small synth-kws run with three training engines (espeak-ng, pico, mbrola) and a
 * held-out engine (flite): sources.json lists every clip with its engine, voice and
 * held-out class; held-out clips are test-only; a rerun with a warm render cache makes
 * no render and the same bytes; adding an engine renders only that engine's words.
 */

const CONFIG = {
  keywords: ['yes', 'no', 'go'],
  perKeyword: 12,
  negatives: ['bed', 'cat'],
  split: { validation: 0.25, test: 0.25 },
  backgrounds: [{ type: 'pink' }, { type: 'babble' }],
  voices: {
    engines: {
      'espeak-ng': { voices: ['en-us', 'en-gb+m3'], testVoices: ['en-029+m2'], weight: 2 },
      pico: { voices: ['en-US'], testVoices: ['en-GB'] },
      mbrola: { voices: ['us1', 'en1'], phonemeVariation: 0.5 },
    },
    heldOutEngines: ['flite'],
    heldOutPerKeyword: 4,
  },
  streams: { count: 2, durationSec: 8, keywordsPerStream: [2, 2], negativesPerStream: [1, 1] },
};

let root: string;
const savedCache = process.env.TINYOPS_TTS_CACHE;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kws-engines-'));
  process.env.TINYOPS_TTS_CACHE = join(root, 'tts-cache');
});
afterAll(() => {
  closePythonServers();
  if (savedCache === undefined) delete process.env.TINYOPS_TTS_CACHE;
  else process.env.TINYOPS_TTS_CACHE = savedCache;
  rmSync(root, { recursive: true, force: true });
});

describe('synth-kws with several engines and a held-out engine', () => {
  const config = synthKwsConfigSchema.parse(CONFIG);
  const rng = rngForSeed(7, 'data');
  let dir: string;
  let sources: KwsSourcesManifest;
  let first: Awaited<ReturnType<typeof generateKwsDataset>>;

  beforeAll(async () => {
    dir = join(root, 'a');
    first = await generateKwsDataset(config, dir, rng);
    sources = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8')) as KwsSourcesManifest;
  }, 300_000);

  it('writes sources.json: engines with version, licence, family, role, and every clip', () => {
    expect(sources.format).toBe(1);
    // What evaluate reads (src/eval/clip-sources.ts) accepts it.
    expect(() => sourcesFileSchema.parse(sources)).not.toThrow();
    expect(Object.keys(sources.engines)).toEqual(['espeak-ng', 'pico', 'mbrola', 'flite']);
    expect(sources.engines.flite).toMatchObject({
      role: 'held-out',
      family: expect.any(String),
      licence: expect.any(String),
      version: expect.stringMatching(/\d/),
    });
    expect(sources.engines.pico!.role).toBe('train');
    const wavs = Object.keys(dirDigest(dir))
      .filter((p) => p.endsWith('.wav'))
      .sort();
    expect(Object.keys(sources.clips)).toEqual(wavs);
    // 3 keywords × (12 + 4 held-out-engine) + _unknown_ (12 + 4) + _silence_ 12.
    expect(wavs).toHaveLength(3 * 16 + 16 + 12);
    const manifest = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as KwsDatasetManifest;
    expect(manifest.engines).toEqual(sources.engines);
    expect(Object.keys(manifest.tools)).toEqual(['espeak-ng', 'pico', 'mbrola', 'flite']);
  });

  it('names each clip by its voice tag and keeps held-out voices and engines in the test split only', () => {
    const test = new Set(readFileSync(join(dir, 'testing_list.txt'), 'utf8').split('\n').filter(Boolean));
    const byClass = { false: 0, voice: 0, engine: 0 } as Record<string, number>;
    for (const [rel, c] of Object.entries(sources.clips)) {
      byClass[String(c.heldOut)]!++;
      const tag = rel.split('/')[1]!.replace(/_nohash_.*$/, '');
      if (c.engine === 'silence') {
        expect(rel.startsWith('_silence_/')).toBe(true);
        continue;
      }
      expect(tag).toBe(c.engine === 'espeak-ng' ? c.voice.replace('+', '-') : `${c.engine}-${c.voice}`);
      if (c.heldOut === false) expect(test.has(rel)).toBe(false);
      else expect(test.has(rel)).toBe(true);
      if (c.heldOut === 'engine') expect(c.engine).toBe('flite');
      if (c.heldOut === 'voice') expect(['en-029+m2', 'en-GB']).toContain(c.voice);
    }
    expect(byClass.engine).toBe(16);
    expect(byClass.voice).toBeGreaterThan(0);
    // Every training engine speaks.
    const engines = new Set(
      Object.values(sources.clips)
        .filter((c) => c.heldOut === false && c.engine !== 'silence')
        .map((c) => c.engine),
    );
    expect([...engines].sort()).toEqual(['espeak-ng', 'mbrola', 'pico']);
  });

  it('reruns from the render cache: no render, the same bytes', async () => {
    expect(first.renders).toBeGreaterThan(0);
    const again = await generateKwsDataset(config, join(root, 'b'), rng);
    expect(again.renders).toBe(0);
    expect(dirDigest(join(root, 'b'))).toEqual(dirDigest(dir));
  }, 300_000);

  it('renders the same bytes again from an empty render cache (these engines are deterministic)', async () => {
    const saved = process.env.TINYOPS_TTS_CACHE;
    process.env.TINYOPS_TTS_CACHE = join(root, 'tts-cache-2');
    try {
      const fresh = await generateKwsDataset(config, join(root, 'fresh'), rng, undefined, { reverseOrder: true });
      expect(fresh.renders).toBe(first.renders);
      expect(dirDigest(join(root, 'fresh'))).toEqual(dirDigest(dir));
    } finally {
      process.env.TINYOPS_TTS_CACHE = saved;
    }
  }, 300_000);

  it('adding an engine renders only what that engine speaks', async () => {
    const more = synthKwsConfigSchema.parse({
      ...CONFIG,
      voices: { ...CONFIG.voices, engines: { ...CONFIG.voices.engines, rhvoice: { voices: ['slt'] } } },
    });
    const r = await generateKwsDataset(more, join(root, 'c'), rng);
    expect(r.engineRenders.rhvoice!.renders).toBeGreaterThan(0);
    for (const e of ['espeak-ng', 'pico', 'mbrola', 'flite'])
      expect([e, r.engineRenders[e]?.renders ?? 0]).toEqual([e, 0]);
    const s = JSON.parse(readFileSync(join(root, 'c', 'sources.json'), 'utf8')) as KwsSourcesManifest;
    expect(Object.values(s.clips).some((c) => c.engine === 'rhvoice')).toBe(true);
  }, 300_000);

  it('streams carry engine and voice per event; scored streams use held-out voices and engines, tuning the training voices', async () => {
    const cfg = synthKwsConfigSchema.parse({
      ...CONFIG,
      streams: { ...CONFIG.streams, count: 3, tuning: { count: 2 } },
    });
    const out = join(root, 'streams');
    await generateKwsStreams(cfg, out, rng);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as StreamIndexEntry[];
    const events = index.flatMap((e) => e.events);
    expect(events.length).toBe(9);
    for (const ev of events) expect(ev.heldOut === 'voice' || ev.heldOut === 'engine').toBe(true);
    expect(events.every((ev) => typeof ev.engine === 'string' && typeof ev.voice === 'string')).toBe(true);
    const tuneDir = join(root, 'tune');
    await generateKwsStreams(cfg, tuneDir, rng, undefined, 'tuning');
    const tune = (JSON.parse(readFileSync(join(tuneDir, 'index.json'), 'utf8')) as StreamIndexEntry[]).flatMap(
      (e) => e.events,
    );
    expect(tune.every((ev) => ev.heldOut === false && ev.engine !== 'flite')).toBe(true);
  }, 300_000);
});
