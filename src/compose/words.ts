import type { Extent } from '../audio/activity';
import { composeInputError } from './compose-error';
import { recordingActivity, type RecordingExtentOptions } from './recording-extent';
import type { Recording, RecordingReader } from './recordings';
import { changeSpeed, speedPosition } from './speed';

/**
 * Recordings as *words*: each recording trimmed to its active extent (recording-extent.ts)
 * once, before any clip is made, so a silent recording fails the stage (or is skipped, on
 * request) up front instead of halfway through — and then cut and speed-perturbed per use.
 */

export interface Word extends Recording {
  /** Extent widened by padMs: what goes into clips and streams. */
  readonly cut: Extent;
  /** Extent without the pad: where stream events start and end. */
  readonly core: Extent;
}

export interface AnalysedWords {
  readonly words: readonly Word[];
  /** Paths of silent recordings left out (silentRecordings: skip). */
  readonly skipped: readonly string[];
}

/**
 * Trim every recording of `recordings`. A silent one throws
 * `compose-kws: stage "rec": yes/a_nohash_0.wav is all silence (...)` unless `skipSilent`.
 */
export async function analyseWords(
  recordings: readonly Recording[],
  reader: RecordingReader,
  sampleRate: number,
  trim: RecordingExtentOptions,
  skipSilent: boolean,
  display: string,
): Promise<AnalysedWords> {
  const words: Word[] = [];
  const skipped: string[] = [];
  for (const r of recordings) {
    const x = await reader.read(r.path);
    const padded = recordingActivity(x, sampleRate, trim);
    const core = recordingActivity(x, sampleRate, { ...trim, padMs: 0 });
    if (!padded.extent || !core.extent) {
      if (skipSilent) {
        skipped.push(r.path);
        continue;
      }
      const why =
        padded.peakDb === -Infinity
          ? 'every sample is 0'
          : `no 10 ms frame rises trim.floorMarginDb ${trim.floorMarginDb} dB above its noise floor (loudest frame ${padded.peakDb.toFixed(1)} dBFS, floor ${padded.floorDb.toFixed(1)} dBFS)`;
      throw composeInputError(
        `${display}: recording ${r.path} is all silence (${why}); remove it, lower trim.floorMarginDb, or set silentRecordings: skip`,
      );
    }
    words.push({ ...r, cut: padded.extent, core: core.extent });
  }
  return { words, skipped };
}

/** A word's samples at `speed`, and where its core (unpadded) part lies in them. */
export interface WordAudio {
  readonly samples: Float32Array;
  readonly coreStart: number;
  readonly coreEnd: number;
}

export async function wordAudio(
  w: Word,
  reader: RecordingReader,
  sampleRate: number,
  speed: number,
): Promise<WordAudio> {
  const x = (await reader.read(w.path)).subarray(w.cut.start, w.cut.end);
  const samples = speed === 1 ? Float32Array.from(x) : changeSpeed(x, sampleRate, speed);
  const at = (i: number): number => Math.min(samples.length, speed === 1 ? i : speedPosition(i, sampleRate, speed));
  return { samples, coreStart: at(w.core.start - w.cut.start), coreEnd: at(w.core.end - w.cut.start) };
}
