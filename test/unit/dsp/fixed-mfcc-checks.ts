import { createHash } from 'node:crypto';
import type { FixedMfcc } from '../../../src/dsp/fixed-mfcc';
import { logMelFrame, type MfccPlan } from '../../../src/dsp/mfcc';
import { log2Q16ToDb } from '../../../src/dsp/mfcc-q15';
import { constant, speechLike, tone, whiteNoise, withSilence, type TestSignal } from './signals';

/**
 * What the tests of the two fixed-point MFCC contracts (mfcc-q15.test.ts: q30, mfcc-q31.test.ts:
 * q31-fast) measure alike, not a test file: the signals, the error against the float64 MFCC
 * and the golden digest. Each test keeps its own thresholds and digest, since the contracts
 * round differently.
 */

/** Speech-like, white noise (0.3, 0.0002 and 1 LSB rms), speech with silence, digital silence. */
export function realisticSignals(): TestSignal[] {
  return [
    speechLike('a'),
    speechLike('b'),
    speechLike('c'),
    whiteNoise('loud', 0.3),
    whiteNoise('quiet', 0.0002),
    whiteNoise('1 LSB', 1 / 32768),
    withSilence('s'),
    constant(0),
  ];
}

/** Full-scale tones and DC: frames spanning > 120 dB between their loudest and quietest mel band. */
export function extremeSignals(): TestSignal[] {
  return [
    tone(1000, 0.9),
    tone(3000, 0.9),
    tone(437, 0.999),
    tone(100, 0.9),
    constant(-1), // Σ|x·w| at its maximum: the FFT's overflow bound's worst case (bin 0)
    constant(32767 / 32768),
  ];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

/**
 * Largest |float − fixed| log-mel energy (dB) over every frame of `s`. With `withinDb`, only the
 * bands within that many dB of the frame's loudest band count: bands far below it sit at the
 * integer FFT's rounding floor.
 */
export function maxLogMelErrorDb(plan: MfccPlan, fixed: FixedMfcc, s: TestSignal, withinDb?: number): number {
  const { frames, melBands, strideSamples } = fixed.params;
  const a = new Float64Array(melBands);
  const b = new Int32Array(melBands);
  let worst = 0;
  for (let t = 0; t < frames; t++) {
    logMelFrame(plan, s.float, t * strideSamples, a);
    fixed.logMelFrame(s.pcm, t * strideSamples, b);
    const loudest = Math.max(...a);
    for (let m = 0; m < melBands; m++) {
      if (withinDb === undefined || a[m]! > loudest - withinDb) {
        worst = Math.max(worst, Math.abs(a[m]! - log2Q16ToDb(b[m]!)));
      }
    }
  }
  return worst;
}

/**
 * sha256 of the Q5 outputs and of every frame's Q16 log-mel energies on the golden signals (the
 * latter catches arithmetic changes that happen not to move a rounded coefficient), after
 * checking that a fresh instance computes the same bytes.
 */
export function goldenDigest(fixed: FixedMfcc, fresh: () => FixedMfcc): string {
  const inputs = [speechLike('golden'), whiteNoise('golden', 0.1), withSilence('golden'), tone(1000, 0.9)];
  const { frames, melBands, strideSamples } = fixed.params;
  const h = createHash('sha256');
  const logMel = new Int32Array(melBands);
  for (const s of inputs) {
    const a = fixed.compute(s.pcm);
    expect(Buffer.from(fresh().compute(s.pcm).buffer).equals(Buffer.from(a.buffer))).toBe(true);
    h.update(Buffer.from(a.buffer));
    for (let t = 0; t < frames; t++) {
      fixed.logMelFrame(s.pcm, t * strideSamples, logMel);
      h.update(Buffer.from(logMel.buffer));
    }
  }
  return h.digest('hex');
}
