import { StageInputError } from '../errors';
import { floatsToInt16, readWav } from '../audio/wav';
import { computeMfcc, prepareMfcc, type MfccPlan } from './mfcc';
import { mfccParams, type MfccConfig, type MfccParams } from './mfcc-config';
import { makeFixedMfcc, type FixedMfcc } from './fixed-mfcc';
import { mfccQ15ToFloat } from './mfcc-q15';

/**
 * Per-clip feature extraction for the `features` stage: both front ends on the same int16
 * samples, the configured one kept, the other used to measure their disagreement.
 *
 * Both paths see identical input: the float path gets int16/32768, which is exactly what a
 * PCM16 WAV decodes to, so any difference is the fixed-point arithmetic alone.
 */

export interface ClipFeatures {
  /** [frames][coefficients] of the configured implementation, as float32. */
  readonly features: Float32Array;
  /** max |fixed − float| over this clip's coefficients (coefficient units). */
  readonly fixedVsFloatMaxAbsErr: number;
}

/** Decode a clip to int16 (exact for PCM16; other formats are quantized the same way). */
export function readClipPcm16(path: string, sampleRate: number): Int16Array {
  const wav = readWav(path);
  if (wav.sampleRate !== sampleRate) {
    throw new StageInputError(
      `${path}: sample rate ${wav.sampleRate} Hz, but the front end is configured for ${sampleRate} Hz`,
    );
  }
  return floatsToInt16(wav.samples);
}

/** Zero-pad at the end or cut to `length` (Speech Commands convention for short clips). */
export function fitClip(samples: Int16Array, length: number): Int16Array {
  if (samples.length === length) return samples;
  const out = new Int16Array(length);
  out.set(samples.subarray(0, Math.min(length, samples.length)));
  return out;
}

export class ClipFeatureExtractor {
  readonly params: MfccParams;
  private readonly plan: MfccPlan;
  private readonly fixed: FixedMfcc;
  private readonly floatInput: Float64Array;

  constructor(readonly config: MfccConfig) {
    this.params = mfccParams(config);
    this.plan = prepareMfcc(this.params);
    this.fixed = makeFixedMfcc(this.params);
    this.floatInput = new Float64Array(this.params.clipSamples);
  }

  /** Values per clip: frames × coefficients. */
  get valuesPerClip(): number {
    return this.params.frames * this.params.coefficients;
  }

  /** Features of one clip (int16 PCM, padded or cut to the configured clip length). */
  extract(pcm: Int16Array): ClipFeatures {
    const x = fitClip(pcm, this.params.clipSamples);
    for (let i = 0; i < x.length; i++) this.floatInput[i] = x[i]! / 32768;
    const fixed = mfccQ15ToFloat(this.fixed.compute(x));
    const float = computeMfcc(this.plan, this.floatInput);
    let err = 0;
    for (let i = 0; i < float.length; i++) err = Math.max(err, Math.abs(fixed[i]! - float[i]!));
    return {
      features: this.config.implementation === 'fixed' ? fixed : Float32Array.from(float),
      fixedVsFloatMaxAbsErr: err,
    };
  }
}
