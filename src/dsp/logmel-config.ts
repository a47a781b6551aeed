import { z } from 'zod';
import { isPowerOfTwo, nextPowerOfTwo } from './fft';
import type { MfccParams } from './mfcc-config';

/**
 * Log-mel front end for anomaly detection (the `with:` of a `features` stage with
 * `type: logmel`). Defaults are MicroNets §4.3: 64 ms window, 32 ms hop, 64 mel bands,
 * patches of 64 frames where the next patch overlaps by 44 frames (a hop of 20 frames =
 * 640 ms, the real-time budget of MicroNets §5.2.3), optionally downsampled 2×2 to 32×32.
 * The band range is the whole spectrum (0 Hz – Nyquist), as in the DCASE 2020 task 2
 * baseline's librosa front end that the MicroNets AD data was prepared with.
 */
export const logmelConfigSchema = z
  .strictObject({
    type: z.literal('logmel').describe('Log-mel patches for anomaly detection.'),
    sampleRate: z
      .int()
      .positive()
      .default(16000)
      .describe('Sample rate of the input clips (Hz); a clip at another rate is rejected.'),
    windowMs: z
      .number()
      .positive()
      .default(64)
      .describe('Analysis window (ms, Hann); 64 ms as in MicroNets §4.3. Must be a whole number of samples.'),
    hopMs: z
      .number()
      .positive()
      .default(32)
      .describe('Hop between windows (ms); 32 ms as in MicroNets §4.3. Must be a whole number of samples.'),
    melBands: z.int().positive().default(64).describe('Mel bands per frame (the patch height before downsampling).'),
    /** Power of two ≥ the window; default the next power of two (1024 for 64 ms). */
    fftSize: z
      .int()
      .positive()
      .optional()
      .describe('FFT length in samples: a power of two ≥ the window; default the next power of two (1024 for 64 ms).'),
    lowHz: z
      .number()
      .nonnegative()
      .default(0)
      .describe('Lower edge of the lowest mel band (Hz); 0, the whole spectrum, as the DCASE 2020 task 2 baseline.'),
    /** Default: sampleRate / 2. */
    highHz: z.number().positive().optional().describe('Upper edge of the highest mel band (Hz); default sampleRate/2.'),
    /** Frames per patch (one classifier input). */
    patchFrames: z.int().min(1).max(1024).default(64).describe('Frames per patch (one classifier input).'),
    /** Frames between the starts of consecutive patches (64 − 44 overlap = 20). */
    patchHop: z
      .int()
      .min(1)
      .max(1024)
      .default(20)
      .describe(
        'Frames between the starts of consecutive patches: 20 (64 − 44 overlap) = 640 ms, the real-time budget of MicroNets §5.2.3.',
      ),
    /**
     * Block-average factor over frames and bands (2: 64×64 → 32×32; MicroNets' bilinear
     * downsampling with half-pixel centres is exactly the 2×2 mean). Must divide both
     * patchFrames and melBands.
     */
    downsample: z
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe(
        "Block-average factor over frames and bands (2: 64×64 → 32×32, MicroNets' downsampling); must divide patchFrames and melBands.",
      ),
    /** Which implementation's output is stored (both are computed and compared). */
    implementation: z
      .enum(['float', 'fixed'])
      .default('fixed')
      .describe(
        "Which front end's output is stored: fixed = the integer front end the board runs, float = the float64 reference. Both are computed and compared.",
      ),
    /**
     * `band`: standardize every band with its mean and sd over the training patches
     * (src/dsp/band-normalization.ts; the constants go into the header's `bandStats`).
     * Absent: raw dB.
     */
    normalize: z
      .enum(['band'])
      .optional()
      .describe(
        "band: standardize every band with its mean and sd over the training patches (constants stored in the header's bandStats); absent: raw dB.",
      ),
  })
  .superRefine((c, ctx) => {
    for (const p of logmelConfigProblems(c)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  });

export type LogmelConfig = z.output<typeof logmelConfigSchema>;

export interface LogmelParams {
  readonly sampleRate: number;
  readonly windowSamples: number;
  readonly hopSamples: number;
  readonly fftSize: number;
  readonly melBands: number;
  readonly lowHz: number;
  readonly highHz: number;
  readonly patchFrames: number;
  readonly patchHop: number;
  readonly downsample: number;
  /** Shape of one stored patch: [patchFrames / downsample, melBands / downsample]. */
  readonly patchShape: readonly [number, number];
}

type Shape = Omit<LogmelConfig, 'type' | 'implementation'>;

export function logmelConfigProblems(c: Shape): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const win = (c.windowMs * c.sampleRate) / 1000;
  const hop = (c.hopMs * c.sampleRate) / 1000;
  if (!Number.isInteger(win))
    out.push({ path: 'windowMs', message: `must be a whole number of samples at ${c.sampleRate} Hz (got ${win})` });
  if (!Number.isInteger(hop))
    out.push({ path: 'hopMs', message: `must be a whole number of samples at ${c.sampleRate} Hz (got ${hop})` });
  if (c.fftSize !== undefined && (!isPowerOfTwo(c.fftSize) || c.fftSize < win)) {
    out.push({ path: 'fftSize', message: `must be a power of two ≥ the window (${win} samples), got ${c.fftSize}` });
  }
  const high = c.highHz ?? c.sampleRate / 2;
  if (high > c.sampleRate / 2) out.push({ path: 'highHz', message: `must be ≤ sampleRate/2 = ${c.sampleRate / 2}` });
  if (c.lowHz >= high) out.push({ path: 'lowHz', message: `must be < highHz (${high})` });
  if (c.patchFrames % c.downsample !== 0 || c.melBands % c.downsample !== 0) {
    out.push({
      path: 'downsample',
      message: `must divide patchFrames (${c.patchFrames}) and melBands (${c.melBands}), got ${c.downsample}`,
    });
  }
  return out;
}

export function logmelParams(c: Shape): LogmelParams {
  const problems = logmelConfigProblems(c);
  if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const windowSamples = (c.windowMs * c.sampleRate) / 1000;
  return {
    sampleRate: c.sampleRate,
    windowSamples,
    hopSamples: (c.hopMs * c.sampleRate) / 1000,
    fftSize: c.fftSize ?? nextPowerOfTwo(windowSamples),
    melBands: c.melBands,
    lowHz: c.lowHz,
    highHz: c.highHz ?? c.sampleRate / 2,
    patchFrames: c.patchFrames,
    patchHop: c.patchHop,
    downsample: c.downsample,
    patchShape: [c.patchFrames / c.downsample, c.melBands / c.downsample],
  };
}

/**
 * The same numbers as MFCC parameters (coefficients = bands, clip = one window), so the
 * log-mel paths reuse the MFCC front end's prepared tables up to its log stage.
 */
export function asMfccParams(p: LogmelParams): MfccParams {
  return {
    sampleRate: p.sampleRate,
    clipSamples: p.windowSamples,
    windowSamples: p.windowSamples,
    strideSamples: p.hopSamples,
    fftSize: p.fftSize,
    frames: 1,
    melBands: p.melBands,
    coefficients: p.melBands,
    lowHz: p.lowHz,
    highHz: p.highHz,
  };
}
