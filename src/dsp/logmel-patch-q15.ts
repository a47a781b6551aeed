import type { BandNormalization } from './band-normalization';
import { roundShift } from './int-arith';
import type { LogmelParams } from './logmel-config';
import { LogmelQ15 } from './logmel';
import { extractPatches } from './logmel-patches';

/**
 * One model input of the anomaly-detection front end from the samples it spans, all integer:
 * the host twin of firmware/harness/tops_ad_patch_main.c + firmware/frontend/tops_logmel_q15.c.
 * Q5 log-mel frames (LogmelQ15) → the first patch's block mean (extractPatches, integer) →
 * band normalization (band-normalization.ts, integer form) → int16 Q5 codes, the same values
 * the features stage stores (× 32).
 */
export class LogmelPatchQ15 {
  private readonly front: LogmelQ15;
  /** PCM samples one patch spans: (patchFrames − 1)·hop + window. */
  readonly patchSamples: number;

  constructor(
    readonly params: LogmelParams,
    private readonly bandStats: BandNormalization | undefined,
  ) {
    this.front = new LogmelQ15(params);
    this.patchSamples = (params.patchFrames - 1) * params.hopSamples + params.windowSamples;
  }

  /** First sample of patch j of a clip. */
  patchStart(j: number): number {
    return j * this.params.patchHop * this.params.hopSamples;
  }

  /** Codes [rows][cols] of the patch that starts at pcm[0] (pcm holds exactly patchSamples samples). */
  compute(pcm: Int16Array): Int16Array {
    if (pcm.length !== this.patchSamples)
      throw new RangeError(`LogmelPatchQ15: ${pcm.length} samples, a patch spans ${this.patchSamples}`);
    const spec = this.front.compute(pcm);
    const patch = extractPatches(this.params, spec, this.params.patchFrames, true);
    const cols = this.params.patchShape[1];
    const out = new Int16Array(patch.length);
    for (let i = 0; i < patch.length; i++) {
      const q = patch[i]!;
      if (!this.bandStats) {
        out[i] = q;
        continue;
      }
      const b = i % cols;
      const z = roundShift((q - this.bandStats.meanQ5[b]!) * this.bandStats.gainQ15[b]!, 15);
      out[i] = z > 32767 ? 32767 : z < -32768 ? -32768 : z;
    }
    return out;
  }
}
