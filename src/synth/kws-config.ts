import { z } from 'zod';
import { RECORDED_SET_NAMES, type RecordedSetName } from '../audio/augment/recorded-backgrounds';
import { augmentConfigSchema } from './augment-config';
import { didYouMean } from '../spec/suggest';
import { DEFAULT_HELD_OUT_ENGINES, ENGINE_IDS, type EngineId } from './engines/types';

/**
 * Config of the `synth-kws` stage (the `with:` block). Every field has a default, so
 * `with: {}` gives the 12-class Speech Commands setup (10 keywords + _silence_ +
 * _unknown_) used by MicroNets §4 / docs/methods.md#keyword-spotting-data, synthesized as in thesis §3
 * (Algorithm 1, AudioSample): TTS positives and negatives over varied voices, pitch and
 * speed; coloured noise, hum, babble or user WAV backgrounds; random SNR and time shift.
 *
 * The schema is pure (no I/O) so it can also generate the editor JSON Schema; whether the
 * voices are installed and the background files readable is checked when the stage runs.
 */

/** The ten Speech Commands v2 command words. */
export const SPEECH_COMMANDS_KEYWORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];

/**
 * Non-keywords for `_unknown_`: the 20 auxiliary words of Speech Commands v2 plus ten more
 * everyday words, including near-misses of the keywords ("yet", "dawn", "goal"), which
 * teach the model to reject similar-sounding speech.
 */
export const DEFAULT_NEGATIVES = [
  'bed',
  'bird',
  'cat',
  'dog',
  'happy',
  'house',
  'marvin',
  'sheila',
  'tree',
  'wow',
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'backward',
  'forward',
  'follow',
  'learn',
  'visual',
  'yet',
  'dawn',
  'goal',
  'water',
  'window',
];

/**
 * Training/validation voices: the installed espeak-ng English accents (US, GB, RP,
 * Scotland, Lancaster, West Midlands, Caribbean, NYC) crossed with male/female variants.
 */
export const DEFAULT_VOICES = [
  'en-us',
  'en-us+m3',
  'en-us+f1',
  'en-us+f4',
  'en-gb',
  'en-gb+m2',
  'en-gb+f2',
  'en-gb-x-rp+m4',
  'en-gb-x-rp+f3',
  'en-gb-scotland+m5',
  'en-gb-x-gbclan+m6',
  'en-gb-x-gbcwmd+f1',
  'en-029+m7',
  'en-us-nyc+f2',
  'en-us-nyc+m1',
];

/** Held-out voices for the test split only: accents and variants absent from DEFAULT_VOICES' pairs. */
export const DEFAULT_TEST_VOICES = ['en-gb-scotland+f3', 'en-029+m2'];

/** A word as espeak-ng should read it and as a directory name: lower-case letters, `'`, `-`. */
const wordSchema = z.string().regex(/^[a-z][a-z'-]*$/, 'expected a lower-case word (letters, apostrophe, hyphen)');

/** `language[+variant]` as espeak-ng's -v takes it. */
const voiceSchema = z.string().regex(/^[a-z0-9-]+(\+[A-Za-z0-9_-]+)?$/, 'expected an espeak-ng voice like "en-us+f3"');

/** A [min, max] range with min ≤ max. */
export function range(lo: number, hi: number, integer = false) {
  const n = integer ? z.number().int().min(lo).max(hi) : z.number().min(lo).max(hi);
  return z.tuple([n, n]).refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max');
}

/**
 * One training engine's voices (`voices.engines.<engine>`): which of its voices train,
 * which are held out for the test split and the scored streams, how often it speaks, and
 * the ranges of its per-clip variation (docs/data-sources.md lists each engine's knobs).
 */
export const engineVoicesSchema = z.strictObject({
  /** `all` = every installed voice of the engine (minus exclude and testVoices), or a list. */
  voices: z
    .union([z.literal('all'), z.array(z.string().min(1)).min(1)])
    .default('all')
    .describe('`all` = every installed voice of the engine (minus exclude and testVoices), or a list.'),
  /** Voices never used (e.g. RHVoice's non-commercial evgeniy-eng, lyubov; MBROLA us3 lacks diphones). */
  exclude: z
    .array(z.string().min(1))
    .default([])
    .describe("Voices never used (e.g. RHVoice's non-commercial evgeniy-eng, lyubov; MBROLA us3 lacks diphones)."),
  /** Held-out voices: test split and scored streams only (sources.json `heldOut: "voice"`). */
  testVoices: z
    .array(z.string().min(1))
    .default([])
    .describe('Held-out voices: test split and scored streams only (sources.json `heldOut: "voice"`).'),
  /** Relative share of the clips this engine speaks (among the training engines). */
  weight: z
    .number()
    .positive()
    .default(1)
    .describe('Relative share of the clips this engine speaks (among the training engines).'),
  /** Kokoro only: pseudo-speakers mix-00 … (fixed Dirichlet blends of its 5 styles) used when voices is `all`. */
  speakers: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe(
      'Kokoro only: pseudo-speakers mix-00 … (fixed Dirichlet blends of its 5 styles) used when voices is `all`.',
    ),
  /** Speaking-rate factor range, 1 = the engine's default (not espeak-ng/MBROLA: they use top-level speed). */
  rate: z
    .tuple([z.number().min(0.5).max(2), z.number().min(0.5).max(2)])
    .refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max')
    .optional(),
  /** Pitch factor range, 1 = the voice's own (Pico, RHVoice; espeak-ng/MBROLA use top-level pitch). */
  pitch: z
    .tuple([z.number().min(0.5).max(2), z.number().min(0.5).max(2)])
    .refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max')
    .optional(),
  /** Probability that a clip reads a phoneme transcription with one stress/length change (espeak-ng, MBROLA, Kokoro). */
  phonemeVariation: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Probability that a clip reads a phoneme transcription with one stress/length change (espeak-ng, MBROLA, Kokoro).',
    ),
});
export type EngineVoicesSpec = z.infer<typeof engineVoicesSchema>;

/**
 * Voices from several TTS engines (src/synth/engines): training engines by weight, their
 * test voices held out, and a held-out engine family that only ever speaks test clips.
 */
export const voiceSourcesSchema = z.strictObject({
  /** Training engines by id: espeak-ng, mbrola, pico, rhvoice, piper, kokoro, hibari. */
  engines: z
    .record(z.string(), engineVoicesSchema)
    .describe('Training engines by id: espeak-ng, mbrola, pico, rhvoice, piper, kokoro, hibari.'),
  /**
   * Engines never trained on: they render extra test-split clips (heldOutPerKeyword) and
   * half of the scored streams' utterances (sources.json `heldOut: "engine"`). flite and
   * festival are reserved for this role.
   */
  heldOutEngines: z
    .array(z.string())
    .default([...DEFAULT_HELD_OUT_ENGINES])
    .describe(
      'Engines never trained on: they render extra test-split clips (heldOutPerKeyword) and half of the scored streams\' utterances (sources.json `heldOut: "engine"`). flite and festival are reserved for this role.',
    ),
  /** Extra test clips per keyword from the held-out engines (`_unknown_` gets unknownFraction × this). */
  heldOutPerKeyword: z
    .number()
    .int()
    .min(0)
    .max(10000)
    .default(30)
    .describe('Extra test clips per keyword from the held-out engines (`_unknown_` gets unknownFraction × this).'),
});
export type VoiceSourcesSpec = z.infer<typeof voiceSourcesSchema>;

/** Engines that may never be training engines (docs/data-sources.md: the measurement family). */
export const RESERVED_HELD_OUT_ENGINES: readonly EngineId[] = DEFAULT_HELD_OUT_ENGINES;

export const backgroundSchema = z.strictObject({
  type: z.enum(['white', 'pink', 'brown', 'hum', 'babble', 'file', 'recorded']),
  /** Relative probability of picking this background for a clip or stream. */
  weight: z
    .number()
    .positive()
    .default(1)
    .describe('Relative probability of picking this background for a clip or stream.'),
  /** For `file`: a WAV (any rate/format readWav supports; resampled to 16 kHz). Relative paths resolve from the working directory. */
  path: z
    .string()
    .min(1)
    .optional()
    .describe(
      'For `file`: a WAV (any rate/format readWav supports; resampled to 16 kHz). Relative paths resolve from the working directory.',
    ),
  /** For `hum`: mains frequency. */
  humHz: z
    .union([z.literal(50), z.literal(60)])
    .default(50)
    .describe('For `hum`: mains frequency.'),
  /** For `recorded`: a set of real recordings from a Debian package (src/audio/augment/recorded-backgrounds.ts). */
  set: z
    .enum(RECORDED_SET_NAMES as [RecordedSetName, ...RecordedSetName[]])
    .optional()
    .describe(
      'For `recorded`: a set of real recordings from a Debian package (src/audio/augment/recorded-backgrounds.ts).',
    ),
});
export type BackgroundSpec = z.infer<typeof backgroundSchema>;

/**
 * The shape of labelled streams, shared by every stage that makes them (synth-kws here,
 * compose-kws in src/compose/compose-config.ts); each adds whose voices speak in them.
 */
export const streamShapeFields = {
  /** Number of long streams for event evaluation; 0 = none. */
  count: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(10)
    .describe('Number of long streams for event evaluation; 0 = none.'),
  durationSec: z.number().min(5).max(3600).default(60).describe('Length of each stream, seconds.'),
  /** Keywords per stream, drawn uniformly in [min, max] (thesis Algorithm 1 draws 0..3 per 10 s). */
  keywordsPerStream: range(0, 10000, true)
    .default([8, 12])
    .describe('Keywords per stream, drawn uniformly in [min, max] (thesis Algorithm 1 draws 0..3 per 10 s).'),
  negativesPerStream: range(0, 10000, true)
    .default([8, 12])
    .describe('Negative (non-keyword) words per stream, drawn uniformly in [min, max].'),
  /** Background level of the whole stream (thesis `target_dBFS`). */
  backgroundDbfs: z
    .number()
    .min(-100)
    .max(0)
    .default(-40)
    .describe('Background level of the whole stream (thesis `target_dBFS`).'),
  /** Minimum silence between two utterances' active extents. */
  minGapMs: z.number().int().min(0).default(500).describe("Minimum silence between two utterances' active extents."),
};

export const streamsSchema = z.strictObject({
  ...streamShapeFields,
  /** Voices for stream utterances: the held-out test voices (default) or all voices. */
  voiceSet: z
    .enum(['test', 'all'])
    .default('test')
    .describe('Voices for stream utterances: the held-out test voices (default) or all voices.'),
  /**
   * A second, independent set of streams (artifact `tuning-streams`, files `tune-NNN.wav`)
   * on which the evaluate stage chooses the operating threshold, so the scored streams do
   * not also pick their own threshold (an optimistic bias: thesis §3.2.2 picks the
   * threshold from the DET curve, which must then be measured on other data). Same
   * utterance counts, duration, gap and background level as the scored streams; by default
   * spoken by the training voices, so no held-out voice informs the threshold. 0 = none.
   */
  tuning: z
    .strictObject({
      count: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .default(0)
        .describe('Tuning streams on which evaluate picks the threshold (artifact tuning-streams); 0 = none.'),
      voiceSet: z
        .enum(['train', 'test', 'all'])
        .default('train')
        .describe('Voices of the tuning streams; train, so no held-out voice informs the threshold.'),
    })
    .prefault({}),
});

export const synthKwsConfigSchema = z
  .strictObject({
    keywords: z
      .array(wordSchema)
      .min(1)
      .default(SPEECH_COMMANDS_KEYWORDS)
      .describe('Keyword words, one class each, in label order (default: the 10 Speech Commands keywords).'),
    negatives: z
      .array(wordSchema)
      .min(1)
      .default(DEFAULT_NEGATIVES)
      .describe(
        "Non-keyword words spoken for `_unknown_` clips, stream negatives and babble (default: Speech Commands v2's 20 auxiliary words plus near-misses such as yet, dawn, goal).",
      ),
    /** Clips per keyword class. */
    perKeyword: z.number().int().min(1).max(100000).default(300).describe('Clips per keyword class.'),
    /** `_unknown_` clips = round(unknownFraction × perKeyword); 1.0 = a class as big as a keyword's. */
    unknownFraction: z
      .number()
      .min(0)
      .max(20)
      .default(1.0)
      .describe("`_unknown_` clips = round(unknownFraction × perKeyword); 1.0 = a class as big as a keyword's."),
    /** `_silence_` clips = round(silenceFraction × perKeyword). */
    silenceFraction: z
      .number()
      .min(0)
      .max(20)
      .default(1.0)
      .describe('`_silence_` clips = round(silenceFraction × perKeyword).'),
    /**
     * Either a list of espeak-ng voices (the original form; testVoices beside it), or
     * `{engines: {<engine>: {...}}, heldOutEngines, heldOutPerKeyword}` for several TTS
     * engines (voiceSourcesSchema).
     */
    voices: z
      .union([z.array(voiceSchema).min(1), voiceSourcesSchema])
      .default(DEFAULT_VOICES)
      .describe(
        'Either a list of espeak-ng voices (the original form; testVoices beside it), or `{engines: {<engine>: {...}}, heldOutEngines, heldOutPerKeyword}` for several TTS engines.',
      ),
    /** Held-out espeak-ng voices for the list form of `voices` (default DEFAULT_TEST_VOICES). */
    testVoices: z
      .array(voiceSchema)
      .min(1)
      .optional()
      .describe('Held-out espeak-ng voices for the list form of `voices` (default: en-gb-scotland+f3, en-029+m2).'),
    /** espeak-ng and MBROLA pitch (0–99, default voice 50). */
    pitch: range(0, 99, true).default([30, 70]).describe('espeak-ng and MBROLA pitch (0–99, default voice 50).'),
    /** espeak-ng and MBROLA speed in words per minute; the slow end keeps 1 s clips from overflowing. */
    speed: range(80, 450, true)
      .default([130, 200])
      .describe('espeak-ng and MBROLA speed in words per minute; the slow end keeps 1 s clips from overflowing.'),
    /** Level of the active speech in a clip, RMS dBFS. */
    levelDbfs: range(-60, 0).default([-30, -12]).describe('Level of the active speech in a clip, RMS dBFS.'),
    /** Speech-to-background ratio, measured over the active speech (mix.ts mixAtSnr). */
    snrDb: range(-20, 80)
      .default([5, 30])
      .describe('Speech-to-background ratio, measured over the active speech (mix.ts mixAtSnr).'),
    /**
     * Regular SNR range of the train split alone (its copies included); validation, test and
     * streams keep `snrDb`. Each clip still draws one number, so absent = bytes as before and
     * every validation and test clip is the same whatever this is.
     */
    trainSnrDb: range(-20, 80)
      .optional()
      .describe(
        'SNR range of the train split alone (and its trainCopies), so training can hear harder (or easier) noise than validation and test, which keep `snrDb`; quiet clips still take `quiet.snrDb`. Absent = `snrDb`.',
      ),
    /**
     * Quiet clips: a `fraction` of the clips (every label, every split) takes its SNR from
     * `snrDb` here instead of the top-level range. Without them no clip is ever cleaner than
     * the top-level maximum, and the default model misclassified 11.5 % of its own training
     * clips remade without background (5.1 % as stored) and most zero-padded real recordings
     * (docs/results/2026-12-04-kws-error-analysis.md). Drawn from a generator of its own, so
     * every other choice of every clip stays as it was; absent = off, bytes as before.
     */
    quiet: z
      .strictObject({
        fraction: z.number().min(0).max(1).describe('Share of clips (all labels and splits) that are quiet.'),
        snrDb: range(0, 100)
          .default([30, 70])
          .describe(
            'SNR of a quiet clip, dB: 30 = a quiet room with a MEMS mic (self-noise ≈ 30 dBA, speech ≈ 60 dBA at 1 m), 70 = a close talker on a studio mic, the background at the 16-bit floor (zero-padded recordings).',
          ),
      })
      .optional()
      .describe(
        'Quiet clips: a `fraction` of clips with their SNR drawn from `snrDb` (quiet rooms, close talk, zero-padded recordings) instead of the top-level snrDb; absent = off.',
      ),
    /**
     * Train clips made this many times from one render, each under its own noise and
     * augmentation draws (src/synth/kws-plan.ts trainCopies); 1 = off, bytes as before.
     */
    trainCopies: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe(
        'Each train-split clip is made this many times from the same render (same voice, word and prosody), each copy over its own background, SNR, level, time shift and augmentation, so the model hears a word under several noises instead of memorising one; validation and test are not copied. 1 = off. Training time per epoch grows with it: lower train epochs to match.',
      ),
    /** Maximum random shift of the word from the clip centre (kept inside the clip). */
    timeShiftMs: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(100)
      .describe('Maximum random shift of the word from the clip centre (kept inside the clip).'),
    /**
     * Extra words for `_unknown_` training/validation/test clips only: streams and babble
     * keep using `negatives`, so adding words here widens what the model learns to reject
     * without changing the scored streams.
     */
    extraNegatives: z
      .array(wordSchema)
      .default([])
      .describe(
        'Extra words for `_unknown_` training/validation/test clips only: streams and babble keep using `negatives`, so adding words here widens what the model learns to reject without changing the scored streams.',
      ),
    /**
     * Relative weight of `_unknown_` words in the train split (absent: every word of
     * negatives + extraNegatives equally). Validation and test keep the uniform draw, so a
     * run with weights is measured on the same clips as one without.
     */
    negativeWeights: z
      .record(wordSchema, z.number().min(0).max(100))
      .optional()
      .describe(
        'Relative weight of `_unknown_` words in train-split clips only, e.g. {yeah: 3, goat: 3} for near-rhymes the model takes for keywords (docs/results/2026-12-04-kws-recipe.md); unlisted words of negatives + extraNegatives weigh 1. Validation and test keep the uniform draw, so their clips stay those of a run without weights. Absent = uniform.',
      ),
    /**
     * Stream-style `_unknown_` clips. A deployed spotter slides a 1 s window over audio, so
     * it sees every negative word at every offset, cut at the window's edges, and next to
     * other words (thesis §3 Algorithm 1 streams). Centred ±timeShiftMs clips show only the
     * middle of that range, and most false accepts on the synthetic streams were negative
     * words (issue #4). A `fraction` of the `_unknown_` clips therefore places its word
     * anywhere that keeps at least `minInsideMs` of its active speech in the clip (so a
     * word may be cut at either edge), and with probability `neighbourProb` adds a second
     * negative word on the other side, at least `minGapMs` away (the streams' own spacing).
     */
    streamStyleUnknown: z
      .strictObject({
        fraction: z
          .number()
          .min(0)
          .max(1)
          .default(0)
          .describe('Share of `_unknown_` clips placed stream-style, possibly cut at an edge (0 = off).'),
        minInsideMs: z
          .number()
          .int()
          .min(20)
          .max(1000)
          .default(150)
          .describe('Active speech of the word that stays inside the clip, ms.'),
        neighbourProb: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('Probability of a second negative word on the other side.'),
        minGapMs: z.number().int().min(0).max(2000).default(100).describe('Minimum gap between the two words, ms.'),
      })
      .prefault({}),
    backgrounds: z
      .array(backgroundSchema)
      .min(1)
      .default([
        { type: 'white', weight: 1, humHz: 50 },
        { type: 'pink', weight: 2, humHz: 50 },
        { type: 'brown', weight: 1, humHz: 50 },
        { type: 'hum', weight: 1, humHz: 50 },
        { type: 'babble', weight: 2, humHz: 50 },
      ])
      .describe('Background noises mixed under clips and streams, picked by weight.'),
    /** Fractions of every label's clips held out; assignment is by clip index (deterministic). */
    split: z
      .strictObject({
        validation: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe("Share of every label's clips held out for validation (by clip index, deterministic)."),
        test: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe("Share of every label's clips held out for test (by clip index, deterministic)."),
      })
      .prefault({}),
    streams: streamsSchema.prefault({}),
    /** Only 16 kHz for now (the KWS front end's rate). */
    sampleRate: z.literal(16000).default(16000).describe("Only 16 kHz for now (the KWS front end's rate)."),
    clipMs: z.number().int().min(250).max(5000).default(1000).describe('Clip length, ms (Speech Commands: 1 s).'),
    /** Acoustic augmentation (src/synth/augment-config.ts, docs/augmentation.md); absent = none. */
    augment: augmentConfigSchema
      .optional()
      .describe('Acoustic augmentation (src/synth/augment-config.ts, docs/augmentation.md); absent = none.'),
  })
  .superRefine((c, ctx) => {
    const dup = (list: readonly string[]) => list.find((w, i) => list.indexOf(w) !== i);
    for (const field of ['keywords', 'negatives', 'extraNegatives'] as const) {
      const d = dup(c[field]);
      if (d !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `duplicate entry "${d}"` });
    }
    if (Array.isArray(c.voices)) {
      for (const [field, list] of [
        ['voices', c.voices],
        ['testVoices', c.testVoices ?? []],
      ] as const) {
        const d = dup(list);
        if (d !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `duplicate entry "${d}"` });
      }
      (c.testVoices ?? []).forEach((v, i) => {
        if ((c.voices as string[]).includes(v)) {
          ctx.addIssue({
            code: 'custom',
            path: ['testVoices', i],
            message: `"${v}" is also a training voice; test voices must be held out`,
          });
        }
      });
    } else {
      checkVoiceSources(c.voices, c.testVoices, ctx);
    }
    c.negatives.forEach((w, i) => {
      if (c.keywords.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['negatives', i], message: `"${w}" is also a keyword` });
      }
    });
    for (const w of Object.keys(c.negativeWeights ?? {})) {
      if (!c.negatives.includes(w) && !c.extraNegatives.includes(w)) {
        ctx.addIssue({
          code: 'custom',
          path: ['negativeWeights', w],
          message: `"${w}" is not in negatives or extraNegatives; weights apply to those words`,
        });
      }
    }
    c.extraNegatives.forEach((w, i) => {
      if (c.keywords.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['extraNegatives', i], message: `"${w}" is also a keyword` });
      } else if (c.negatives.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['extraNegatives', i], message: `"${w}" is already in negatives` });
      }
    });
    c.backgrounds.forEach((b, i) => {
      if ((b.type === 'file') !== (b.path !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['backgrounds', i, 'path'],
          message:
            b.type === 'file' ? 'a file background needs a path' : `path is only for type "file", not "${b.type}"`,
        });
      }
    });
    c.backgrounds.forEach((b, i) => {
      if ((b.type === 'recorded') !== (b.set !== undefined)) {
        const message =
          b.type === 'recorded'
            ? `a recorded background needs a set (${RECORDED_SET_NAMES.join(', ')})`
            : `set is only for type "recorded", not "${b.type}"`;
        ctx.addIssue({ code: 'custom', path: ['backgrounds', i, 'set'], message });
      }
    });
    if (c.split.validation + c.split.test >= 1) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'validation + test must leave clips for training' });
    }
  });

export type SynthKwsConfig = z.infer<typeof synthKwsConfigSchema>;
/** What a user may write (every field optional). */
export type SynthKwsConfigInput = z.input<typeof synthKwsConfigSchema>;

/** Checks of the engines form of `voices` that need no installed engine (names, roles, overlaps). */
function checkVoiceSources(
  v: VoiceSourcesSpec,
  topTestVoices: readonly string[] | undefined,
  ctx: z.RefinementCtx,
): void {
  const known = ENGINE_IDS as readonly string[];
  if (topTestVoices !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['testVoices'],
      message: 'with voices.engines, held-out voices go in voices.engines.<engine>.testVoices',
    });
  }
  const names = Object.keys(v.engines);
  if (names.length === 0)
    ctx.addIssue({ code: 'custom', path: ['voices', 'engines'], message: 'expected at least one training engine' });
  let testVoices = 0;
  for (const name of names) {
    const spec = v.engines[name]!;
    const path = ['voices', 'engines', name];
    testVoices += spec.testVoices.length;
    if (!known.includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown engine "${name}"${didYouMean(name, known, 'engines')}` });
      continue;
    }
    if ((RESERVED_HELD_OUT_ENGINES as readonly string[]).includes(name) || v.heldOutEngines.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `"${name}" is a held-out engine (never trained on; it speaks only test clips and scored streams): remove it from voices.engines`,
      });
    }
    if (spec.speakers !== undefined && name !== 'kokoro') {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'speakers'],
        message: `speakers is for kokoro (blended pseudo-speakers), not "${name}"`,
      });
    }
    const listed = spec.voices === 'all' ? [] : spec.voices;
    for (const [field, list] of [
      ['voices', listed],
      ['testVoices', spec.testVoices],
      ['exclude', spec.exclude],
    ] as const) {
      const d = list.find((w, i) => list.indexOf(w) !== i);
      if (d !== undefined) ctx.addIssue({ code: 'custom', path: [...path, field], message: `duplicate entry "${d}"` });
    }
    spec.testVoices.forEach((t, i) => {
      if (listed.includes(t)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'testVoices', i],
          message: `"${t}" is also a training voice; test voices must be held out`,
        });
      }
      if (spec.exclude.includes(t)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'testVoices', i], message: `"${t}" is also excluded` });
      }
    });
  }
  v.heldOutEngines.forEach((name, i) => {
    if (!known.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['voices', 'heldOutEngines', i],
        message: `unknown engine "${name}"${didYouMean(name, known, 'engines')}`,
      });
    }
  });
  if (testVoices === 0 && names.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['voices', 'engines'],
      message:
        'no held-out voice: give at least one training engine testVoices (the test split measures unseen voices)',
    });
  }
}
