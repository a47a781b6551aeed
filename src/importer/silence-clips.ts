import { SILENCE_LABEL, type Split } from '../synth/kws-plan';
import { hashSplit, type SplitFractions } from './hash-split';

/**
 * `_silence_` clips cut from the `_background_noise_` recordings (what Speech Commands
 * users do to make the silence class). Clip j comes from background j mod F (sorted), and
 * a file's k clips are windows at evenly spaced offsets from its start to its end, so they
 * overlap only when the file is shorter than k clips. No randomness: the plan is a pure
 * function of the file list and the count. No list file can name these clips, so their
 * split is always the hash split of their name (hash-split.ts).
 */

export interface SilenceClipPlan {
  /** `_silence_/<background stem>_<k>.wav` */
  readonly out: string;
  /** `_background_noise_/<file>.wav` */
  readonly background: string;
  /** Window index within its background, and how many windows that background gives. */
  readonly window: number;
  readonly windows: number;
  readonly split: Split;
}

export function planSilenceClips(
  backgrounds: readonly string[],
  count: number,
  fractions: SplitFractions,
): SilenceClipPlan[] {
  if (count === 0 || backgrounds.length === 0) return [];
  const f = backgrounds.length;
  return Array.from({ length: count }, (_, j) => {
    const b = j % f;
    const background = backgrounds[b]!;
    const window = Math.floor(j / f);
    const windows = Math.floor(count / f) + (b < count % f ? 1 : 0);
    const stem = background.slice(background.lastIndexOf('/') + 1).replace(/\.wav$/i, '');
    const name = `${stem}_${window}.wav`;
    return { out: `${SILENCE_LABEL}/${name}`, background, window, windows, split: hashSplit(name, fractions) };
  });
}

/** Window `window` of `windows` evenly spaced n-sample windows over `noise` (zero-padded if short). */
export function cutWindow(noise: Float32Array, window: number, windows: number, n: number): Float32Array {
  const slack = Math.max(0, noise.length - n);
  const start = windows <= 1 ? 0 : Math.round((window * slack) / (windows - 1));
  const out = new Float32Array(n);
  out.set(noise.subarray(start, Math.min(noise.length, start + n)));
  return out;
}
