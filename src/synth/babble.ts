import { overlay } from '../audio/mix';
import type { Prng } from '../util/prng';
import { activePart, type Utterance } from './utterance';

/**
 * Babble background: several "talkers", each a chain of negative-word renders with short
 * random pauses, starting at a random offset, summed (docs/methods.md#keyword-spotting-data: "babble made from many
 * negative words"; thesis §3 lists adversarial backgrounds such as other voices). Only
 * negatives are used, so a babble never contains a keyword the model should detect.
 * Returns `n` samples with RMS ≈ 1 (the caller sets the level).
 */
export function makeBabble(pool: readonly Utterance[], n: number, sampleRate: number, rng: Prng): Float32Array {
  if (pool.length === 0) throw new Error('makeBabble: empty word pool');
  const out = new Float32Array(n);
  const talkers = rng.int(4, 7);
  for (let t = 0; t < talkers; t++) {
    const gain = Math.pow(10, rng.uniform(-6, 0) / 20);
    // Start before the buffer so the first word may already be under way at sample 0.
    let pos = -rng.int(0, Math.round(0.5 * sampleRate));
    while (pos < n) {
      const word = activePart(rng.pick(pool));
      overlay(out, word, pos, gain);
      pos += word.length + rng.int(Math.round(0.02 * sampleRate), Math.round(0.25 * sampleRate));
    }
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += out[i]! * out[i]!;
  const rms = Math.sqrt(s / Math.max(1, n));
  if (rms > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / rms;
  return out;
}
