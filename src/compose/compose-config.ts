import { z } from 'zod';
import { NAME_PATTERN } from '../spec/pipeline-schema';
import { range, streamShapeFields } from '../synth/kws-config';

/**
 * Config of the `compose-kws` stage (the `with:` block): training clips and labelled streams
 * composed from a user's *recordings* (thesis §3, Algorithm 1 and appendix 3.B AudioSample:
 * positives, negatives and backgrounds come from recorded databases, one per split) instead
 * of from a synthesizer. Only `recordings` is required. The schema is pure (no I/O), so it
 * also generates the editor JSON Schema; whether the named stages, labels and folders exist
 * is checked when the stage runs (docs/stages/compose-kws.md).
 */

/** A stage name, as in `needs:` (the stage must also be listed there). */
const stageNameSchema = z.string().regex(NAME_PATTERN, 'expected the name of a stage listed in needs:');

/** A label folder of the recordings dataset: one path segment, not hidden. */
const labelSchema = z
  .string()
  .regex(/^[^./\\][^/\\]*$/, 'expected a label folder name (no "/" or "\\", not starting with ".")');

export const composeStreamsSchema = z.strictObject({
  ...streamShapeFields,
  /** Whose recordings speak in the scored streams: the test split's (speakers never trained on) or every split's. */
  split: z
    .enum(['test', 'all'])
    .default('test')
    .describe(
      "Whose recordings speak in the scored streams: the test split's (speakers never trained on) or every split's.",
    ),
  /**
   * Tuning streams (artifact `tuning-streams`, files `tune-NNN.wav`) on which evaluate picks
   * the operating threshold; same shape as the scored streams. Default: the validation
   * split's recordings, held out from training and from the scored streams. 0 = none.
   */
  tuning: z
    .strictObject({
      count: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .default(0)
        .describe(
          'Tuning streams on which evaluate picks the threshold (artifact tuning-streams, tune-NNN.wav); 0 = none.',
        ),
      split: z
        .enum(['train', 'validation', 'test', 'all'])
        .default('validation')
        .describe(
          'Whose recordings and backgrounds speak in the tuning streams; validation by default: held out from training and from the scored streams.',
        ),
    })
    .prefault({}),
});

export const composeKwsConfigSchema = z
  .strictObject({
    /** The `import-audio` stage whose `dataset` holds the recordings (must be in needs:). */
    recordings: stageNameSchema.describe(
      'The `import-audio` stage whose `dataset` holds the recordings (must be in needs:).',
    ),
    /** Optional `synth-kws` (or any dataset) stage to take a fraction of every class from (must be in needs:). */
    tts: stageNameSchema
      .optional()
      .describe(
        'Optional `synth-kws` (or any dataset) stage to take a fraction of every class from (must be in needs:).',
      ),
    /**
     * Keyword labels, in label order. Default: every label of the recordings dataset except
     * `_silence_`, `_unknown_` and the labels named in `negatives`.
     */
    keywords: z
      .array(labelSchema)
      .min(1)
      .optional()
      .describe(
        'Keyword labels, in label order. Default: every label of the recordings dataset except `_silence_`, `_unknown_` and the labels named in `negatives`.',
      ),
    /**
     * Labels of the recordings dataset whose recordings become `_unknown_` clips. Default:
     * every label that is neither a keyword nor `_silence_` (so `_unknown_` and any
     * keyword folder you left out of `keywords`).
     */
    negatives: z
      .array(labelSchema)
      .min(1)
      .optional()
      .describe(
        'Labels of the recordings dataset whose recordings become `_unknown_` clips. Default: every label that is neither a keyword nor `_silence_` (so `_unknown_` and any keyword folder you left out of `keywords`).',
      ),
    /** Clips per keyword class (all splits together). */
    perKeyword: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(300)
      .describe('Clips per keyword class (all splits together).'),
    /** `_unknown_` clips = round(unknownFraction × perKeyword). */
    unknownFraction: z
      .number()
      .min(0)
      .max(20)
      .default(1.0)
      .describe('`_unknown_` clips = round(unknownFraction × perKeyword).'),
    /** `_silence_` clips = round(silenceFraction × perKeyword); they need backgrounds. */
    silenceFraction: z
      .number()
      .min(0)
      .max(20)
      .default(1.0)
      .describe('`_silence_` clips = round(silenceFraction × perKeyword); they need backgrounds.'),
    /**
     * Share of every class's clips in each held-out split. Which *recordings* a split may use
     * is decided by the recordings dataset's own lists (import-audio: the folder's lists, or
     * the hash of the speaker id before `_nohash_`), so no recording feeds two splits.
     */
    split: z
      .strictObject({
        validation: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe(
            "Share of every class's clips in the validation split, composed only from that split's recordings and backgrounds.",
          ),
        test: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe(
            "Share of every class's clips in the test split, composed only from that split's recordings and backgrounds.",
          ),
      })
      .prefault({}),
    clipMs: z
      .number()
      .int()
      .min(250)
      .max(5000)
      .default(1000)
      .describe("Clip length, ms (Speech Commands: 1 s); must equal the `tts` dataset's clipMs to mix."),
    /** RMS level of the active speech in a clip, dBFS. */
    levelDbfs: range(-60, 0).default([-30, -12]).describe('RMS level of the active speech in a clip, dBFS.'),
    /** Maximum random shift of the word from the clip centre (the word stays inside the clip). */
    timeShiftMs: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(100)
      .describe('Maximum random shift of the word from the clip centre (the word stays inside the clip).'),
    /**
     * Speed perturbation factor range (resampling, so tempo and pitch change together, as
     * Kaldi's speed perturbation): 1.1 = 10% faster and higher. Drawn per clip in steps of
     * 0.01. [1, 1] = off.
     */
    speed: range(0.5, 2)
      .default([0.9, 1.1])
      .describe(
        "Speed perturbation factor range (resampling, so tempo and pitch change together, as Kaldi's speed perturbation): 1.1 = 10% faster and higher. Drawn per clip in steps of 0.01. [1, 1] = off.",
      ),
    backgrounds: z
      .strictObject({
        /**
         * Folder of the recordings dataset holding background recordings: `_background_noise_`
         * (import-audio with keepBackgrounds: true, as in Speech Commands) or a label such as
         * `_silence_` (import-audio's silenceClips).
         */
        from: labelSchema
          .default('_background_noise_')
          .describe(
            "Folder of the recordings dataset holding background recordings: `_background_noise_` (import-audio with keepBackgrounds: true, as in Speech Commands) or a label such as `_silence_` (import-audio's silenceClips).",
          ),
        /** Probability that a keyword / `_unknown_` clip gets a background (the rest keep only the recording's own noise). */
        probability: z
          .number()
          .min(0)
          .max(1)
          .default(0.8)
          .describe(
            "Probability that a keyword / `_unknown_` clip gets a background (the rest keep only the recording's own noise).",
          ),
        /** Speech-to-background ratio over the active speech (mix.ts mixAtSnr). */
        snrDb: range(-20, 80)
          .default([5, 30])
          .describe('Speech-to-background ratio over the active speech (mix.ts mixAtSnr).'),
      })
      .prefault({}),
    /**
     * How a recording's active extent is found (src/compose/recording-extent.ts): 10 ms frames
     * at least `floorMarginDb` above the recording's noise floor (10th-percentile frame) and
     * within `belowPeakDb` of its loudest frame, widened by `padMs` on each side.
     */
    trim: z
      .strictObject({
        floorMarginDb: z
          .number()
          .min(0)
          .max(60)
          .default(8)
          .describe(
            'Active 10 ms frames rise at least this far above the noise floor (10th-percentile frame), dB; a recording with none is silent.',
          ),
        belowPeakDb: z
          .number()
          .min(10)
          .max(90)
          .default(40)
          .describe('Active frames lie within this many dB of the loudest frame.'),
        padMs: z
          .number()
          .int()
          .min(0)
          .max(500)
          .default(30)
          .describe('The active extent is widened by this on each side, ms (keeps weak fricative onsets such as /s/).'),
      })
      .prefault({}),
    /** A recording in which no speech stands out of its noise floor: fail the stage (`error`) or leave it out (`skip`). */
    silentRecordings: z
      .enum(['error', 'skip'])
      .default('error')
      .describe(
        'A recording in which no speech stands out of its noise floor: fail the stage (`error`) or leave it out (`skip`).',
      ),
    /** Mix with the `tts` stage's dataset: that fraction of every class's clips in each split is copied from the same split there. */
    mix: z
      .strictObject({
        tts: z
          .number()
          .min(0)
          .max(1)
          .default(0)
          .describe(
            "Fraction of every class's clips in each split copied from the same split of the `tts` stage's dataset; 0 = recordings only.",
          ),
      })
      .prefault({}),
    streams: composeStreamsSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const dup = (list: readonly string[] | undefined) => list?.find((w, i) => list.indexOf(w) !== i);
    for (const field of ['keywords', 'negatives'] as const) {
      const d = dup(c[field]);
      if (d !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `duplicate entry "${d}"` });
    }
    c.keywords?.forEach((k, i) => {
      if (k === '_silence_' || k === '_unknown_' || k === c.backgrounds.from) {
        ctx.addIssue({ code: 'custom', path: ['keywords', i], message: `"${k}" cannot be a keyword` });
      } else if (c.negatives?.includes(k)) {
        ctx.addIssue({ code: 'custom', path: ['keywords', i], message: `"${k}" is also in negatives` });
      }
    });
    c.negatives?.forEach((k, i) => {
      if (k === '_silence_' || k === c.backgrounds.from) {
        ctx.addIssue({
          code: 'custom',
          path: ['negatives', i],
          message: `"${k}" cannot be a negative (it is not speech)`,
        });
      }
    });
    if (c.tts !== undefined && c.tts === c.recordings) {
      ctx.addIssue({ code: 'custom', path: ['tts'], message: 'tts and recordings must be different stages' });
    }
    if (c.mix.tts > 0 && c.tts === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mix', 'tts'],
        message: `mix.tts is ${c.mix.tts} but no tts stage is named (tts: <synth-kws stage>)`,
      });
    }
    if (c.split.validation + c.split.test >= 1) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'validation + test must leave clips for training' });
    }
  });

export type ComposeKwsConfig = z.infer<typeof composeKwsConfigSchema>;
/** What a user may write (every field but `recordings` optional). */
export type ComposeKwsConfigInput = z.input<typeof composeKwsConfigSchema>;
