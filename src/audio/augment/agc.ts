/**
 * Automatic gain control, as in the audio front end of phones, smart speakers and most
 * codec chips: a level detector (mean square, one-pole smoothing with a fast attack and a
 * slow release) drives a gain toward `targetDbfs`, limited to ±maxGainDb, and the gain
 * itself moves with the same attack (when it must fall) and release (when it may rise)
 * constants. The result is the "gain riding" a far talker or a quiet word gets on real
 * devices: the noise floor pumps up between words and loud onsets are briefly too loud.
 * Below `gateDbfs` the gain holds, so digital silence is not boosted forever.
 */

export interface AgcParams {
  readonly targetDbfs: number;
  /** Largest boost (and cut), dB. */
  readonly maxGainDb: number;
  /** Time constant when the level rises / the gain must fall, ms. */
  readonly attackMs: number;
  /** Time constant when the level falls / the gain may rise, ms. */
  readonly releaseMs: number;
  /** Level below which the gain holds. Default −70 dBFS. */
  readonly gateDbfs?: number;
}

function coefficient(ms: number, sampleRate: number): number {
  return 1 - Math.exp(-1 / Math.max(1e-3, (ms / 1000) * sampleRate));
}

export function applyAgc(x: Float32Array, p: AgcParams, sampleRate: number): Float32Array {
  const att = coefficient(p.attackMs, sampleRate);
  const rel = coefficient(p.releaseMs, sampleRate);
  const gatePower = Math.pow(10, (p.gateDbfs ?? -70) / 10);
  const maxG = p.maxGainDb;
  // Start settled on the first attack window's level, as a device that was already running.
  const warm = Math.min(x.length, Math.max(1, Math.round((p.attackMs / 1000) * sampleRate)));
  let power = 0;
  for (let i = 0; i < warm; i++) power += x[i]! * x[i]!;
  power /= warm;
  const want = (pw: number): number => Math.min(maxG, Math.max(-maxG, p.targetDbfs - 10 * Math.log10(pw)));
  let gainDb = power > gatePower ? want(power) : 0;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const e = x[i]! * x[i]!;
    power += (e > power ? att : rel) * (e - power);
    if (power > gatePower) {
      const target = want(power);
      gainDb += (target < gainDb ? att : rel) * (target - gainDb);
    }
    out[i] = x[i]! * Math.pow(10, gainDb / 20);
  }
  return out;
}
