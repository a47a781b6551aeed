import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { encodeWav16 } from '../audio/wav';
import { STREAM_INDEX, writeStreamIndex, type StreamIndexEntry } from '../synth/kws-streams';
import { loadAudio } from './clip-audio';
import { assertDirectory } from './folder-scan';
import { byCodeUnit, displayPath, importInputError } from './import-error';

/**
 * Import a folder of long labelled streams already in synth-kws' `streams` format
 * (kws-streams.ts: `index.json` = StreamIndexEntry[] plus the WAVs it names) as the
 * `streams` artifact. The index is validated (strict schema, files exist and decode,
 * every event inside its stream, keyword events name a keyword); the WAVs are converted
 * like clips (mono, `sampleRate`, PCM16, never trimmed) and the index is rewritten with
 * the converted rate and duration, entries sorted by file and events by onset, so the
 * artifact's bytes depend only on the folder. WAVs the index does not name are not
 * imported (they carry no labels).
 */

/** Duration mismatch tolerated between index.json and the file (a few samples of rounding). */
const DURATION_TOLERANCE_SEC = 0.01;

const eventSchema = z.strictObject({
  label: z.string().min(1),
  onsetSec: z.number().min(0),
  offsetSec: z.number().min(0),
  kind: z.enum(['keyword', 'negative']),
  /** Who spoke the word (clip-source contract, src/eval/clip-sources.ts); optional, older indexes have neither. */
  engine: z.string().min(1).optional(),
  voice: z.string().optional(),
  /** sources.json's held-out class of that voice (synth-kws writes it). */
  heldOut: z.union([z.literal(false), z.literal('voice'), z.literal('engine')]).optional(),
});

const entrySchema = z.strictObject({
  file: z.string().regex(/^[^/\\.][^/\\]*\.wav$/i, 'expected a .wav file name in the streams folder (no sub-folders)'),
  durationSec: z.number().positive(),
  sampleRate: z.number().int().positive(),
  background: z.string(),
  events: z.array(eventSchema),
});

export const streamIndexSchema = z.array(entrySchema).superRefine((entries, ctx) => {
  entries.forEach((e, i) => {
    if (entries.findIndex((o) => o.file === e.file) !== i) {
      ctx.addIssue({ code: 'custom', path: [i, 'file'], message: `duplicate file "${e.file}"` });
    }
    e.events.forEach((ev, j) => {
      if (ev.offsetSec <= ev.onsetSec) {
        ctx.addIssue({ code: 'custom', path: [i, 'events', j], message: 'offsetSec must be after onsetSec' });
      }
    });
  });
});

export interface ImportedStreamsSummary {
  readonly streams: number;
  readonly totalSec: number;
  readonly keywordEvents: number;
  readonly negativeEvents: number;
  /** Streams that were not already 16-bit PCM mono at the target rate. */
  readonly converted: number;
}

async function readIndex(path: string, display: string): Promise<z.infer<typeof streamIndexSchema>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw importInputError(
      `${display}: ${code === 'ENOENT' ? 'no such file (a streams folder needs an index.json)' : (e as Error).message}`,
    );
  }
  const parsed = streamIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw importInputError(`${display}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Convert the streams of `dir` (shown as `display`) into `outDir` (emptied first).
 * `keywords` are the dataset's keyword labels: a keyword event must name one of them.
 */
export async function importStreams(
  dir: string,
  display: string,
  outDir: string,
  sampleRate: number,
  keywords: readonly string[],
  onProgress?: (done: number, total: number) => void,
): Promise<ImportedStreamsSummary> {
  await assertDirectory(dir, display);
  const indexDisplay = displayPath(display, STREAM_INDEX);
  const entries = [...(await readIndex(join(dir, STREAM_INDEX), indexDisplay))].sort((a, b) =>
    byCodeUnit(a.file, b.file),
  );
  entries.forEach((e) =>
    e.events.forEach((ev) => {
      if (ev.kind === 'keyword' && !keywords.includes(ev.label)) {
        throw importInputError(
          `${indexDisplay}: ${e.file}: keyword event "${ev.label}" is not a keyword of the dataset (${keywords.join(', ')})`,
        );
      }
    }),
  );

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const index: StreamIndexEntry[] = [];
  let converted = 0;
  onProgress?.(0, entries.length);
  for (const e of entries) {
    const fileDisplay = displayPath(display, e.file);
    const audio = await loadAudio(join(dir, e.file), fileDisplay, sampleRate);
    if (audio.resampled || audio.mixedDown || audio.requantized) converted++;
    const durationSec = audio.samples.length / sampleRate;
    if (Math.abs(durationSec - e.durationSec) > DURATION_TOLERANCE_SEC) {
      throw importInputError(
        `${indexDisplay}: ${e.file}: durationSec is ${e.durationSec} but ${fileDisplay} lasts ${durationSec.toFixed(3)} s`,
      );
    }
    const late = e.events.find((ev) => ev.offsetSec > durationSec + DURATION_TOLERANCE_SEC);
    if (late) {
      throw importInputError(
        `${indexDisplay}: ${e.file}: event "${late.label}" ends at ${late.offsetSec} s, after the stream's end (${durationSec.toFixed(3)} s)`,
      );
    }
    await writeFile(join(outDir, e.file), encodeWav16(audio.samples, sampleRate));
    // Rebuilt field by field so the key order is synth-kws' whatever the parser emits.
    const events = e.events
      .map((ev) => ({ label: ev.label, onsetSec: ev.onsetSec, offsetSec: ev.offsetSec, kind: ev.kind }))
      .sort((a, b) => a.onsetSec - b.onsetSec || a.offsetSec - b.offsetSec || byCodeUnit(a.label, b.label));
    index.push({ file: e.file, durationSec, sampleRate, background: e.background, events });
    onProgress?.(index.length, entries.length);
  }
  return { ...(await writeStreamIndex(outDir, index)), converted };
}
