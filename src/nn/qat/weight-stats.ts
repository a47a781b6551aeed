/**
 * Weight statistics of regularized quantization in plain numbers: per-channel normalization
 * u = w/max|w_c| (tf-regularizers.ts explains why), the distance of u to the nearest
 * minimum of the layer's regularizer (Eq. 4.7 — what §4.2.4's rounding will remove), and
 * histograms of u like the thesis' Fig. 4.2.5 (weights converging to the Reg_4 minima).
 */
import { roundToNearestMinimum, type BitWidth } from '../../quant/regularizers';

export const HISTOGRAM_BINS = 64;

/** u = w / max|w_c|, with c the index along `channelAxis` of a row-major `shape`; zero channels stay 0. */
export function normalizePerChannel(
  values: ArrayLike<number>,
  shape: readonly number[],
  channelAxis: number,
): Float64Array {
  const inner = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const channels = shape[channelAxis]!;
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)]!, Math.abs(values[i]!));
  return Float64Array.from({ length: values.length }, (_, i) => {
    const m = maxAbs[channelOf(i)]!;
    return m > 0 ? values[i]! / m : 0;
  });
}

/** Mean |u − nearest minimum of the N-bit regularizer| (0 = every weight already on the grid). */
export function gridDistance(u: ArrayLike<number>, bits: BitWidth): number {
  if (u.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < u.length; i++) s += Math.abs(u[i]! - roundToNearestMinimum(u[i]!, bits));
  return s / u.length;
}

/** Counts of u in `bins` equal bins over [−1, 1] (u = 1 goes in the last bin). */
export function histogram(u: ArrayLike<number>, bins = HISTOGRAM_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < u.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((u[i]! + 1) / 2) * bins)));
    counts[b] = counts[b]! + 1;
  }
  return counts;
}
