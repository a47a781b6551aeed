import { createHash } from 'node:crypto';
import type { Split } from '../synth/kws-plan';

/**
 * Deterministic split of a clip by its file name: the rule the Speech Commands dataset's
 * README describes and TensorFlow's speech_commands example implements as `which_set`,
 * restated here:
 *
 *   key  = file name with everything from `_nohash_` on removed (`3cfc6b3a_nohash_2.wav` →
 *          `3cfc6b3a`, the speaker id), or the whole file name if it has no `_nohash_`
 *   h    = (SHA-1(key) as an integer) mod 2^27, scaled to [0, 1] by 1 / (2^27 − 1)
 *   h <  validation                  → validation
 *   h <  validation + test           → test
 *   else                             → train
 *
 * Why this rule: it depends only on the name, so adding files never moves existing ones
 * between splits, and every clip of a speaker lands in the same split (no speaker leaks
 * from train into test). With {validation: 0.1, test: 0.1} a Speech Commands folder
 * without its list files gets the official partition.
 */

const BUCKETS = 2n ** 27n; // MAX_NUM_WAVS_PER_CLASS + 1 in the original
const SCALE = 1 / (2 ** 27 - 1);

export interface SplitFractions {
  readonly validation: number;
  readonly test: number;
}

/** The part of a file name that decides its split (speaker id for Speech Commands names). */
export function splitKey(fileName: string): string {
  const at = fileName.indexOf('_nohash_');
  return at < 0 ? fileName : fileName.slice(0, at);
}

/** Position of `fileName` in [0, 1]; see the module comment. */
export function splitPosition(fileName: string): number {
  const digest = createHash('sha1').update(splitKey(fileName), 'utf8').digest('hex');
  return Number(BigInt(`0x${digest}`) % BUCKETS) * SCALE;
}

export function hashSplit(fileName: string, fractions: SplitFractions): Split {
  const h = splitPosition(fileName);
  if (h < fractions.validation) return 'validation';
  if (h < fractions.validation + fractions.test) return 'test';
  return 'train';
}
