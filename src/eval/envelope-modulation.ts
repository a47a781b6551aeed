import { RealFft } from '../dsp/fft';
import type { IdGaussian } from './embedding-scores';
import { mahalanobisSquared } from './embedding-scores';
import { IdGaussianMoments } from './id-gaussian-moments';

/**
 * The `envelope-modulation` anomaly score of evaluate-ad: the modulation spectrum of a patch's
 * sub-frame loudness envelope, against its machine ID's Gaussian of the training patches'.
 *
 * Why: an unbalanced rotor modulates the machine's sound once per revolution (12–40 Hz for the
 * synthetic fans and pumps, src/machine/anomalies.ts `imbalance`), faster than the 32 ms log-mel
 * hop resolves (its Nyquist rate is 15.6 Hz), so every log-mel score is nearly blind to it
 * (docs/results/2026-12-04-anomaly-detection-auc.md). The rectified audio averaged over `binMs`
 * (1 ms: a 1 kHz envelope) keeps that rhythm. Amplitude-modulation spectra of the envelope are the
 * classic tool for rotating-machine faults (envelope analysis; e.g. Randall & Antoni, "Rolling
 * element bearing diagnostics — a tutorial", MSSP 2011, §3).
 *
 * Per patch (the audio span of the log-mel patch: start j·patchHop·hop, length
 * (patchFrames − 1)·hop + window samples):
 *   e[m]  = mean over bin m of |x[n]|               (int16 samples, `binSamples` per bin)
 *   N     = the largest power of two ≤ the number of whole bins
 *   E[k]  = FFT of w[m]·(e[m] − ē), w the periodic Hann window over N, ē the mean of e[0..N)
 *   P[k]  = 2·|E[k]|² / (N · ē² · Σ w²)             (relative modulation power: gain-free; by Parseval
 *                                                      a sinusoidal AM of depth d sums to d²/2 over its band)
 *   band b (log-spaced, `bandsPerOctave` per octave from `lowHz` up to `highHz`):
 *   v[b]  = 10·log10(Σ_{k: f_k ∈ [lo_b, hi_b)} P[k] + 1e-10),   f_k = k / (N · binSeconds)
 * and the score is the Mahalanobis distance² of v to the ID's Gaussian (shrunk covariance, as
 * every per-ID Gaussian of evaluate-ad). A board computes e with one add per sample and one N-point
 * real FFT per patch hop (N = 2048 for the default 2.08 s patch at 1 ms bins), about 5 % of the
 * front end's 20 FFTs of 1024 points per hop.
 */

export interface ModulationSettings {
  /** Envelope bin, samples (16 = 1 ms at 16 kHz). */
  readonly binSamples: number;
  readonly sampleRate: number;
  readonly lowHz: number;
  readonly highHz: number;
  readonly bandsPerOctave: number;
}

/** Band edges in Hz, lowHz·2^(i/bandsPerOctave), the last clipped to highHz. */
export function modulationBandEdges(s: ModulationSettings): number[] {
  if (!(s.lowHz > 0 && s.highHz > s.lowHz && s.bandsPerOctave > 0)) {
    throw new RangeError(
      `modulation bands: need 0 < lowHz < highHz and bandsPerOctave > 0 (got ${s.lowHz}, ${s.highHz}, ${s.bandsPerOctave})`,
    );
  }
  const count = Math.ceil(Math.log2(s.highHz / s.lowHz) * s.bandsPerOctave - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Math.min(s.highHz, s.lowHz * 2 ** (i / s.bandsPerOctave)));
}

/** Mean |x| over consecutive bins of `binSamples`, from `start` for `bins` bins. */
export function rectifiedEnvelope(x: ArrayLike<number>, start: number, bins: number, binSamples: number): Float64Array {
  if (start < 0 || start + bins * binSamples > x.length) {
    throw new RangeError(`envelope: samples ${start}..${start + bins * binSamples} are outside the clip (${x.length})`);
  }
  const e = new Float64Array(bins);
  for (let m = 0; m < bins; m++) {
    let s = 0;
    const at = start + m * binSamples;
    for (let i = 0; i < binSamples; i++) s += Math.abs(x[at + i]!);
    e[m] = s / binSamples;
  }
  return e;
}

/** Prepared band features of envelopes of one length (an FFT plan and the bins of each band). */
export class ModulationSpectrum {
  readonly size: number;
  readonly edges: readonly number[];
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly windowEnergy: number;
  private readonly bandOfBin: Int32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly buf: Float64Array;

  /** `bins`: envelope samples available per patch; the transform uses the largest power of two ≤ bins. */
  constructor(
    readonly settings: ModulationSettings,
    bins: number,
  ) {
    this.size = 2 ** Math.floor(Math.log2(bins));
    if (!(this.size >= 16)) throw new RangeError(`modulation spectrum: ${bins} envelope bins are too few (need ≥ 16)`);
    this.edges = modulationBandEdges(settings);
    const binRate = settings.sampleRate / settings.binSamples;
    if (settings.highHz > binRate / 2) {
      throw new RangeError(
        `modulation spectrum: highHz ${settings.highHz} is above the envelope's Nyquist rate ${binRate / 2} Hz`,
      );
    }
    this.fft = new RealFft(this.size);
    this.window = Float64Array.from(
      { length: this.size },
      (_, m) => 0.5 - 0.5 * Math.cos((2 * Math.PI * m) / this.size),
    );
    this.windowEnergy = this.window.reduce((a, w) => a + w * w, 0);
    this.bandOfBin = new Int32Array(this.size / 2 + 1).fill(-1);
    for (let k = 0; k <= this.size / 2; k++) {
      const f = (k * binRate) / this.size;
      for (let b = 0; b + 1 < this.edges.length; b++) {
        if (f >= this.edges[b]! && f < this.edges[b + 1]!) this.bandOfBin[k] = b;
      }
    }
    this.re = new Float64Array(this.size / 2 + 1);
    this.im = new Float64Array(this.size / 2 + 1);
    this.buf = new Float64Array(this.size);
  }

  get bands(): number {
    return this.edges.length - 1;
  }

  /** The band features v[b] (dB of relative modulation power) of envelope e[0..size). */
  features(e: ArrayLike<number>): Float64Array {
    const n = this.size;
    let mean = 0;
    for (let m = 0; m < n; m++) mean += e[m]! / n;
    const v = new Float64Array(this.bands);
    // A silent span has no modulation: every band at the floor.
    if (!(mean > 0)) return v.fill(-100);
    for (let m = 0; m < n; m++) this.buf[m] = this.window[m]! * (e[m]! - mean);
    this.fft.transform(this.buf, this.re, this.im);
    const norm = (n * mean * mean * this.windowEnergy) / 2;
    for (let k = 0; k <= n / 2; k++) {
      const b = this.bandOfBin[k]!;
      if (b >= 0) v[b]! += (this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]!) / norm;
    }
    for (let b = 0; b < v.length; b++) v[b] = 10 * Math.log10(v[b]! + 1e-10);
    return v;
  }
}

/** Where each log-mel patch's audio lies in its clip (from the feature file's front-end config). */
export interface PatchGeometry {
  readonly hopSamples: number;
  readonly windowSamples: number;
  readonly patchFrames: number;
  readonly patchHop: number;
}

/** Envelope bins per patch: the whole bins within the patch's audio span. */
export function envelopeBinsPerPatch(g: PatchGeometry, binSamples: number): number {
  return Math.floor(((g.patchFrames - 1) * g.hopSamples + g.windowSamples) / binSamples);
}

/**
 * Band features of every patch of one clip: `patches` rows of `spectrum.bands` values, patch j
 * starting at sample j·patchHop·hopSamples (src/dsp/logmel-patches.ts).
 */
export function clipModulationFeatures(
  samples: ArrayLike<number>,
  patches: number,
  g: PatchGeometry,
  spectrum: ModulationSpectrum,
): Float64Array[] {
  const bin = spectrum.settings.binSamples;
  return Array.from({ length: patches }, (_, j) =>
    spectrum.features(rectifiedEnvelope(samples, j * g.patchHop * g.hopSamples, spectrum.size, bin)),
  );
}

/** Per-ID Gaussians of the training patches' band features. */
export function fitModulationGaussians(
  features: readonly Float64Array[],
  labelIndex: readonly number[],
  labels: number,
  shrinkage: number,
): Array<IdGaussian | undefined> {
  const dim = features[0]?.length ?? 0;
  if (dim === 0) throw new RangeError('modulation Gaussians: no training patches');
  const moments = new IdGaussianMoments(dim, labels);
  features.forEach((v, i) => moments.add(labelIndex[i]!, v));
  return moments.gaussians(shrinkage);
}

/** Per patch: Mahalanobis² of its band features to its ID's Gaussian. */
export function modulationPatchScores(
  features: readonly Float64Array[],
  labelIndex: readonly number[],
  gaussians: ReadonlyArray<IdGaussian | undefined>,
): Float64Array {
  return Float64Array.from(labelIndex, (label, i) => {
    const g = gaussians[label];
    if (!g) throw new RangeError(`modulation scores: machine ID ${label} has no training patches`);
    return mahalanobisSquared(g, features[i]!);
  });
}
