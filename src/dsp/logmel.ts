import { frameCount, logMelFrame, prepareMfcc, type MfccPlan } from './mfcc';
import { asMfccParams, type LogmelParams } from './logmel-config';
import { MfccQ15 } from './mfcc-q15';
import { roundShift } from './int-arith';

/**
 * Log-mel spectrogram of a clip, float and fixed point (MicroNets §4.3 AD front end).
 *
 * Float: mfcc.ts logMelFrame per frame (periodic Hann, |FFT|², HTK mel triangles,
 * 10·log10(max(E, 1e-10)) dB), frames at t·hop, no padding.
 *
 * Fixed: the MFCC front end's integer path up to its log (mfcc-q15.ts steps 1–6, giving
 * L = Q16 log2 energies), then converted to dB in Q5 with one integer multiply:
 *   out = sat16(rnd(L · DB_PER_LOG2_Q15, 16 + 15 − 5)),  DB_PER_LOG2_Q15 = round(2^15 · 10·log10 2) = 98642
 * (|L| < 2^22, so the product < 2^39 is exact in int64 and in JS numbers). value = out / 32 dB,
 * the same scale as the MFCC output, so the board's front end is the MFCC one minus the DCT.
 */

export const LOGMEL_FRAC_BITS = 5;
export const DB_PER_LOG2_Q15 = Math.round(32768 * 10 * Math.log10(2));

export function logmelFrames(p: LogmelParams, samples: number): number {
  return frameCount(samples, p.windowSamples, p.hopSamples);
}

export class LogmelFloat {
  private readonly plan: MfccPlan;
  private readonly row: Float64Array;
  constructor(readonly params: LogmelParams) {
    this.plan = prepareMfcc(asMfccParams(params));
    this.row = new Float64Array(params.melBands);
  }

  /** [frames][bands] dB of float samples in [−1, 1]. */
  compute(x: ArrayLike<number>): Float64Array {
    const { melBands, hopSamples } = this.params;
    const frames = logmelFrames(this.params, x.length);
    const out = new Float64Array(frames * melBands);
    for (let t = 0; t < frames; t++) {
      logMelFrame(this.plan, x, t * hopSamples, this.row);
      out.set(this.row, t * melBands);
    }
    return out;
  }
}

export class LogmelQ15 {
  private readonly front: MfccQ15;
  private readonly row: Int32Array;
  constructor(readonly params: LogmelParams) {
    this.front = new MfccQ15(asMfccParams(params));
    this.row = new Int32Array(params.melBands);
  }

  /** [frames][bands] Q5 dB (int16) of int16 PCM. */
  compute(x: Int16Array): Int16Array {
    const { melBands, hopSamples } = this.params;
    const frames = logmelFrames(this.params, x.length);
    const out = new Int16Array(frames * melBands);
    const shift = 16 + 15 - LOGMEL_FRAC_BITS;
    for (let t = 0; t < frames; t++) {
      this.front.logMelFrame(x, t * hopSamples, this.row);
      for (let m = 0; m < melBands; m++) {
        const r = roundShift(this.row[m]! * DB_PER_LOG2_Q15, shift);
        out[t * melBands + m] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
      }
    }
    return out;
  }
}
