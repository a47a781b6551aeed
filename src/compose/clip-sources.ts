import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { byCodeUnit } from './compose-error';

/**
 * The dataset's `sources.json` (the clip-source contract shared with synth-kws,
 * import-audio and evaluate):
 *
 *   { "format": 1,
 *     "engines": { "<engine>": { "version", "licence", "family", "role": "train" | "held-out" } },
 *     "clips":   { "<label>/<file>.wav": { "engine", "voice", "heldOut": false | "voice" | "engine" } } }
 *
 * compose-kws writes engine `recorded` for clips composed from recordings (voice = the
 * speaker), `silence` for `_silence_` clips made of a background alone, and for clips
 * copied from a TTS dataset that dataset's own entries. This module holds the shapes, a
 * lenient reader of another dataset's file and the writer (keys sorted, so bytes are stable).
 */

export const SOURCES_FILE = 'sources.json';

const heldOutSchema = z.union([z.literal(false), z.literal('voice'), z.literal('engine')]);
export type HeldOut = z.infer<typeof heldOutSchema>;

const engineInfoSchema = z.looseObject({
  version: z.string(),
  licence: z.string(),
  family: z.string().min(1),
  role: z.enum(['train', 'held-out']),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

const clipSourceSchema = z.looseObject({
  engine: z.string().min(1),
  voice: z.string(),
  heldOut: heldOutSchema,
});
export type ClipSource = z.infer<typeof clipSourceSchema>;

export const sourcesFileSchema = z.looseObject({
  format: z.literal(1),
  engines: z.record(z.string().min(1), engineInfoSchema),
  clips: z.record(z.string().min(1), clipSourceSchema),
});
export type SourcesFile = z.infer<typeof sourcesFileSchema>;

/** Engine entries compose-kws itself writes. */
export const RECORDED_ENGINE = 'recorded';
export const SILENCE_ENGINE = 'silence';

/** Collects clip sources while a dataset is written, then writes the file. */
export class SourcesBuilder {
  private readonly engines = new Map<string, EngineInfo>();
  private readonly clips = new Map<string, ClipSource>();

  add(clip: string, source: ClipSource, engine: EngineInfo): void {
    this.clips.set(clip, { engine: source.engine, voice: source.voice, heldOut: source.heldOut });
    if (!this.engines.has(source.engine)) this.engines.set(source.engine, engine);
  }

  /** Clips per engine (for metrics). */
  countByEngine(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.clips.values()) out[c.engine] = (out[c.engine] ?? 0) + 1;
    return out;
  }

  async write(dir: string): Promise<void> {
    const engines = [...this.engines.entries()].sort(([a], [b]) => byCodeUnit(a, b));
    const clips = [...this.clips.entries()].sort(([a], [b]) => byCodeUnit(a, b));
    const file: SourcesFile = { format: 1, engines: Object.fromEntries(engines), clips: Object.fromEntries(clips) };
    await writeFile(join(dir, SOURCES_FILE), JSON.stringify(file, null, 2) + '\n');
  }
}
