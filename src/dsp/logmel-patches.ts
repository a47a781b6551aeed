import type { LogmelParams } from './logmel-config';

/**
 * Patches of a log-mel spectrogram (MicroNets §4.3: 64-frame images, the next one
 * overlapping by 44 frames) and their block-average downsampling.
 *
 * Patch j covers frames [j·hop, j·hop + patchFrames); a clip of F frames gives
 * max(0, 1 + floor((F − patchFrames) / hop)) patches (no padding: a partial patch at the
 * end is dropped, as a streaming device would not have it yet).
 *
 * Downsampling by f averages f×f blocks. For f = 2 this equals bilinear resizing with
 * half-pixel centres (TensorFlow 2's tf.image.resize), MicroNets' 64×64 → 32×32. On the
 * integer path the mean is rounded half up: (Σ + f²/2) div f² (floor division), which is
 * (Σ + 2) >> 2 for f = 2 in C.
 */

export function patchCount(p: LogmelParams, frames: number): number {
  return frames < p.patchFrames ? 0 : 1 + Math.floor((frames - p.patchFrames) / p.patchHop);
}

/**
 * All patches of a [frames][bands] spectrogram, each downsampled, concatenated:
 * [patches][patchFrames/f][bands/f]. `integer` selects the rounded integer mean.
 */
export function extractPatches(
  p: LogmelParams,
  spec: ArrayLike<number>,
  frames: number,
  integer: boolean,
): Float32Array {
  const f = p.downsample;
  const bands = p.melBands;
  const [rows, cols] = p.patchShape;
  const count = patchCount(p, frames);
  const out = new Float32Array(count * rows * cols);
  const area = f * f;
  let o = 0;
  for (let j = 0; j < count; j++) {
    const t0 = j * p.patchHop;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let dt = 0; dt < f; dt++)
          for (let db = 0; db < f; db++) s += spec[(t0 + r * f + dt) * bands + c * f + db]!;
        out[o++] = integer ? Math.floor((s + area / 2) / area) : s / area;
      }
    }
  }
  return out;
}
