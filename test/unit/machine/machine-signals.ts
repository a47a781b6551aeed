/** Test helpers for machine sounds: frame-energy envelope and its autocorrelation. */

/** Mean power per frame of `frameS` seconds. */
export function energyEnvelope(x: ArrayLike<number>, sampleRate: number, frameS = 0.01): Float64Array {
  const f = Math.round(frameS * sampleRate);
  const out = new Float64Array(Math.floor(x.length / f));
  for (let j = 0; j < out.length; j++) {
    let s = 0;
    for (let i = j * f; i < (j + 1) * f; i++) s += x[i]! * x[i]!;
    out[j] = s / f;
  }
  return out;
}

/**
 * Fundamental period of the envelope, in seconds, within [minS, maxS]: the shortest lag
 * whose normalized autocorrelation is a local maximum of at least 0.85 × the highest one
 * (multiples of the period correlate about as well as the period itself).
 */
export function dominantPeriod(env: Float64Array, frameS: number, minS: number, maxS: number): number {
  const mean = env.reduce((a, b) => a + b, 0) / env.length;
  const d = Float64Array.from(env, (v) => v - mean);
  const lo = Math.round(minS / frameS);
  const hi = Math.round(maxS / frameS);
  const r = new Float64Array(hi + 2);
  for (let lag = Math.max(1, lo - 1); lag <= hi + 1; lag++) {
    let s = 0;
    for (let i = 0; i + lag < d.length; i++) s += d[i]! * d[i + lag]!;
    r[lag] = s / (d.length - lag);
  }
  let best = -Infinity;
  for (let lag = lo; lag <= hi; lag++) best = Math.max(best, r[lag]!);
  for (let lag = lo; lag <= hi; lag++) {
    if (r[lag]! >= 0.85 * best && r[lag]! >= r[lag - 1]! && r[lag]! >= r[lag + 1]!) return lag * frameS;
  }
  return NaN;
}
