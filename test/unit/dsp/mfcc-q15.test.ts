import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { computeMfcc, prepareMfcc } from '../../../src/dsp/mfcc';
import { MfccQ15, mfccQ15ToFloat } from '../../../src/dsp/mfcc-q15';
import { extremeSignals, goldenDigest, maxAbsDiff, maxLogMelErrorDb, realisticSignals } from './fixed-mfcc-checks';
import { speechLike, type TestSignal } from './signals';

/**
 * Fixed-point vs float64 MFCC on the same int16 input (coefficient units: dB-domain MFCCs,
 * c0 spans about −632..+380). The int16 Q5 output alone rounds by up to 1/64 ≈ 0.0156.
 *
 * Measured max |fixed − float| (MFCC units):
 *   speech-like, white noise (0.3 .. 1 LSB rms), noise/silence/quiet, digital silence:
 *   0.0156 — output rounding only (log-mel ≤ 0.0014 dB on speech).
 *   full-scale pure tones 0.19–0.84, full-scale DC 0.26–0.32: these frames span > 120 dB
 *   between their loudest and quietest mel band, and bands more than ~110 dB below the
 *   frame's strongest component sit at the integer FFT's rounding floor. Within 100 dB of
 *   the loudest band every band agrees to ≤ 0.1 dB (asserted below). Microphone audio
 *   never has that range (int16 itself spans 96 dB).
 * Asserted: < 0.03 on realistic signals; < 1.0 on tones/DC; ≤ 0.1 dB per band within 100 dB.
 */

const params = mfccParams(mfccConfigSchema.parse({}));
const plan = prepareMfcc(params);
const fixed = new MfccQ15(params);

function maxErr(s: TestSignal): number {
  return maxAbsDiff(computeMfcc(plan, s.float), mfccQ15ToFloat(fixed.compute(s.pcm)));
}

describe('MfccQ15 (integer) vs computeMfcc (float64)', () => {
  const realistic = realisticSignals();

  it.each(realistic.map((s) => [s.name, s] as const))('%s: max abs error < 0.03', (_n, s) => {
    expect(maxErr(s)).toBeLessThan(0.03);
  });

  it('log-mel energies agree within 0.01 dB on speech', () => {
    expect(maxLogMelErrorDb(plan, fixed, speechLike('a'))).toBeLessThan(0.01);
  });

  const extremes: TestSignal[] = [
    ...extremeSignals(),
    ((): TestSignal => {
      const pcm = Int16Array.from({ length: 16000 }, (_, i) => (Math.floor(i / 8) % 2 ? 32767 : -32768)); // 1 kHz full-scale square
      return { name: 'full-scale square', pcm, float: Float64Array.from(pcm, (v) => v / 32768) };
    })(),
  ];

  it.each(extremes.map((s) => [s.name, s] as const))(
    '%s: every band within 100 dB of the loudest agrees to 0.1 dB; MFCC error < 1.0',
    (_n, s) => {
      expect(maxLogMelErrorDb(plan, fixed, s, 100)).toBeLessThan(0.1);
      expect(maxErr(s)).toBeLessThan(1.0);
    },
  );

  it('is deterministic and bit-stable (golden digest: change ⇒ bump the features stage version and regenerate C vectors)', () => {
    expect(goldenDigest(fixed, () => new MfccQ15(params))).toBe(
      'a1e368e1fb4613b3359a3ba430194d6a50c9d067e9a157215b62f4d3a455f784',
    );
  });

  it('documents its tables: Q30 window shift 25, 30 band bits, floor = round(2^16·log2 1e-10)', () => {
    const t = fixed.tables;
    expect(t.windowShift).toBe(25);
    expect(t.bandBits).toBe(30);
    expect(t.log2FloorQ16).toBe(Math.round(65536 * Math.log2(1e-10)));
    expect(t.windowQ30.length).toBe(640);
    expect(t.melWeightsQ15.every((w) => w >= 0 && w <= 32767)).toBe(true);
  });
});
