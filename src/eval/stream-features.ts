import { floatsToInt16, readWav } from '../audio/wav';
import { computeMfcc, prepareMfcc } from '../dsp/mfcc';
import { mfccParams, type MfccConfig } from '../dsp/mfcc-config';
import { makeFixedMfcc } from '../dsp/fixed-mfcc';
import { mfccQ15ToFloat } from '../dsp/mfcc-q15';

/** MFCC frames of a whole stream (frame-major, `count` × coefficients). */
export interface StreamFrames {
  readonly frames: Float32Array;
  readonly count: number;
}

/** MFCC frames of a whole stream with the features stage's front end. */
export function streamFeatures(config: MfccConfig, samples: Float32Array): StreamFrames {
  const params = mfccParams(config);
  const pcm = floatsToInt16(samples);
  let out: Float32Array;
  if (config.implementation === 'fixed') out = mfccQ15ToFloat(makeFixedMfcc(params).compute(pcm));
  else {
    const x = new Float64Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) x[i] = pcm[i]! / 32768;
    out = Float32Array.from(computeMfcc(prepareMfcc(params), x));
  }
  return { frames: out, count: out.length / params.coefficients };
}

/**
 * A stream WAV's frames, or its sample rate when that is not the front end's (the caller
 * names the file in its error; no features are computed then).
 */
export type StreamFileFeatures =
  ({ readonly ok: true } & StreamFrames) | { readonly ok: false; readonly sampleRate: number };

/** Read `file` and compute its frames (what a stream-feature worker does per job). */
export function streamFileFeatures(config: MfccConfig, file: string): StreamFileFeatures {
  const wav = readWav(file);
  if (wav.sampleRate !== mfccParams(config).sampleRate) return { ok: false, sampleRate: wav.sampleRate };
  return { ok: true, ...streamFeatures(config, wav.samples) };
}
