import { z } from 'zod';
import { RECORDED_SET_NAMES, type RecordedSetName } from '../audio/augment/recorded-backgrounds';
import { augmentConfigSchema } from './augment-config';

/**
 * Config of the `synth-kws` stage (the `with:` block). Every field has a default, so
 * `with: {}` gives the 12-class Speech Commands setup (10 keywords + _silence_ +
 * _unknown_) used by MicroNets §4 / DESIGN §5, synthesized as in thesis §3
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
  'bed', 'bird', 'cat', 'dog', 'happy', 'house', 'marvin', 'sheila', 'tree', 'wow',
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'backward', 'forward', 'follow', 'learn', 'visual', 'yet', 'dawn', 'goal', 'water', 'window',
];

/**
 * Training/validation voices: the installed espeak-ng English accents (US, GB, RP,
 * Scotland, Lancaster, West Midlands, Caribbean, NYC) crossed with male/female variants.
 */
export const DEFAULT_VOICES = [
  'en-us', 'en-us+m3', 'en-us+f1', 'en-us+f4',
  'en-gb', 'en-gb+m2', 'en-gb+f2',
  'en-gb-x-rp+m4', 'en-gb-x-rp+f3',
  'en-gb-scotland+m5', 'en-gb-x-gbclan+m6', 'en-gb-x-gbcwmd+f1',
  'en-029+m7', 'en-us-nyc+f2', 'en-us-nyc+m1',
];

/** Held-out voices for the test split only: accents and variants absent from DEFAULT_VOICES' pairs. */
export const DEFAULT_TEST_VOICES = ['en-gb-scotland+f3', 'en-029+m2'];

/** A word as espeak-ng should read it and as a directory name: lower-case letters, `'`, `-`. */
const wordSchema = z
  .string()
  .regex(/^[a-z][a-z'-]*$/, 'expected a lower-case word (letters, apostrophe, hyphen)');

/** `language[+variant]` as espeak-ng's -v takes it. */
const voiceSchema = z.string().regex(/^[a-z0-9-]+(\+[A-Za-z0-9_-]+)?$/, 'expected an espeak-ng voice like "en-us+f3"');

/** A [min, max] range with min ≤ max. */
function range(lo: number, hi: number, integer = false) {
  const n = integer ? z.number().int().min(lo).max(hi) : z.number().min(lo).max(hi);
  return z.tuple([n, n]).refine(([a, b]) => a <= b, 'expected [min, max] with min ≤ max');
}

export const backgroundSchema = z.strictObject({
  type: z.enum(['white', 'pink', 'brown', 'hum', 'babble', 'file', 'recorded']),
  /** Relative probability of picking this background for a clip or stream. */
  weight: z.number().positive().default(1),
  /** For `file`: a WAV (any rate/format readWav supports; resampled to 16 kHz). Relative paths resolve from the working directory. */
  path: z.string().min(1).optional(),
  /** For `hum`: mains frequency. */
  humHz: z.union([z.literal(50), z.literal(60)]).default(50),
  /** For `recorded`: a set of real recordings from a Debian package (src/audio/augment/recorded-backgrounds.ts). */
  set: z.enum(RECORDED_SET_NAMES as [RecordedSetName, ...RecordedSetName[]]).optional(),
});
export type BackgroundSpec = z.infer<typeof backgroundSchema>;

export const streamsSchema = z.strictObject({
  /** Number of long streams for event evaluation. */
  count: z.number().int().min(0).max(1000).default(10),
  durationSec: z.number().min(5).max(3600).default(60),
  /** Keywords per stream, drawn uniformly in [min, max] (thesis Algorithm 1 draws 0..3 per 10 s). */
  keywordsPerStream: range(0, 10000, true).default([8, 12]),
  negativesPerStream: range(0, 10000, true).default([8, 12]),
  /** Background level of the whole stream (thesis `target_dBFS`). */
  backgroundDbfs: z.number().min(-100).max(0).default(-40),
  /** Minimum silence between two utterances' active extents. */
  minGapMs: z.number().int().min(0).default(500),
  /** Voices for stream utterances: the held-out test voices (default) or all voices. */
  voiceSet: z.enum(['test', 'all']).default('test'),
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
      count: z.number().int().min(0).max(1000).default(0),
      voiceSet: z.enum(['train', 'test', 'all']).default('train'),
    })
    .prefault({}),
});

export const synthKwsConfigSchema = z
  .strictObject({
    keywords: z.array(wordSchema).min(1).default(SPEECH_COMMANDS_KEYWORDS),
    negatives: z.array(wordSchema).min(1).default(DEFAULT_NEGATIVES),
    /** Clips per keyword class. */
    perKeyword: z.number().int().min(1).max(100000).default(300),
    /** `_unknown_` clips = round(unknownFraction × perKeyword); 1.0 = a class as big as a keyword's. */
    unknownFraction: z.number().min(0).max(20).default(1.0),
    /** `_silence_` clips = round(silenceFraction × perKeyword). */
    silenceFraction: z.number().min(0).max(20).default(1.0),
    voices: z.array(voiceSchema).min(1).default(DEFAULT_VOICES),
    testVoices: z.array(voiceSchema).min(1).default(DEFAULT_TEST_VOICES),
    /** espeak-ng pitch (0–99, default voice 50). */
    pitch: range(0, 99, true).default([30, 70]),
    /** espeak-ng speed in words per minute; the slow end keeps 1 s clips from overflowing. */
    speed: range(80, 450, true).default([130, 200]),
    /** Level of the active speech in a clip, RMS dBFS. */
    levelDbfs: range(-60, 0).default([-30, -12]),
    /** Speech-to-background ratio, measured over the active speech (mix.ts mixAtSnr). */
    snrDb: range(-20, 80).default([5, 30]),
    /** Maximum random shift of the word from the clip centre (kept inside the clip). */
    timeShiftMs: z.number().int().min(0).max(1000).default(100),
    /**
     * Extra words for `_unknown_` training/validation/test clips only: streams and babble
     * keep using `negatives`, so adding words here widens what the model learns to reject
     * without changing the scored streams.
     */
    extraNegatives: z.array(wordSchema).default([]),
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
        fraction: z.number().min(0).max(1).default(0),
        minInsideMs: z.number().int().min(20).max(1000).default(150),
        neighbourProb: z.number().min(0).max(1).default(0.5),
        minGapMs: z.number().int().min(0).max(2000).default(100),
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
      ]),
    /** Fractions of every label's clips held out; assignment is by clip index (deterministic). */
    split: z
      .strictObject({
        validation: z.number().min(0).max(0.5).default(0.1),
        test: z.number().min(0).max(0.5).default(0.1),
      })
      .prefault({}),
    streams: streamsSchema.prefault({}),
    /** Only 16 kHz for now (the KWS front end's rate). */
    sampleRate: z.literal(16000).default(16000),
    clipMs: z.number().int().min(250).max(5000).default(1000),
    /** Acoustic augmentation (src/synth/augment-config.ts, docs/augmentation.md); absent = none. */
    augment: augmentConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const dup = (list: readonly string[]) => list.find((w, i) => list.indexOf(w) !== i);
    for (const field of ['keywords', 'negatives', 'extraNegatives', 'voices', 'testVoices'] as const) {
      const d = dup(c[field]);
      if (d !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `duplicate entry "${d}"` });
    }
    c.negatives.forEach((w, i) => {
      if (c.keywords.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['negatives', i], message: `"${w}" is also a keyword` });
      }
    });
    c.extraNegatives.forEach((w, i) => {
      if (c.keywords.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['extraNegatives', i], message: `"${w}" is also a keyword` });
      } else if (c.negatives.includes(w)) {
        ctx.addIssue({ code: 'custom', path: ['extraNegatives', i], message: `"${w}" is already in negatives` });
      }
    });
    c.testVoices.forEach((v, i) => {
      if (c.voices.includes(v)) {
        ctx.addIssue({ code: 'custom', path: ['testVoices', i], message: `"${v}" is also a training voice; test voices must be held out` });
      }
    });
    c.backgrounds.forEach((b, i) => {
      if ((b.type === 'file') !== (b.path !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['backgrounds', i, 'path'],
          message: b.type === 'file' ? 'a file background needs a path' : `path is only for type "file", not "${b.type}"`,
        });
      }
    });
    c.backgrounds.forEach((b, i) => {
      if ((b.type === 'recorded') !== (b.set !== undefined)) {
        const message = b.type === 'recorded' ? `a recorded background needs a set (${RECORDED_SET_NAMES.join(', ')})` : `set is only for type "recorded", not "${b.type}"`;
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
