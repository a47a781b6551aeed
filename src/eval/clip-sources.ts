import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../errors';

/**
 * Reader of a dataset's `sources.json` (the clip-source contract shared by synth-kws,
 * compose-kws and import-audio; docs/evaluation-by-source.md):
 *
 *   { "format": 1,
 *     "engines": { "<engine>": { "version", "licence", "family", "role": "train" | "held-out" } },
 *     "clips":   { "<label>/<file>.wav": { "engine", "voice", "heldOut": false | "voice" | "engine",
 *                                            "conditions"?: { "snrDb", "effectiveSnrDb", "quiet", "background", … } } } }
 *
 * A dataset without the file (made before the contract, or by a producer that does not
 * know its clips' sources) reads as one source, engine `unknown`: every old artifact keeps
 * working and its whole test split is one row of the per-source table. Unknown extra keys
 * are accepted (a newer producer may add fields); a malformed file is a StageInputError
 * naming the file and the field.
 *
 * `conditions` (optional; synth-kws ≥ 3 writes it, src/synth/clip-conditions.ts): the acoustic
 * conditions a clip was made under, for evaluate's accuracy by condition
 * (src/eval/condition-accuracy.ts). Absent = not known (older datasets, other producers).
 */

export const SOURCES_FILE = 'sources.json';
/** Engine (and voice) of a clip whose source is not recorded. */
export const UNKNOWN_SOURCE = 'unknown';

const heldOutSchema = z.union([z.literal(false), z.literal('voice'), z.literal('engine')]);
/** `false` = a training voice; `voice` = a training engine's held-out voice; `engine` = an engine never trained on. */
export type HeldOut = z.infer<typeof heldOutSchema>;

const engineInfoSchema = z.object({
  version: z.string(),
  licence: z.string(),
  family: z.string().min(1),
  role: z.enum(['train', 'held-out']),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

/** `conditions.background` of a clip with no background added: its SNR is not known. */
export const NO_BACKGROUND = 'none';

const clipConditionsSchema = z.object({
  /** Planned SNR of the speech over the background, dB (absent for clips without speech). */
  snrDb: z.number().optional(),
  /** The planned SNR less the room's distance attenuation, 20·log10(distance / referenceM), dB. */
  effectiveSnrDb: z.number().optional(),
  /** The SNR was drawn from synth-kws `quiet.snrDb` (a near-silent floor). */
  quiet: z.boolean(),
  /**
   * Background type: `pink`, `babble`, `recorded:crowd`, …; `none` (NO_BACKGROUND) = a recording
   * with nothing mixed in (compose-kws), whose SNR is the recording's own and not known.
   */
  background: z.string().min(1),
  /** Speech level (a `_silence_` clip: background level), dBFS. */
  levelDbfs: z.number().optional(),
  /** Augmentations applied, in chain order (`room`, `mic`, `codec:telephone`, …). */
  augment: z.array(z.string().min(1)),
  /** Talker–microphone distance of the simulated room, m (when `room` was applied). */
  roomDistanceM: z.number().positive().optional(),
});
export type ClipConditions = z.infer<typeof clipConditionsSchema>;

const clipSourceSchema = z.object({
  engine: z.string().min(1),
  voice: z.string(),
  heldOut: heldOutSchema,
  conditions: clipConditionsSchema.optional(),
});
export type ClipSource = z.infer<typeof clipSourceSchema>;

export const sourcesFileSchema = z.object({
  format: z.literal(1),
  engines: z.record(z.string().min(1), engineInfoSchema),
  clips: z.record(z.string().min(1), clipSourceSchema),
});
export type SourcesFile = z.infer<typeof sourcesFileSchema>;

export interface ClipSources {
  /** Where they were read from (the file), or null when the dataset has none. */
  readonly file: string | null;
  readonly engines: Readonly<Record<string, EngineInfo>>;
  /** The source of a clip by its dataset-relative path; an unlisted clip is `unknown`. */
  sourceOf(clip: string): ClipSource;
}

const UNKNOWN_CLIP: ClipSource = { engine: UNKNOWN_SOURCE, voice: UNKNOWN_SOURCE, heldOut: false };

/** Sources of a dataset directory (the extracted `dataset` artifact). */
export function readClipSources(datasetDir: string): ClipSources {
  const file = join(datasetDir, SOURCES_FILE);
  if (!existsSync(file)) return noClipSources();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StageInputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = sourcesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new StageInputError(`${file}: does not follow the sources.json format 1 (${issues.join('; ')})`);
  }
  return clipSourcesFrom(file, parsed.data);
}

/** No sources.json: every clip is the one `unknown` source. */
export function noClipSources(): ClipSources {
  return clipSourcesFrom(null, { format: 1, engines: {}, clips: {} });
}

/** Sources from a parsed file (for tests and producers that hold the object already). */
export function clipSourcesFrom(file: string | null, s: SourcesFile): ClipSources {
  const clips = new Map(Object.entries(s.clips));
  return {
    file,
    engines: s.engines,
    sourceOf: (clip) => clips.get(clip) ?? UNKNOWN_CLIP,
  };
}
