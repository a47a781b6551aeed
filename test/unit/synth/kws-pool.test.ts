import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../../src/errors';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { generateKwsStreams } from '../../../src/synth/kws-streams';
import { KwsPool, synthWorkerCount } from '../../../src/synth/kws-pool';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';
import { dirDigest } from './dir-digest';
import { generateAll, POOL_CONFIG, type PoolDigests } from './kws-pool-fixture';

/**
 * The bytes of POOL_CONFIG's dataset and streams as synth-kws v2 made them before the
 * data-stage speed-ups (worker threads, the four-at-a-time resampler, inline WAV coding;
 * docs/results/2026-12-04-data-stage-speed.md): any change of the output bytes fails here.
 * `dataset` re-recorded for synth-kws v3, whose sources.json adds each clip's conditions and
 * whose dataset.json says version 3: every other file (the WAVs, the lists, both stream
 * sets) has the v2 bytes, checked file by file against main's build.
 * They depend on espeak-ng's and pico's renders: after an engine upgrade (toolVersions, a new
 * cache key) re-record them with the code of a commit whose bytes are trusted.
 */
const GOLDEN: PoolDigests = {
  dataset: '5d76e626cab7cc311d3bdfc67b55c93ad4468765d23fea561ed803ca0fa5e075',
  streams: 'a43e03e39da918df869236761126bf44e8288f484669f7638d689bcee74e54d3',
  tuning: '20a9d2c08d54c12bd8f2862f7e76d8795ea11bc96a9eafb343fe531d28e94eab',
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kws-pool-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Run `task` with `$TINYOPS_TTS_CACHE` set to `dir` (set before any pool starts). */
async function withTtsCache<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const before = process.env.TINYOPS_TTS_CACHE;
  process.env.TINYOPS_TTS_CACHE = dir;
  try {
    return await task();
  } finally {
    if (before === undefined) delete process.env.TINYOPS_TTS_CACHE;
    else process.env.TINYOPS_TTS_CACHE = before;
  }
}

const startPool = async (size: number, config = POOL_CONFIG): Promise<KwsPool> =>
  KwsPool.start(size, { config, seed: 42, stageName: 'data', voices: await resolveVoices(config) });

describe('synth-kws bytes, one thread or worker threads', () => {
  it('one thread makes the golden bytes', async () => {
    expect(await generateAll(POOL_CONFIG, join(root, 'inline'))).toEqual(GOLDEN);
  });

  it('two worker threads make the same bytes', async () => {
    const pool = await startPool(2);
    try {
      expect(await generateAll(POOL_CONFIG, join(root, 'pool2'), pool)).toEqual(GOLDEN);
    } finally {
      await pool.close();
    }
  });

  it('with an empty render cache the workers have the main thread render into it, same bytes', async () => {
    // One thread, then three workers, each from its own empty render cache: every render the
    // workers need is made by the main thread into this test's cache (never read from the
    // machine's cache: the workers get this thread's process.env, src/util/worker-thread.ts),
    // so both caches end up holding the same renders.
    const inline = await withTtsCache(join(root, 'cache-inline'), () => generateAll(POOL_CONFIG, join(root, 'cold1')));
    expect(inline).toEqual(GOLDEN);
    const pooled = await withTtsCache(join(root, 'cache-pool'), async () => {
      const pool = await startPool(3);
      try {
        return await generateAll(POOL_CONFIG, join(root, 'cold3'), pool);
      } finally {
        await pool.close();
      }
    });
    expect(pooled).toEqual(GOLDEN);
    const renders = (cache: string) => Object.keys(dirDigest(join(root, cache))).sort();
    expect(renders('cache-inline').length).toBeGreaterThan(0);
    expect(renders('cache-pool')).toEqual(renders('cache-inline'));
  });
});

describe('KwsPool', () => {
  it('refuses another config or generators other than its own', async () => {
    const pool = await startPool(1);
    try {
      const other = synthKwsConfigSchema.parse({ ...POOL_CONFIG, perKeyword: 7 });
      await expect(generateAll(other, join(root, 'other'), pool)).rejects.toThrow(/another config/);
      await expect(generateAll(POOL_CONFIG, join(root, 'rng'), pool, rngForSeed(42, 'data'))).rejects.toThrow(
        /pool.rngFor/,
      );
    } finally {
      await pool.close();
    }
  });

  it("passes a worker's StageInputError on as one", async () => {
    const tooShort = synthKwsConfigSchema.parse({
      ...POOL_CONFIG,
      streams: { ...POOL_CONFIG.streams, keywordsPerStream: [8, 8], minGapMs: 600 },
    });
    const pool = await startPool(1, tooShort);
    try {
      const err = await generateKwsStreams(tooShort, join(root, 'short'), pool.rngFor, undefined, 'scored', pool).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StageInputError);
      expect((err as Error).message).toMatch(/^streams.durationSec: 5 s cannot hold/);
    } finally {
      await pool.close();
    }
  });

  it('takes its size from TINYOPS_SYNTH_WORKERS, else 2 on two or more cores', () => {
    const before = process.env.TINYOPS_SYNTH_WORKERS;
    try {
      process.env.TINYOPS_SYNTH_WORKERS = '0';
      expect(synthWorkerCount()).toBe(0);
      process.env.TINYOPS_SYNTH_WORKERS = '3';
      expect(synthWorkerCount()).toBe(3);
      process.env.TINYOPS_SYNTH_WORKERS = 'two';
      expect(() => synthWorkerCount()).toThrow(/TINYOPS_SYNTH_WORKERS: "two"/);
      delete process.env.TINYOPS_SYNTH_WORKERS;
      expect([0, 2]).toContain(synthWorkerCount());
    } finally {
      if (before === undefined) delete process.env.TINYOPS_SYNTH_WORKERS;
      else process.env.TINYOPS_SYNTH_WORKERS = before;
    }
  });
});
