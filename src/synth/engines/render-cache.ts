import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeWav, type WavData } from '../../audio/wav';
import { tinyopsCacheDir } from './cache-dir';
import { engine } from './registry';
import type { TtsRequest } from './types';

/**
 * Renders on local disk, keyed by (engine, engine version, request):
 * `<cache>/tts/<engine>/<sha[0..2]>/<sha>.wav`, the engine's own WAV bytes. A rerun (or a
 * config that adds one engine) re-synthesises only what is not there yet.
 * The root is `$TINYOPS_TTS_CACHE` if set, else `<tinyops cache>/tts`.
 */
export function ttsCacheRoot(): string {
  return process.env.TINYOPS_TTS_CACHE || join(tinyopsCacheDir(), 'tts');
}

/** Canonical request key: params sorted by name, numbers as JSON writes them. */
export function requestKey(req: TtsRequest, version: string): string {
  const params = Object.keys(req.params)
    .sort()
    .map((k) => [k, req.params[k]]);
  return JSON.stringify([req.engine, version, req.voice, req.text, params]);
}

export function cachePath(req: TtsRequest, version: string): string {
  const sha = createHash('sha256').update(requestKey(req, version)).digest('hex');
  return join(ttsCacheRoot(), req.engine, sha.slice(0, 2), `${sha}.wav`);
}

export interface CachedRender {
  readonly wav: WavData;
  /** False when this call ran the engine. */
  readonly cached: boolean;
}

/**
 * Who makes a render that is not in the cache. In a clip worker thread (src/synth/kws-pool.ts)
 * it is the main thread: engines cap their processes per thread (and a Python server holds
 * its model per thread), so only the main thread runs engines; the worker reads the file
 * the main thread put into the cache.
 */
export type RenderDelegate = (req: TtsRequest) => Promise<void>;
let delegate: RenderDelegate | undefined;

/** Send this thread's cache misses to `d` (undefined: render here). */
export function setRenderDelegate(d: RenderDelegate | undefined): void {
  delegate = d;
}

/**
 * Renders of the same request in flight in this thread: the second caller waits for the
 * first instead of running the engine again.
 */
const inFlight = new Map<string, Promise<CachedRender>>();

/** The render of `req`, from the cache or made now (written under a temporary name, then renamed). */
export async function renderCached(req: TtsRequest): Promise<CachedRender> {
  const e = engine(req.engine);
  const version = await e.version();
  const path = cachePath(req, version);
  try {
    return { wav: decodeWav(await readFile(path), path), cached: true };
  } catch {
    // missing (or unreadable: render again)
  }
  if (delegate) {
    await delegate(req);
    return { wav: decodeWav(await readFile(path), path), cached: false };
  }
  let pending = inFlight.get(path);
  if (!pending) {
    pending = renderNow(req, path).finally(() => inFlight.delete(path));
    inFlight.set(path, pending);
    return pending;
  }
  // A concurrent caller made it: the same bytes, but this call ran no engine.
  return { wav: (await pending).wav, cached: true };
}

async function renderNow(req: TtsRequest, path: string): Promise<CachedRender> {
  const e = engine(req.engine);
  await mkdir(dirname(path), { recursive: true });
  // `.wav` last: pico2wave insists on it.
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.wav`;
  try {
    await e.renderToFile(req, tmp);
    const bytes = await readFile(tmp);
    const wav = decodeWav(bytes, `${req.engine} render of "${req.text}" (${req.voice})`);
    await rename(tmp, path);
    return { wav, cached: false };
  } finally {
    await rm(tmp, { force: true });
  }
}
