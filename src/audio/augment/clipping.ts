/**
 * Clipping, as an overdriven preamp or ADC does to a close or loud talker. The threshold is
 * set relative to the signal's own peak (`depthDb` below it), so the effect is the same
 * whatever the clip's level: 0 dB touches nothing, 12 dB flattens every peak above a
 * quarter of the maximum. `hard` cuts at the threshold (an ADC's rails); `soft` is
 * thr·tanh(x/thr), the rounded saturation of an analog stage. Either way no output sample
 * exceeds the threshold.
 */

export type ClipMode = 'hard' | 'soft';

export function applyClipping(x: Float32Array, mode: ClipMode, depthDb: number): Float32Array {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]!));
  const out = new Float32Array(x.length);
  if (peak === 0) return out;
  const thr = peak * Math.pow(10, -Math.max(0, depthDb) / 20);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = mode === 'hard' ? Math.min(thr, Math.max(-thr, v)) : thr * Math.tanh(v / thr);
  }
  // Float32 rounding of thr·tanh(·) may land one ulp above thr; keep the bound exact.
  const bound = Math.fround(thr);
  for (let i = 0; i < out.length; i++) if (Math.abs(out[i]!) > bound) out[i] = Math.sign(out[i]!) * bound;
  return out;
}
