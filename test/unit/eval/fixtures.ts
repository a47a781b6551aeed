import type { GroundTruthEvent } from '../../../src/eval';

/**
 * Hand-made posteriors for the eval tests. Every frame is `_silence_` = 1 except inside
 * bumps, where one keyword has posterior p and `_silence_` the rest, so which frame
 * crosses which threshold can be read off the bump list.
 */
export const LABELS = ['_silence_', '_unknown_', 'yes', 'no'];

export interface Bump {
  /** First frame. */
  readonly from: number;
  /** One past the last frame. */
  readonly to: number;
  readonly label: string;
  /** Posterior, constant or per frame offset inside the bump. */
  readonly p: number | ((i: number) => number);
}

export function makePosteriors(
  frames: number,
  bumps: readonly Bump[],
  labels: readonly string[] = LABELS,
): Float32Array {
  const c = labels.length;
  const out = new Float32Array(frames * c);
  for (let t = 0; t < frames; t++) out[t * c] = 1;
  for (const b of bumps) {
    const k = labels.indexOf(b.label);
    if (k < 0) throw new Error(`fixture: unknown label ${b.label}`);
    for (let t = b.from; t < b.to; t++) {
      const p = typeof b.p === 'number' ? b.p : b.p(t - b.from);
      out[t * c + k] = p;
      out[t * c] = 1 - p;
    }
  }
  return out;
}

export const kw = (label: string, onsetSec: number, offsetSec: number): GroundTruthEvent => ({
  label,
  onsetSec,
  offsetSec,
  kind: 'keyword',
});
export const neg = (label: string, onsetSec: number, offsetSec: number): GroundTruthEvent => ({
  label,
  onsetSec,
  offsetSec,
  kind: 'negative',
});

/**
 * The reference stream: 36 s = 1800 frames of 20 ms, three keyword events and one negative.
 * Default tolerances: early 100 ms, late 1000 ms, so the windows are
 *   E1 yes [2.0, 2.5]   → [1.9, 3.5] s     'yes' bump at frames 140–149 (2.80 s): hit
 *   E2 no  [10.0, 10.6] → [9.9, 11.6] s    'yes' bump at frames 540–549 (10.80 s): misclassification
 *   E3 yes [20.0, 20.4] → [19.9, 21.4] s   nothing: false reject
 *   N1 bed [28.0, 28.5] → [27.9, 29.5] s   nothing: rejected
 *   'no' bump at frames 1500–1509 (30.00 s): outside every window → false accept in background
 */
export const REFERENCE = {
  durationSec: 36,
  frames: 1800,
  events: [kw('yes', 2.0, 2.5), kw('no', 10.0, 10.6), kw('yes', 20.0, 20.4), neg('bed', 28.0, 28.5)],
  bumps: [
    { from: 140, to: 150, label: 'yes', p: 0.9 },
    { from: 540, to: 550, label: 'yes', p: 0.9 },
    { from: 1500, to: 1510, label: 'no', p: 0.9 },
  ],
} as const;
