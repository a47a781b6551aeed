import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byCodeUnit } from './compose-error';

/**
 * The dataset's `sources.json` (the clip-source contract shared with synth-kws,
 * import-audio and evaluate):
 *
 *   { "format": 1,
 *     "engines": { "<engine>": { "version", "licence", "family", "role": "train" | "held-out" } },
 *     "clips":   { "<label>/<file>.wav": { "engine", "voice", "heldOut": false | "voice" | "engine",
 *                                            "conditions"?: { "snrDb", "effectiveSnrDb", "quiet", "background", … } } } }
 *
 * compose-kws writes engine `recorded` for clips composed from recordings (voice = the
 * speaker), `silence` for `_silence_` clips made of a background alone, and for clips
 * copied from a TTS dataset that dataset's own entries. This module holds the shapes, a
 * lenient reader of another dataset's file and the writer (keys sorted, so bytes are stable).
 */

// The file's shape is defined once, beside its reader (src/eval/clip-sources.ts).
import {
  SOURCES_FILE,
  sourcesFileSchema,
  type ClipConditions,
  type ClipSource,
  type EngineInfo,
  type HeldOut,
  type SourcesFile,
} from '../eval/clip-sources';
export { SOURCES_FILE, sourcesFileSchema };
export type { ClipConditions, ClipSource, EngineInfo, HeldOut, SourcesFile };

/** Engine entries compose-kws itself writes. */
export const RECORDED_ENGINE = 'recorded';
export const SILENCE_ENGINE = 'silence';

/** Collects clip sources while a dataset is written, then writes the file. */
export class SourcesBuilder {
  private readonly engines = new Map<string, EngineInfo>();
  private readonly clips = new Map<string, ClipSource>();

  add(clip: string, source: ClipSource, engine: EngineInfo): void {
    this.clips.set(clip, {
      engine: source.engine,
      voice: source.voice,
      heldOut: source.heldOut,
      // A copied TTS clip keeps its synth-kws conditions; composed clips bring their own.
      ...(source.conditions !== undefined ? { conditions: source.conditions } : {}),
    });
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
