import { activeExtent, type Extent } from '../audio/activity';
import { resample } from '../audio/resample';
import { renderWord, type EspeakRequest } from './espeak';

/** One spoken word at the dataset rate, with where the speech actually is. */
export interface Utterance {
  readonly samples: Float32Array;
  /** Non-silent extent of `samples` (activity.ts); clips and streams use only this part. */
  readonly extent: Extent;
}

/** Key of a TTS render: two requests with the same key give the same samples. */
export function renderKey(req: EspeakRequest): string {
  return [req.text, req.voice, Math.round(req.pitch), Math.round(req.speed), Math.round(req.amplitude ?? 100)].join('|');
}

/** Render with espeak-ng (22050 Hz) and resample to `sampleRate`. */
export async function renderUtterance(req: EspeakRequest, sampleRate: number): Promise<Utterance> {
  const wav = await renderWord(req);
  const samples = resample(wav.samples, wav.sampleRate, sampleRate);
  const extent = activeExtent(samples);
  if (!extent) throw new Error(`espeak-ng rendered silence for "${req.text}" with voice ${req.voice}`);
  return { samples, extent };
}

/** The active part of an utterance (a view, no copy). */
export function activePart(u: Utterance): Float32Array {
  return u.samples.subarray(u.extent.start, u.extent.end);
}
