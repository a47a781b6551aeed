import { z } from 'zod';
import { SILENCE_LABEL, UNKNOWN_LABEL } from '../synth/kws-plan';

/**
 * Config of the `import-audio` stage (the `with:` block): a user folder in Speech
 * Commands layout becomes the same `dataset` artifact synth-kws makes (docs/stages/import-audio.md).
 * Only `path` is required. The schema is pure (no I/O) so it also generates the editor
 * JSON Schema; whether the folder exists and its WAVs decode is checked when the stage runs.
 */

/** Folder that holds long noise recordings, not clips (Speech Commands convention). */
export const BACKGROUND_NOISE_DIR = '_background_noise_';

/** Names that cannot be keywords: the two fixed labels and the noise folder. */
export const RESERVED_FOLDERS: readonly string[] = [SILENCE_LABEL, UNKNOWN_LABEL, BACKGROUND_NOISE_DIR];

/** A label folder's name: one path segment, not hidden (hidden folders are never labels). */
const folderNameSchema = z
  .string()
  .regex(/^[^./\\][^/\\]*$/, 'expected a folder name (no "/" or "\\", not starting with ".")');

export const importAudioConfigSchema = z
  .strictObject({
    /** The folder to import; a relative path is resolved from the worker's working directory (the project dir). */
    path: z
      .string()
      .min(1)
      .describe(
        "The folder to import; a relative path is resolved from the worker's working directory (the project dir).",
      ),
    /**
     * Folders that are keywords, in label order. Every other folder's clips become
     * `_unknown_`. Default: every label folder except `_silence_`, `_unknown_` and
     * `_background_noise_`, sorted by name.
     */
    keywords: z
      .array(folderNameSchema)
      .min(1)
      .optional()
      .describe(
        "Folders that are keywords, in label order. Every other folder's clips become `_unknown_`. Default: every label folder except `_silence_`, `_unknown_` and `_background_noise_`, sorted by name.",
      ),
    /** Rate of the imported clips; other rates are resampled (src/audio/resample.ts). */
    sampleRate: z
      .number()
      .int()
      .min(4000)
      .max(96000)
      .default(16000)
      .describe('Rate of the imported clips; other rates are resampled (src/audio/resample.ts).'),
    /** Clip length: shorter clips are zero-padded at the end, longer ones keep their first clipMs. */
    clipMs: z
      .number()
      .int()
      .min(250)
      .max(5000)
      .default(1000)
      .describe('Clip length: shorter clips are zero-padded at the end, longer ones keep their first clipMs.'),
    /**
     * Held-out fractions, used only when the folder has neither validation_list.txt nor
     * testing_list.txt (then each clip is assigned by a hash of its file name, as Speech
     * Commands' `which_set` does; see hash-split.ts), and always for `_silence_` clips cut
     * from `_background_noise_`, which no list can name.
     */
    split: z
      .strictObject({
        validation: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe(
            'Share of clips for validation (by a hash of the file name, as Speech Commands) when the folder has no list files, and of cut `_silence_` clips; 10 % as Speech Commands.',
          ),
        test: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe('Share of clips for test, chosen the same way as validation; 10 % as Speech Commands.'),
      })
      .prefault({}),
    /** `_silence_` clips to cut from the WAVs in `_background_noise_/` (0: none). */
    silenceClips: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe('`_silence_` clips to cut from the WAVs in `_background_noise_/` (0: none).'),
    /**
     * Also copy `_background_noise_/*.wav` into the dataset (converted to `sampleRate` mono
     * PCM16, full length, never in a split list), as Speech Commands ships them, so a
     * compose-kws stage can mix them under composed clips. features and train skip the folder.
     * Default false; optional rather than defaulted so configs without it resolve (and cache) as before.
     */
    keepBackgrounds: z
      .boolean()
      .optional()
      .describe(
        'Also copy `_background_noise_/*.wav` into the dataset (converted to `sampleRate` mono PCM16, full length, never in a split list), as Speech Commands ships them, so a compose-kws stage can mix them under composed clips. features and train skip the folder. Default false.',
      ),
    /**
     * Optional folder of long labelled streams in synth-kws' `streams` format (WAVs +
     * index.json); imported as the `streams` artifact. Without it no streams are produced.
     */
    streamsDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Optional folder of long labelled streams in synth-kws' `streams` format (WAVs + index.json); imported as the `streams` artifact. Without it no streams are produced.",
      ),
    /**
     * Folder layout. Absent: Speech Commands (keyword spotting). Machine sounds for anomaly
     * detection: `mimii` (<type>/<id>/{normal,abnormal}/*.wav), `dcase`
     * (<type>/{train,test}/<normal|anomaly>_id_XX_*.wav) or `auto` (whichever of the two
     * the folder is in; an error if neither). With a machine layout, clips keep their
     * length (clipMs does not apply), `split.validation` is the share of training normals
     * held out for validation and `split.test` is not used (src/importer/machine-folder.ts).
     */
    layout: z
      .enum(['speech-commands', 'mimii', 'dcase', 'auto'])
      .optional()
      .describe(
        'Folder layout. Absent: Speech Commands (keyword spotting). Machine sounds for anomaly detection: `mimii` (<type>/<id>/{normal,abnormal}/*.wav), `dcase` (<type>/{train,test}/<normal|anomaly>_id_XX_*.wav) or `auto` (whichever of the two the folder is in; an error if neither). With a machine layout, clips keep their length (clipMs does not apply), `split.validation` is the share of training normals held out for validation and `split.test` is not used (src/importer/machine-folder.ts).',
      ),
  })
  .superRefine((c, ctx) => {
    c.keywords?.forEach((k, i) => {
      if (RESERVED_FOLDERS.includes(k)) {
        ctx.addIssue({ code: 'custom', path: ['keywords', i], message: `"${k}" is reserved and cannot be a keyword` });
      } else if (c.keywords!.indexOf(k) !== i) {
        ctx.addIssue({ code: 'custom', path: ['keywords', i], message: `duplicate entry "${k}"` });
      }
    });
    if (c.layout !== undefined && c.layout !== 'speech-commands') {
      for (const key of ['keywords', 'streamsDir'] as const) {
        if (c[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `applies to layout speech-commands only, not ${c.layout}`,
          });
      }
      if (c.silenceClips > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['silenceClips'],
          message: `applies to layout speech-commands only, not ${c.layout}`,
        });
    }
    if (c.split.validation + c.split.test >= 1) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'validation + test must leave clips for training' });
    }
  });

export type ImportAudioConfig = z.infer<typeof importAudioConfigSchema>;

/** True for the machine-sound layouts (anomaly detection), false for Speech Commands. */
export function isMachineLayout(layout: ImportAudioConfig['layout']): layout is 'mimii' | 'dcase' | 'auto' {
  return layout !== undefined && layout !== 'speech-commands';
}
/** What a user may write (every field but `path` optional). */
export type ImportAudioConfigInput = z.input<typeof importAudioConfigSchema>;
