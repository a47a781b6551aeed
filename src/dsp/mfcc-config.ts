import { z } from 'zod';
import { isPowerOfTwo, nextPowerOfTwo } from './fft';
import { q31WindowFits } from './mfcc-q31';

/** Fixed-point contracts of the integer front end: src/dsp/mfcc-q15.ts (q30), src/dsp/mfcc-q31.ts (q31-fast). */
export const MFCC_CONTRACTS = ['q30', 'q31-fast'] as const;
export type MfccContract = (typeof MFCC_CONTRACTS)[number];

/**
 * MFCC front-end configuration (the `with:` of a `features` stage of type mfcc).
 *
 * Defaults are the KWS set-up of MicroNets §4 (after Hello Edge, Zhang et al. 2017): 16 kHz,
 * 40 ms window, 20 ms stride, 10 coefficients from 40 mel bands, which gives 49×10 features
 * per 1 s clip. The default band is Hello Edge's / TensorFlow's MFCC op: 20 Hz – 4 kHz (the
 * reference front end MicroNets trained on). pipelines/kws.yaml sets `highHz: 8000`: fricatives
 * such as the /s/ that tells "yes" from "yet" carry their energy above 4 kHz, and the wider band
 * transfers better to unseen voices (docs/results/2026-12-05-kws-mel-band.md).
 */
export const mfccConfigSchema = z
  .strictObject({
    type: z.literal('mfcc').default('mfcc').describe('MFCC features for keyword spotting (the default type).'),
    sampleRate: z
      .number()
      .int()
      .positive()
      .default(16000)
      .describe('Sample rate of the input clips (Hz); a clip at another rate is rejected, not resampled.'),
    /** Clips are zero-padded at the end or cut to this length (Speech Commands: 1 s). */
    clipMs: z
      .number()
      .positive()
      .default(1000)
      .describe(
        'Clip length (ms): shorter clips are zero-padded at the end, longer ones cut (Speech Commands clips are 1 s).',
      ),
    windowMs: z
      .number()
      .positive()
      .default(40)
      .describe('Analysis window (ms, Hann); 40 ms as in MicroNets §4. Must be a whole number of samples.'),
    strideMs: z
      .number()
      .positive()
      .default(20)
      .describe('Hop between windows (ms); 20 ms gives 49 frames per 1 s clip. Must be a whole number of samples.'),
    coefficients: z
      .number()
      .int()
      .positive()
      .default(10)
      .describe('MFCCs kept per frame (DCT-II of the log-mel energies, ortho); ≤ melBands. 10 as in MicroNets §4.'),
    melBands: z
      .number()
      .int()
      .positive()
      .default(40)
      .describe('Mel filterbank bands (HTK scale, unit-peak triangles) between lowHz and highHz.'),
    /** Power of two ≥ window length; default: the next power of two (640 → 1024). */
    fftSize: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('FFT length in samples: a power of two ≥ the window; default the next power of two (640 → 1024).'),
    lowHz: z
      .number()
      .nonnegative()
      .default(20)
      .describe("Lower edge of the lowest mel band (Hz); 20 Hz as in Hello Edge / TensorFlow's MFCC op."),
    highHz: z
      .number()
      .positive()
      .default(4000)
      .describe(
        "Upper edge of the highest mel band (Hz), ≤ sampleRate/2; 4 kHz as MicroNets' reference front end. pipelines/kws.yaml uses 8000: the /s/ of yes lies above 4 kHz (held-out voices +3.2 points, held-out engines −2.0; docs/results/2026-12-05-kws-mel-band.md).",
      ),
    /**
     * Which implementation's output the stage stores as training features. `fixed` (the
     * default) is the integer front end the board runs, so training sees what the board
     * computes; `float` is the float64 reference. Both are always computed and compared.
     */
    implementation: z
      .enum(['float', 'fixed'])
      .default('fixed')
      .describe(
        "Which front end's output is stored: fixed = the integer front end the board runs (so training sees what the board computes), float = the float64 reference. Both are computed and compared.",
      ),
    /**
     * The fixed-point arithmetic contract the board and the host share. Absent = `q30` (the
     * original, exact-rounding one), so configs written before it existed hash and cache as before.
     */
    contract: z
      .enum(MFCC_CONTRACTS)
      .optional()
      .describe(
        'Fixed-point arithmetic of the integer front end (host and board, bit-exact): q30 (default when absent) = radix-2 FFT with Q30 twiddles and 64-bit rounding, ~87 k instructions per 20 ms hop on a Cortex-M4; q31-fast = radix-4 FFT with SMMUL-style Q31 products and 32-bit band powers, 50.9 k (docs/firmware.md, "MFCC front end cost"). Changing it changes the features: retrain.',
      ),
  })
  .superRefine((c, ctx) => {
    for (const p of mfccConfigProblems(c)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  });

export type MfccConfig = z.output<typeof mfccConfigSchema>;

/** Sample counts derived from an MfccConfig: what the DSP code actually uses. */
export interface MfccParams {
  readonly sampleRate: number;
  readonly clipSamples: number;
  readonly windowSamples: number;
  readonly strideSamples: number;
  readonly fftSize: number;
  /** 1 + floor((clip − window) / stride): no padding at either end (49 for the defaults). */
  readonly frames: number;
  readonly melBands: number;
  readonly coefficients: number;
  readonly lowHz: number;
  readonly highHz: number;
  /** Fixed-point contract; absent = q30 (see mfccConfigSchema). */
  readonly contract?: MfccContract;
}

type MfccShape = Omit<MfccConfig, 'type' | 'implementation'>;

function samples(ms: number, sampleRate: number): number {
  return (ms * sampleRate) / 1000;
}

/** Every inconsistency between fields, as {field, message}; empty when valid. */
export function mfccConfigProblems(c: MfccShape): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const win = samples(c.windowMs, c.sampleRate);
  const stride = samples(c.strideMs, c.sampleRate);
  const clip = samples(c.clipMs, c.sampleRate);
  for (const [path, n] of [
    ['windowMs', win],
    ['strideMs', stride],
    ['clipMs', clip],
  ] as const) {
    if (!Number.isInteger(n))
      out.push({ path, message: `must be a whole number of samples at ${c.sampleRate} Hz (got ${n})` });
  }
  if (Number.isInteger(win) && win < 4)
    out.push({ path: 'windowMs', message: `window must be at least 4 samples (got ${win})` });
  if (Number.isInteger(win) && Number.isInteger(clip) && clip < win) {
    out.push({ path: 'clipMs', message: `clip (${clip} samples) is shorter than one window (${win})` });
  }
  if (c.fftSize !== undefined && (!isPowerOfTwo(c.fftSize) || c.fftSize < win)) {
    out.push({ path: 'fftSize', message: `must be a power of two ≥ the window (${win} samples), got ${c.fftSize}` });
  }
  if (c.highHz > c.sampleRate / 2)
    out.push({ path: 'highHz', message: `must be ≤ sampleRate/2 = ${c.sampleRate / 2}` });
  if (c.lowHz >= c.highHz) out.push({ path: 'lowHz', message: `must be < highHz (${c.highHz})` });
  if (c.coefficients > c.melBands) out.push({ path: 'coefficients', message: `must be ≤ melBands (${c.melBands})` });
  const fft = c.fftSize ?? (Number.isInteger(win) && win >= 4 ? nextPowerOfTwo(win) : undefined);
  if (out.length === 0 && c.contract === 'q31-fast' && fft !== undefined && !q31WindowFits(win, fft)) {
    out.push({
      path: 'contract',
      message: `q31-fast cannot take a ${win}-sample window in FFT ${fft} (its split step would overflow): use fftSize ${2 * fft} or contract q30`,
    });
  }
  return out;
}

/** Derive sample counts; throws RangeError on an inconsistent config (the schema rejects those first). */
export function mfccParams(c: MfccShape): MfccParams {
  const problems = mfccConfigProblems(c);
  if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const windowSamples = samples(c.windowMs, c.sampleRate);
  const strideSamples = samples(c.strideMs, c.sampleRate);
  const clipSamples = samples(c.clipMs, c.sampleRate);
  return {
    sampleRate: c.sampleRate,
    clipSamples,
    windowSamples,
    strideSamples,
    fftSize: c.fftSize ?? nextPowerOfTwo(windowSamples),
    frames: 1 + Math.floor((clipSamples - windowSamples) / strideSamples),
    melBands: c.melBands,
    coefficients: c.coefficients,
    lowHz: c.lowHz,
    highHz: c.highHz,
    ...(c.contract !== undefined && c.contract !== 'q30' ? { contract: c.contract } : {}),
  };
}
