import { activeExtent, type Extent } from '../audio/activity';
import { resample } from '../audio/resample';
import { renderCached } from './engines/render-cache';
import type { TtsRequest } from './engines/types';

/** One spoken word at the dataset rate, with where the speech actually is. */
export interface Utterance {
  readonly samples: Float32Array;
  /** Non-silent extent of `samples` (activity.ts); clips and streams use only this part. */
  readonly extent: Extent;
  /** False when this call ran the engine (the render was not in the render cache). */
  readonly cached: boolean;
}

/** Key of a TTS render: two requests with the same key give the same samples. */
export function renderKey(req: TtsRequest): string {
  const params = Object.keys(req.params)
    .sort()
    .map((k) => `${k}=${req.params[k]}`)
    .join(',');
  return [req.engine, req.voice, req.text, params].join('|');
}

/** Render with the request's engine (through the render cache) and resample to `sampleRate` mono. */
export async function renderUtterance(req: TtsRequest, sampleRate: number): Promise<Utterance> {
  const { wav, cached } = await renderCached(req);
  const samples = resample(wav.samples, wav.sampleRate, sampleRate);
  const extent = activeExtent(samples);
  if (!extent) throw new Error(`${req.engine} rendered silence for "${req.text}" with voice ${req.voice}`);
  return { samples, extent, cached };
}

/** The active part of an utterance (a view, no copy). */
export function activePart(u: Utterance): Float32Array {
  return u.samples.subarray(u.extent.start, u.extent.end);
}
