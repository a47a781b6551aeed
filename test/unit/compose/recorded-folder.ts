import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pinkNoise, humNoise, whiteNoise } from '../../../src/audio/noise';
import { gainToDbfs, overlay } from '../../../src/audio/mix';
import { resample } from '../../../src/audio/resample';
import { encodeWav16 } from '../../../src/audio/wav';
import { hashSplit } from '../../../src/importer/hash-split';
import { renderWord } from '../../../src/synth/espeak';
import type { Split } from '../../../src/synth/kws-plan';
import { Prng } from '../../../src/util/prng';

/**
 * A tiny "user's folder" of recordings in Speech Commands layout, made at test time: each
 * speaker is an espeak-ng voice, each recording one word rendered by it and placed after
 * 150–300 ms of room noise (−60 dBFS white) inside 1.2 s, as a microphone recording would
 * be — so trimming must find the word, not the clip edges. Speaker ids are chosen so the
 * import's hash split (src/importer/hash-split.ts, 10%/10%) puts three speakers in train and
 * one in each held-out split.
 */

export const SR = 16000;
export const VOICES = ['en-us', 'en-gb+f2', 'en-us+m3', 'en-029', 'en-gb-scotland+f3'];

/** Speaker names whose hash split is train, train, train, validation, test. */
export function pickSpeakers(): Array<{ id: string; split: Split }> {
  const want: Split[] = ['train', 'train', 'train', 'validation', 'test'];
  const out: Array<{ id: string; split: Split }> = [];
  for (let k = 0; out.length < want.length; k++) {
    const id = `spk${k}`;
    const split = hashSplit(`${id}_nohash_0.wav`, { validation: 0.1, test: 0.1 });
    if (split === want[out.length]) out.push({ id, split });
  }
  return out;
}

export interface RecordedFolderSpec {
  readonly words: readonly string[];
  /** Recordings per (speaker, word). */
  readonly takes: number;
  readonly backgrounds: boolean;
}

/** Writes `<root>/<word>/<speaker>_nohash_<k>.wav` (+ `_background_noise_/`); returns the speakers. */
export async function writeRecordedFolder(
  root: string,
  spec: RecordedFolderSpec,
): Promise<Array<{ id: string; split: Split; voice: string }>> {
  const speakers = pickSpeakers().map((s, i) => ({ ...s, voice: VOICES[i]! }));
  for (const s of speakers) {
    for (const word of spec.words) {
      for (let k = 0; k < spec.takes; k++) {
        const rng = Prng.derive('recorded-folder', s.id, word, k);
        const wav = await renderWord({ text: word, voice: s.voice, pitch: 40 + 10 * k, speed: 150 + 20 * k });
        const speech = resample(wav.samples, wav.sampleRate, SR);
        const out = gainToDbfs(whiteNoise(Math.round(1.2 * SR), rng), -60);
        overlay(out, speech, Math.round(rng.uniform(0.15, 0.3) * SR), 0.5);
        write(join(root, word, `${s.id}_nohash_${k}.wav`), encodeWav16(out, SR));
      }
    }
  }
  if (spec.backgrounds) {
    const rng = Prng.derive('recorded-folder', 'backgrounds');
    write(join(root, '_background_noise_', 'pink.wav'), encodeWav16(gainToDbfs(pinkNoise(10 * SR, rng), -20), SR));
    write(join(root, '_background_noise_', 'hum.wav'), encodeWav16(gainToDbfs(humNoise(6 * SR, SR, 50, rng), -20), SR));
  }
  return speakers;
}

export function write(path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
