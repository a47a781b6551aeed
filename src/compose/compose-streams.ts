import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPeakSafety, gainForDbfs, gainToDbfs, meanPower, overlay, peak } from '../audio/mix';
import { encodeWav16 } from '../audio/wav';
import {
  placeSegments,
  writeStreamIndex,
  type KwsStreamsSummary,
  type StreamEvent,
  type StreamIndexEntry,
} from '../synth/kws-streams';
import { UNKNOWN_LABEL, type Split } from '../synth/kws-plan';
import type { RngFor } from '../synth/rng-for';
import { RECORDED_ENGINE } from './clip-sources';
import type { ComposeKwsConfig } from './compose-config';
import { composeInputError } from './compose-error';
import type { ComposeSetup } from './compose-setup';
import { snapSpeed } from './speed';
import { wordAudio, type Word } from './words';

/**
 * Long labelled streams from recordings (thesis §3, Algorithm 1): a recorded background at
 * `backgroundDbfs` overlaid with a random number of keyword and negative recordings at
 * random non-overlapping positions (placeSegments of src/synth/kws-streams.ts), in
 * synth-kws' `streams` format (index.json = StreamIndexEntry[]). An event spans the word's
 * core extent (recording-extent.ts without the pad), mapped through its speed factor, and
 * names its speaker (`engine: recorded`, `voice`). Scored streams use the recordings (and
 * background parts) of `streams.split`, tuning streams those of `streams.tuning.split`.
 */

/** Utterance peak ceiling, so speech plus background stays below full scale (as synth-kws). */
const UTTERANCE_PEAK = 0.9;

export type ComposeStreamSet = 'scored' | 'tuning';

function inSplit(words: readonly Word[], split: Split | 'all'): Word[] {
  return split === 'all' ? [...words] : words.filter((w) => w.split === split);
}

export async function composeStreams(
  config: ComposeKwsConfig,
  setup: ComposeSetup,
  outDir: string,
  rngFor: RngFor,
  set: ComposeStreamSet,
  onProgress?: (done: number, total: number) => void,
): Promise<KwsStreamsSummary> {
  const s = config.streams;
  const [count, split, key, prefix, what] =
    set === 'scored'
      ? [s.count, s.split, 'stream', 'stream', 'streams']
      : [s.tuning.count, s.tuning.split, 'tuning-stream', 'tune', 'streams.tuning'];
  const sr = setup.sampleRate;
  const keywordWords = setup.keywords.map((k) => inSplit(setup.words.get(k)!, split));
  const negativeWords = inSplit(setup.words.get(UNKNOWN_LABEL)!, split);
  if (count > 0) {
    const missing = setup.keywords.filter((_, i) => keywordWords[i]!.length === 0);
    if (s.keywordsPerStream[1] > 0 && missing.length > 0) {
      throw composeInputError(
        `${what}: keywords ${missing.map((m) => `"${m}"`).join(', ')} have no recordings in the ${split} split the streams use; record more speakers or set ${what === 'streams' ? 'streams.split: all' : 'streams.tuning.split'}`,
      );
    }
    if (s.negativesPerStream[1] > 0 && negativeWords.length === 0) {
      throw composeInputError(
        `${what}: no negative recordings in the ${split} split for negativesPerStream ${JSON.stringify(s.negativesPerStream)}; set negativesPerStream: [0, 0] or record negatives`,
      );
    }
  }

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const n = Math.round(s.durationSec * sr);
  const gap = Math.round((s.minGapMs / 1000) * sr);
  const index: StreamIndexEntry[] = [];
  onProgress?.(0, count);
  for (let id = 0; id < count; id++) {
    const rng = rngFor(key, id);
    const nKeywords = rng.int(s.keywordsPerStream[0], s.keywordsPerStream[1]);
    const nNegatives = rng.int(s.negativesPerStream[0], s.negativesPerStream[1]);
    const placed: Array<{
      samples: Float32Array;
      gain: number;
      coreStart: number;
      coreEnd: number;
      event: Omit<StreamEvent, 'onsetSec' | 'offsetSec'>;
    }> = [];
    for (let i = 0; i < nKeywords + nNegatives; i++) {
      const r = rngFor(key, id, 'utterance', i);
      const isKeyword = i < nKeywords;
      const k = isKeyword ? r.int(0, setup.keywords.length - 1) : -1;
      const word = isKeyword ? r.pick(keywordWords[k]!) : r.pick(negativeWords);
      const speed = snapSpeed(r.uniform(config.speed[0], config.speed[1]));
      const levelDbfs = r.uniform(config.levelDbfs[0], config.levelDbfs[1]);
      const audio = await wordAudio(word, setup.reader, sr, speed);
      const corePower = meanPower(audio.samples, audio.coreStart, audio.coreEnd) || meanPower(audio.samples);
      const gain = Math.min(gainForDbfs(corePower, levelDbfs), UTTERANCE_PEAK / (peak(audio.samples) || 1));
      placed.push({
        samples: audio.samples,
        gain,
        coreStart: audio.coreStart,
        coreEnd: audio.coreEnd,
        event: {
          label: isKeyword ? setup.keywords[k]! : word.word,
          kind: isKeyword ? 'keyword' : 'negative',
          engine: RECORDED_ENGINE,
          voice: word.speaker,
        },
      });
    }
    rng.shuffle(placed);
    const starts = placeSegments(
      placed.map((p) => p.samples.length),
      n,
      gap,
      rng,
    );
    if (!starts) {
      const speech = placed.reduce((a, p) => a + p.samples.length, 0) / sr;
      throw composeInputError(
        `streams.durationSec: ${s.durationSec} s cannot hold ${placed.length} recordings (${speech.toFixed(1)} s of speech plus ` +
          `${placed.length + 1} gaps of streams.minGapMs ${s.minGapMs} ms); lower keywordsPerStream / negativesPerStream or raise durationSec`,
      );
    }
    const background = setup.backgrounds.window(split, n, rngFor(key, id, 'background'));
    const samples = gainToDbfs(background.samples, s.backgroundDbfs);
    const events: StreamEvent[] = placed.map((p, i) => {
      overlay(samples, p.samples, starts[i]!, p.gain);
      return {
        label: p.event.label,
        onsetSec: (starts[i]! + p.coreStart) / sr,
        offsetSec: (starts[i]! + p.coreEnd) / sr,
        kind: p.event.kind,
        engine: p.event.engine,
        voice: p.event.voice,
      };
    });
    events.sort((a, b) => a.onsetSec - b.onsetSec);
    applyPeakSafety(samples);
    const file = `${prefix}-${String(id).padStart(3, '0')}.wav`;
    await writeFile(join(outDir, file), encodeWav16(samples, sr));
    index.push({ file, durationSec: n / sr, sampleRate: sr, background: 'recorded', events });
    onProgress?.(id + 1, count);
  }
  return writeStreamIndex(outDir, index);
}
