import { z } from 'zod';

/**
 * The `augment:` block of synth-kws (docs/augmentation.md): acoustic realism added per clip
 * and per stream utterance, each effect with a probability and parameter ranges. Every
 * effect block is optional: an absent block is off, `{}` is on with the defaults below.
 * `augment` itself absent = no effect at all, bytes as before the block existed.
 *
 * Draws: each effect of each clip has its own generator
 * (ctx.rng('clip', label, index, 'augment', effect)), so switching one effect on or off
 * leaves every other effect's draws, and every clip's plan, unchanged.
 */

const probability = z.number().min(0).max(1);

/** A [min, max] range with min ≤ max. */
function range(lo: number, hi: number, integer = false) {
  const n = integer ? z.number().int().min(lo).max(hi) : z.number().min(lo).max(hi);
  return z.tuple([n, n]).refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max');
}

export const roomAugmentSchema = z.strictObject({
  probability: probability.default(0.5).describe('Share of clips that get this effect.'),
  /** Reverberation time: 0.15 s (furnished small room) … 0.8 s (kitchen, hall). */
  rt60Sec: range(0.05, 2)
    .default([0.15, 0.8])
    .describe('Reverberation time: 0.15 s (furnished small room) … 0.8 s (kitchen, hall).'),
  /** Room dimensions x, y (floor) and z (height), metres. */
  sizeM: z
    .strictObject({
      x: range(1, 50)
        .default([3, 10])
        .describe(
          'Room length range, m, drawn per simulated room (rooms people talk to devices in, docs/augmentation.md).',
        ),
      y: range(1, 50).default([3, 8]).describe('Room width range, m, drawn per simulated room.'),
      z: range(2, 20).default([2.4, 4]).describe('Ceiling height range, m, drawn per simulated room.'),
    })
    .prefault({})
    .describe('Room dimensions x, y (floor) and z (height), metres.'),
  /** Talker–microphone distance: near-field 0.3 m … across a living room 3 m. */
  distanceM: range(0.05, 20)
    .default([0.3, 3])
    .describe('Talker–microphone distance: near-field 0.3 m … across a living room 3 m.'),
  /** The clip's speech level and SNR are those of a talker at this distance (direct path gain 1). */
  referenceM: z
    .number()
    .min(0.05)
    .max(10)
    .default(1)
    .describe("The clip's speech level and SNR are those of a talker at this distance (direct path gain 1)."),
  absorption: z
    .enum(['eyring', 'sabine'])
    .default('eyring')
    .describe(
      'Formula that turns the drawn RT60 into a uniform wall absorption: Eyring (default; valid for absorbent rooms too) or Sabine (overestimates RT60 there, and cannot reach a short RT60 in a big room).',
    ),
  /** Impulse responses are cut at min(RT60, maxRirSec). */
  maxRirSec: z.number().min(0.05).max(2).default(0.5).describe('Impulse responses are cut at min(RT60, maxRirSec).'),
  /** Rooms simulated per stage run; each clip picks one (simulation cost is per room, not per clip). */
  rooms: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(64)
    .describe('Rooms simulated per stage run; each clip picks one (simulation cost is per room, not per clip).'),
});

/** The vocal-tract effects' train-split share (src/synth/kws-augment.ts speechDraws). */
const trainProbability = probability
  .optional()
  .describe(
    'Share of train-split clips (copies included) that get it, instead of `probability`; validation, test and streams keep `probability`, so their clips stay byte-identical. Absent = `probability`.',
  );

export const vtlpAugmentSchema = z.strictObject({
  probability: probability.default(0.5).describe('Share of clips that get this effect.'),
  trainProbability,
  /** Frequency-axis warp α (Jaitly & Hinton use 0.9–1.1). */
  warp: range(0.8, 1.25).default([0.9, 1.1]).describe('Frequency-axis warp α (Jaitly & Hinton use 0.9–1.1).'),
});

export const formantAugmentSchema = z.strictObject({
  probability: probability.default(0.3).describe('Share of clips that get this effect.'),
  trainProbability,
  /** Spectral-envelope scale β, pitch unchanged. */
  shift: range(0.8, 1.25).default([0.9, 1.1]).describe('Spectral-envelope scale β, pitch unchanged.'),
});

/**
 * The talker's speech band-limited at its source: resampled down to a lower rate and back up,
 * as a voice recorded or synthesized at that rate (flite's `kal` renders at 8 kHz) and heard
 * through a full-band microphone: the speech has nothing above rate/2, the background keeps
 * its whole band. Train-split clips only by default, so the evaluation sets stay as they were.
 */
export const talkerRateAugmentSchema = z.strictObject({
  probability: probability.default(0.2).describe('Share of clips (of the listed splits) that get this effect.'),
  rates: z
    .array(z.number().int().min(4000).max(15999))
    .min(1)
    .default([8000, 11025])
    .describe(
      "Source sample rates, Hz, one drawn uniformly per clip: the talker's speech keeps only its band below rate/2.",
    ),
  splits: z
    .array(z.enum(['train', 'validation', 'test']))
    .min(1)
    .default(['train'])
    .describe(
      'Dataset splits whose clips may get it (default train only: validation and test clips stay as without it).',
    ),
});

export const micAugmentSchema = z.strictObject({
  probability: probability.default(0.5).describe('Share of clips that get this effect.'),
  /** Band limits: high-pass corner, Hz (0 = none). */
  highPassHz: range(0, 2000).default([50, 300]).describe('Band limits: high-pass corner, Hz (0 = none).'),
  /** Low-pass corner, Hz (8000 at 16 kHz = none; 3400 = narrow-band telephony). */
  lowPassHz: range(1000, 8000)
    .default([3400, 8000])
    .describe('Low-pass corner, Hz (8000 at 16 kHz = none; 3400 = narrow-band telephony).'),
  /** Of the clips with band limits, the fraction that also get a MEMS response. */
  memsProbability: probability
    .default(0.5)
    .describe('Of the clips with band limits, the fraction that also get a MEMS microphone response.'),
  memsLowCornerHz: range(1, 1000)
    .default([30, 150])
    .describe('MEMS vent roll-off: first-order high-pass corner (−3 dB), Hz (typically 30–150).'),
  memsResonanceHz: range(4000, 40000)
    .default([10000, 14000])
    .describe(
      'MEMS port/membrane Helmholtz resonance, Hz (typically 10–14 kHz: above Nyquist at 16 kHz, its lower skirt lifts 8 kHz by +2 … +8 dB).',
    ),
  memsQ: range(0.5, 20).default([2, 5]).describe('Quality factor of the MEMS resonance (2–5: a +6 … +14 dB peak).'),
});

export const agcAugmentSchema = z.strictObject({
  probability: probability.default(0.2).describe('Share of clips that get this effect.'),
  targetDbfs: range(-60, 0)
    .default([-26, -16])
    .describe('Level the AGC drives the signal toward (10 ms mean-square detector), dBFS.'),
  maxGainDb: range(0, 60).default([10, 30]).describe('Largest boost (and cut) the AGC applies, dB.'),
  attackMs: range(0.1, 1000)
    .default([2, 20])
    .describe('Gain time constant when the level rises and the gain must fall, ms (fast, as device AGCs).'),
  releaseMs: range(1, 10000)
    .default([100, 1000])
    .describe(
      'Gain time constant when the level falls and the gain may rise, ms (slow: the noise floor pumps up between words).',
    ),
});

export const clippingAugmentSchema = z.strictObject({
  probability: probability.default(0.1).describe('Share of clips that get this effect.'),
  /** Threshold below the clip's peak, dB. */
  depthDb: range(0, 40).default([1, 12]).describe("Threshold below the clip's peak, dB."),
  /** Fraction of clipped clips with soft (tanh) rather than hard clipping. */
  softFraction: probability
    .default(0.5)
    .describe(
      'Fraction of clipped clips with soft clipping, thr·tanh(x/thr) (an analog stage), rather than hard (ADC rails).',
    ),
});

export const codecAugmentSchema = z.strictObject({
  probability: probability.default(0.2).describe('Share of clips that get this effect.'),
  /** Relative weights of the codec kinds; 0 disables one. */
  weights: z
    .strictObject({
      mulaw: z.number().min(0).default(1).describe('Relative weight of the 8-bit G.711 μ-law (μ = 255) round trip.'),
      alaw: z.number().min(0).default(1).describe('Relative weight of the 8-bit G.711 A-law (A = 87.6) round trip.'),
      telephone: z
        .number()
        .min(0)
        .default(1)
        .describe('Relative weight of a telephone call: down to 8 kHz (4 kHz band edge), 8-bit μ-law, back up.'),
      quantize: z
        .number()
        .min(0)
        .default(1)
        .describe('Relative weight of uniform requantization to `bits` bits (a low-resolution ADC).'),
    })
    .prefault({})
    .refine((w) => w.mulaw + w.alaw + w.telephone + w.quantize > 0, 'at least one codec weight must be > 0'),
  /** Bits for `quantize`. */
  bits: range(2, 16, true).default([6, 12]).describe('Bits for `quantize`.'),
});

export const augmentConfigSchema = z.strictObject({
  /** Speech effects (before mixing with the background). */
  formant: formantAugmentSchema
    .optional()
    .describe('Formant shift of the speech (spectral envelope scaled, pitch kept), before mixing; absent = off.'),
  vtlp: vtlpAugmentSchema
    .optional()
    .describe(
      'Vocal tract length perturbation (frequency warp, Jaitly & Hinton 2013) of the speech, before mixing; absent = off.',
    ),
  room: roomAugmentSchema
    .optional()
    .describe('Simulated room reverberation at a talker distance, before mixing; absent = off.'),
  talkerRate: talkerRateAugmentSchema
    .optional()
    .describe(
      "The talker's speech band-limited to a lower source sample rate (first in the speech chain), before mixing; clips of the listed splits only, never streams; absent = off.",
    ),
  /** Channel effects (after mixing; on `_silence_` clips too). */
  mic: micAugmentSchema
    .optional()
    .describe('Microphone band limits and MEMS response, after mixing (on `_silence_` clips too); absent = off.'),
  agc: agcAugmentSchema.optional().describe('Automatic gain control, after mixing; absent = off.'),
  clipping: clippingAugmentSchema.optional().describe('Hard or soft (tanh) clipping, after mixing; absent = off.'),
  codec: codecAugmentSchema
    .optional()
    .describe('Codec artefacts (μ-law, A-law, telephone band, requantization), after mixing; absent = off.'),
  /** Also augment the utterances (speech effects) and channel (per stream) of the evaluation streams. */
  streams: z
    .boolean()
    .default(true)
    .describe('Also augment the utterances (speech effects) and channel (per stream) of the evaluation streams.'),
});

export type AugmentConfig = z.infer<typeof augmentConfigSchema>;
