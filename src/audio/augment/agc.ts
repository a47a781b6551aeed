/**
 * Automatic gain control, as in the audio front end of phones, smart speakers and most
 * codec chips: a level detector (mean square, one-pole smoothing over DETECTOR_MS) drives a
 * gain toward `targetDbfs`, limited to ±maxGainDb, and the gain moves with a fast attack
 * (when it must fall) and a slow release (when it may rise). The result is the "gain riding" a far talker or a quiet word gets on real
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

const CONTROL_BLOCK = 8;
/**
 * Time constant of the mean-square level detector. Symmetric, so a steady tone reads at its
 * true RMS (an asymmetric detector reads a sine up to 3 dB high); the attack/release
 * asymmetry lives in the gain smoothing.
 */
const DETECTOR_MS = 10;

function coefficient(ms: number, sampleRate: number): number {
  return 1 - Math.exp(-1 / Math.max(1e-3, (ms / 1000) * sampleRate));
}

export function applyAgc(x: Float32Array, p: AgcParams, sampleRate: number): Float32Array {
  const att = coefficient(p.attackMs, sampleRate);
  const rel = coefficient(p.releaseMs, sampleRate);
  const det = coefficient(DETECTOR_MS, sampleRate);
  const gatePower = Math.pow(10, (p.gateDbfs ?? -70) / 10);
  const maxG = p.maxGainDb;
  // Start settled on the first detector window's level, as a device that was already running.
  const warm = Math.min(x.length, Math.max(1, Math.round((DETECTOR_MS / 1000) * sampleRate)));
  let power = 0;
  for (let i = 0; i < warm; i++) power += x[i]! * x[i]!;
  power /= warm;
  const want = (pw: number): number => Math.min(maxG, Math.max(-maxG, p.targetDbfs - 10 * Math.log10(pw)));
  let gainDb = power > gatePower ? want(power) : 0;
  // The gain is updated every CONTROL_BLOCK samples (0.5 ms at 16 kHz; a device's AGC runs
  // at frame rate, far slower), with the per-sample smoothing compounded over the block.
  const attB = 1 - Math.pow(1 - att, CONTROL_BLOCK);
  const relB = 1 - Math.pow(1 - rel, CONTROL_BLOCK);
  const out = new Float32Array(x.length);
  let g = Math.pow(10, gainDb / 20);
  for (let i = 0; i < x.length; i++) {
    const e = x[i]! * x[i]!;
    power += det * (e - power);
    if ((i + 1) % CONTROL_BLOCK === 0 && power > gatePower) {
      const target = want(power);
      gainDb += (target < gainDb ? attB : relB) * (target - gainDb);
      g = Math.pow(10, gainDb / 20);
    }
    out[i] = x[i]! * g;
  }
  return out;
}
