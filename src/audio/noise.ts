import type { Prng } from '../util/prng';

/**
 * Synthetic background generators (thesis §3 "Data augmentation": a keyword must be
 * recognised "in any given sound environment"; docs/methods.md#keyword-spotting-data lists noise colours and hum).
 * Each returns `n` samples with RMS ≈ 1 and zero mean; the caller sets the level
 * (mix.ts gainToDbfs / mixAtSnr). All randomness comes from the `rng` passed in, drawn in
 * a fixed order, so a given generator state always yields the same samples.
 */

/** Gaussian white noise: flat power spectrum. */
export function whiteNoise(n: number, rng: Prng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** Rows of the Voss–McCartney generator: 1/f from fs/2^17 up to Nyquist. */
const PINK_ROWS = 16;

/**
 * Pink (1/f, −3 dB per octave) noise by the Voss–McCartney method: PINK_ROWS random
 * values, row r redrawn every 2^(r+1) samples (the row is the number of trailing zeros of
 * the sample counter, so exactly one row changes per sample), summed with a fresh white
 * value. Each row is a sample-and-hold of white noise, i.e. low-passed one octave below
 * the previous one; their sum approximates 1/f within about ±1 dB.
 */
export function pinkNoise(n: number, rng: Prng): Float32Array {
  const rows = new Float64Array(PINK_ROWS);
  let running = 0;
  for (let r = 0; r < PINK_ROWS; r++) {
    rows[r] = rng.normal();
    running += rows[r]!;
  }
  const out = new Float32Array(n);
  const scale = 1 / Math.sqrt(PINK_ROWS + 1);
  for (let i = 0; i < n; i++) {
    const counter = (i + 1) & 0xffff;
    if (counter !== 0) {
      const r = 31 - Math.clz32(counter & -counter); // trailing zeros
      const v = rng.normal();
      running += v - rows[r]!;
      rows[r] = v;
    }
    out[i] = (running + rng.normal()) * scale;
  }
  return removeMean(out);
}

/**
 * Brown (1/f², −6 dB per octave) noise: white noise through a leaky integrator
 * y[i] = a·y[i−1] + w[i] with its corner at `cornerHz` (10 Hz), so it does not wander off
 * like a pure random walk. The state starts from the process' stationary distribution, so
 * there is no start-up transient.
 */
export function brownNoise(n: number, sampleRate: number, rng: Prng, cornerHz = 10): Float32Array {
  const a = Math.exp((-2 * Math.PI * cornerHz) / sampleRate);
  const stationarySd = 1 / Math.sqrt(1 - a * a);
  let y = rng.normal() * stationarySd;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y = a * y + rng.normal();
    out[i] = y / stationarySd;
  }
  return removeMean(out);
}

/**
 * Mains hum: a `hz` (50 or 60) fundamental and `harmonics` − 1 overtones. Transformer and
 * ballast hum is rich in harmonics (the 2nd from magnetostriction, odd ones from
 * saturation), so harmonic k gets amplitude (1/k)·U(0.3, 1) and a random phase, plus a
 * faint white floor 40 dB down so the background is never a pure, perfectly periodic tone.
 */
export function humNoise(n: number, sampleRate: number, hz: number, rng: Prng, harmonics = 6): Float32Array {
  const amps: number[] = [];
  const phases: number[] = [];
  let power = 0;
  for (let k = 1; k <= harmonics; k++) {
    const fk = k * hz;
    const a = fk < sampleRate / 2 ? rng.uniform(0.3, 1) / k : 0;
    amps.push(a);
    phases.push(rng.uniform(0, 2 * Math.PI));
    power += (a * a) / 2;
  }
  const floor = 0.01;
  const norm = 1 / Math.sqrt(power + floor * floor);
  const out = new Float32Array(n);
  const w = (2 * Math.PI * hz) / sampleRate;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < harmonics; k++) v += amps[k]! * Math.sin(w * (k + 1) * i + phases[k]!);
    out[i] = (v + floor * rng.normal()) * norm;
  }
  return out;
}

function removeMean(x: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const m = x.length > 0 ? s / x.length : 0;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! - m;
  return x;
}
