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
 * config that adds one engine) re-synthesises only what is not there yet, and for Piper,
 * whose renders are not repeatable, the first render is the one every later run uses.
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
