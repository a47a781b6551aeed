import { melFilterbank, type MelFilterbank } from '../dsp/mel';
import type { PatchBlock } from './feature-gaussian-scores';
import type { Prng } from '../util/prng';

/**
 * Channel-augmented references for the `frame-knn` term (src/eval/frame-knn-scores.ts): instead
 * of removing a clip's recording channel from the scored windows (`centre`, which also removes
 * steady faults), make each machine ID's normal model *cover* channels it never saw, by adding
 * copies of its training patches as heard through random channel responses:
 *
 *  - a reflection (a microphone near a floor or wall): y(t) = x(t) + g·x(t − τ), the comb filter
 *    |H(f)|² = |1 + g·e^{−j2πfτ}|² = 1 + g² + 2g·cos(2πfτ), τ log-uniform in `delayMs`, g uniform
 *    in `reflectionGain`;
 *  - a smooth spectral tilt: a dB offset linear in the mel band index, from −s/2 at the lowest band
 *    to +s/2 at the highest, s uniform in ±`tiltDb`;
 *  - a gain: a dB offset equal in every band, uniform in ±`gainDb`.
 *
 * For a stationary signal with a flat spectrum inside a band, a filter H multiplies a mel band's
 * energy E_m = Σ_k w_mk·|X_k|² by Σ_k w_mk·|H(f_k)|² / Σ_k w_mk (w: the band's triangle), i.e.
 * it adds 10·log10 of that ratio to the band's dB value in every frame; the analysis window
 * (64 ms) is much longer than τ (≤ 10 ms), so the frame-wise product holds. A downsampled band
 * (features `downsample`) is the mean of its mel bands' dB values (src/dsp/logmel-patches.ts),
 * so it gets the mean of their offsets. One channel is drawn per training *clip* (a recording
 * has one microphone mount) and added to every frame of every patch of that clip.
 *
 * A steady fault (a whine, a rattle, a hiss) is not such an offset pattern, so it stays far from
 * the augmented references; a normal clip whose own microphone reflection no training clip of its
 * ID shared now finds a reference with a similar ripple. Every draw comes from the stage's seeded
 * PRNG (a stream of its own, so the un-augmented references are unchanged).
 */

export interface ChannelDistribution {
  /** Reflection delay range (ms), drawn log-uniformly. */
  readonly delayMs: readonly [number, number];
  /** Reflection gain range (linear amplitude), drawn uniformly. */
  readonly reflectionGain: readonly [number, number];
  /** Tilt from the lowest to the highest band, uniform in ±tiltDb. */
  readonly tiltDb: number;
  /** Broadband gain, uniform in ±gainDb. */
  readonly gainDb: number;
}

/** The log-mel front end the offsets are computed for (the feature header's resolved values). */
export interface MelGeometry {
  readonly sampleRate: number;
  readonly fftSize: number;
  readonly melBands: number;
  readonly lowHz: number;
  readonly highHz: number;
  /** Stored bands = melBands / downsample, each the mean of `downsample` mel bands. */
  readonly downsample: number;
}

export interface ChannelDraw {
  readonly delayMs: number;
  readonly reflectionGain: number;
  readonly tiltDb: number;
  readonly gainDb: number;
}

/**
 * Per mel band: 10·log10(Σ_k w_mk·|1 + g·e^{−j2πf_kτ}|² / Σ_k w_mk), the dB a reflection of delay
 * `delayMs` and gain `gain` adds to the band's energy for a signal with a flat spectrum in the band.
 */
export function combOffsetsDb(fb: MelFilterbank, sampleRate: number, delayMs: number, gain: number): Float64Array {
  const fftSize = (fb.bins - 1) * 2;
  const tau = delayMs / 1000;
  const out = new Float64Array(fb.bands);
  for (let m = 0; m < fb.bands; m++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < fb.length[m]!; i++) {
      const w = fb.weights[fb.offset[m]! + i]!;
      const f = ((fb.start[m]! + i) * sampleRate) / fftSize;
      num += w * (1 + gain * gain + 2 * gain * Math.cos(2 * Math.PI * f * tau));
      den += w;
    }
    out[m] = 10 * Math.log10(num / den);
  }
  return out;
}

/** Draws channels and turns them into per-stored-band dB offsets for one front end. */
export class ChannelOffsets {
  private readonly fb: MelFilterbank;
  readonly bands: number;

  constructor(
    private readonly geometry: MelGeometry,
    private readonly dist: ChannelDistribution,
  ) {
    const problems = channelDistributionProblems(dist);
    if (problems.length > 0) throw new RangeError(`channel augmentation: ${problems.join('; ')}`);
    const { melBands, downsample } = geometry;
    if (!(Number.isInteger(downsample) && downsample >= 1 && melBands % downsample === 0)) {
      throw new RangeError(`channel augmentation: downsample ${downsample} does not divide ${melBands} mel bands`);
    }
    this.fb = melFilterbank({
      sampleRate: geometry.sampleRate,
      fftSize: geometry.fftSize,
      bands: melBands,
      lowHz: geometry.lowHz,
      highHz: geometry.highHz,
    });
    this.bands = melBands / downsample;
  }

  /** One channel: log-uniform delay, then reflection gain, tilt and gain (in this order). */
  draw(rng: Prng): ChannelDraw {
    const [dLo, dHi] = this.dist.delayMs;
    const [gLo, gHi] = this.dist.reflectionGain;
    return {
      delayMs: Math.exp(rng.uniform(Math.log(dLo), Math.log(dHi))),
      reflectionGain: rng.uniform(gLo, gHi),
      tiltDb: rng.uniform(-this.dist.tiltDb, this.dist.tiltDb),
      gainDb: rng.uniform(-this.dist.gainDb, this.dist.gainDb),
    };
  }

  /** The channel's dB offset per stored band (mel bands' offsets averaged over each `downsample` block). */
  offsetsDb(c: ChannelDraw): Float64Array {
    const { melBands, downsample, sampleRate } = this.geometry;
    const comb = combOffsetsDb(this.fb, sampleRate, c.delayMs, c.reflectionGain);
    const out = new Float64Array(this.bands);
    for (let m = 0; m < melBands; m++) {
      const tilt = melBands > 1 ? c.tiltDb * (m / (melBands - 1) - 0.5) : 0;
      out[Math.floor(m / downsample)]! += (comb[m]! + tilt + c.gainDb) / downsample;
    }
    return out;
  }
}

/** Problems with a distribution (empty when valid): ranges ordered, delays positive, gains in [0, 1). */
export function channelDistributionProblems(d: ChannelDistribution): string[] {
  const out: string[] = [];
  const [dLo, dHi] = d.delayMs;
  const [gLo, gHi] = d.reflectionGain;
  if (!(dLo > 0 && dLo <= dHi)) out.push(`delayMs [${dLo}, ${dHi}] must satisfy 0 < low ≤ high`);
  if (!(gLo >= 0 && gLo <= gHi && gHi < 1)) out.push(`reflectionGain [${gLo}, ${gHi}] must satisfy 0 ≤ low ≤ high < 1`);
  if (!(d.tiltDb >= 0)) out.push(`tiltDb ${d.tiltDb} must be ≥ 0`);
  if (!(d.gainDb >= 0)) out.push(`gainDb ${d.gainDb} must be ≥ 0`);
  return out;
}

/**
 * `copies` channel-augmented copies of `block` (rows in order, copy after copy): every patch of a
 * clip (`clips[i]` is patch i's clip) gets the same drawn channel, `toUnits[b]` × its dB offset
 * added to band b of every frame (1 for dB values; k_b / 2^15 for band-normalized ones).
 * Draws: per copy, per clip in order of first appearance.
 */
export function augmentChannels(
  block: PatchBlock,
  clips: readonly string[],
  channels: ChannelOffsets,
  toUnits: ArrayLike<number>,
  copies: number,
  rng: Prng,
): PatchBlock {
  const { frames, bands, labelIndex } = block;
  const n = labelIndex.length;
  const size = frames * bands;
  if (clips.length !== n) throw new RangeError(`channel augmentation: ${clips.length} clip names for ${n} patches`);
  if (channels.bands !== bands || toUnits.length !== bands) {
    throw new RangeError(
      `channel augmentation: offsets for ${channels.bands} bands (${toUnits.length} unit factors), patches have ${bands}`,
    );
  }
  if (!(Number.isInteger(copies) && copies >= 1)) throw new RangeError(`channel augmentation: copies ${copies}`);
  const data = new Float32Array(copies * n * size);
  const labels: number[] = [];
  for (let c = 0; c < copies; c++) {
    const perClip = new Map<string, Float64Array>();
    for (let i = 0; i < n; i++) {
      let off = perClip.get(clips[i]!);
      if (!off) {
        const db = channels.offsetsDb(channels.draw(rng));
        off = db.map((v, b) => v * toUnits[b]!);
        perClip.set(clips[i]!, off);
      }
      const o = (c * n + i) * size;
      for (let v = 0; v < size; v++) data[o + v] = block.data[i * size + v]! + off[v % bands]!;
      labels.push(labelIndex[i]!);
    }
  }
  return { data, frames, bands, labelIndex: labels };
}
