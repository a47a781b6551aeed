import { readFile } from 'node:fs/promises';
import { resample } from '../audio/resample';
import { decodeWav, type WavData } from '../audio/wav';
import { StageInputError } from '../errors';
import { importInputError } from './import-error';

/**
 * Decode one user WAV and bring it to the dataset's format: mono (readWav's channel mean),
 * `sampleRate` (polyphase resampler), and — for clips — exactly `n` samples. Encoding to
 * PCM16 is the caller's (encodeWav16), so every output file has the canonical header.
 */

export interface LoadedAudio {
  readonly samples: Float32Array;
  /** What had to change to reach 16-bit PCM mono at the target rate. */
  readonly resampled: boolean;
  readonly mixedDown: boolean;
  readonly requantized: boolean;
}

/**
 * Read `path` (shown as `display` in errors) at `sampleRate`. A corrupt or unsupported
 * file throws StageInputError `import-audio: <display>: <reason>` (reasons from wav.ts:
 * "not a RIFF/WAVE file", "truncated data chunk (...)", "unsupported format 0x0055 (MP3)").
 */
export async function loadAudio(path: string, display: string, sampleRate: number): Promise<LoadedAudio> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw importInputError(`${display}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const wav = decodeOrThrow(bytes, display);
  const resampled = wav.sampleRate !== sampleRate;
  return {
    samples: resampled ? resample(wav.samples, wav.sampleRate, sampleRate) : wav.samples,
    resampled,
    mixedDown: wav.channels > 1,
    requantized: wav.format !== 'pcm' || wav.bitsPerSample !== 16,
  };
}

/** wav.ts names the file and the reason; this adds the stage prefix every import error has. */
function decodeOrThrow(bytes: Buffer, display: string): WavData {
  try {
    return decodeWav(bytes, display);
  } catch (e) {
    throw e instanceof StageInputError ? importInputError(e.message) : e;
  }
}

export interface FittedClip {
  readonly samples: Float32Array;
  readonly trimmed: boolean;
  readonly padded: boolean;
}

/**
 * Exactly `n` samples: a longer clip keeps its first `n`, a shorter one is zero-padded at
 * the end (as TensorFlow's speech_commands input pipeline pads short clips). Keeping the
 * head is a plain, predictable rule rather than a guess at where the word is; the caller
 * counts trimmed clips so the user sees when it applied and can cut clips beforehand.
 */
export function fitLength(x: Float32Array, n: number): FittedClip {
  if (x.length === n) return { samples: x, trimmed: false, padded: false };
  if (x.length > n) return { samples: x.slice(0, n), trimmed: true, padded: false };
  const out = new Float32Array(n);
  out.set(x);
  return { samples: out, trimmed: false, padded: true };
}
