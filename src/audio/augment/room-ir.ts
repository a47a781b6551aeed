import type { Prng } from '../../util/prng';
import { butterworthHighPass } from './biquad';

/**
 * Room impulse responses of shoebox rooms by the image-source method (J. B. Allen and
 * D. A. Berkley, "Image method for efficiently simulating small-room acoustics", JASA 65(4),
 * 1979). A far-field keyword spotter hears the talker through a room: the direct sound
 * arrives after distance/c and is followed by a dense tail of wall reflections whose energy
 * decays by 60 dB in RT60 seconds. Training on dry TTS only teaches a model that speech
 * has no tail (docs/augmentation.md "Room").
 *
 * Every image source of a rectangular room is a mirror of the source: along x its
 * coordinate is 2n·Lx + (1 − 2u)·xs for n ∈ ℤ, u ∈ {0, 1}, reached after |n − u| bounces
 * off the wall x = 0 and |n| off the wall x = Lx (same for y, z; Allen & Berkley eq. 9–10).
 * With one reflection coefficient β for all walls an image at distance d contributes
 * β^(bounces) / (4π·d) at delay d/c. The delay is fractional, so each image is spread over
 * 2·FD_HALF taps of a Hann-windowed sinc (band-limited to Nyquist) instead of Allen &
 * Berkley's rounding to the nearest sample, which would add a comb of errors at high
 * frequencies. Allen & Berkley high-pass the result to remove the DC offset the summed
 * positive pulses leave; so do we (Butterworth, `highPassHz`).
 */

/** Speed of sound in air at 20 °C, m/s. */
export const SPEED_OF_SOUND = 343;

export type Vec3 = readonly [number, number, number];

export interface ShoeboxRoom {
  /** Lx, Ly, Lz in metres. */
  readonly dims: Vec3;
  readonly source: Vec3;
  readonly mic: Vec3;
  /** Reverberation time (60 dB decay), seconds. */
  readonly rt60: number;
}

export type AbsorptionFormula = 'eyring' | 'sabine';

export interface RirOptions {
  /** Length of the response (the tail beyond is dropped). Default: rt60, at most 1 s. */
  readonly lengthSec?: number;
  /** High-pass corner (Allen & Berkley's DC removal); 0 disables. Default 50 Hz. */
  readonly highPassHz?: number;
  /** RT60 → absorption: Eyring (default; valid for absorbent rooms too) or Sabine. */
  readonly absorption?: AbsorptionFormula;
  /**
   * Multiply by 4π·referenceM so that a direct path of referenceM metres has gain 1: a talker
   * closer than that comes out louder, a farther one quieter, while the reverberant field
   * keeps about the same level — the distance dependence of level and DRR. Default 1 m.
   */
  readonly referenceM?: number;
}

const FD_HALF = 8;
const FD_PHASES = 64;
/** Windowed-sinc table: FD_PHASES fractional delays × 2·FD_HALF taps. */
const FD_TABLE = ((): Float64Array => {
  const t = new Float64Array(FD_PHASES * 2 * FD_HALF);
  for (let p = 0; p < FD_PHASES; p++) {
    const frac = p / FD_PHASES;
    for (let j = 0; j < 2 * FD_HALF; j++) {
      const x = j - (FD_HALF - 1) - frac; // tap k = floor(t) − FD_HALF + 1 + j, x = k − t
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const win = 0.5 + 0.5 * Math.cos((Math.PI * x) / FD_HALF);
      t[p * 2 * FD_HALF + j] = sinc * win;
    }
  }
  return t;
})();

/**
 * Wall absorption coefficient α giving `rt60` in a room of `dims`, uniform over the walls.
 * Sabine: RT60 = 24·ln10·V / (c·S·α); Eyring: RT60 = 24·ln10·V / (−c·S·ln(1 − α)). Sabine
 * needs α ≤ 1, so a very short RT60 in a big room throws a RangeError naming the bound.
 */
export function wallAbsorption(dims: Vec3, rt60: number, formula: AbsorptionFormula = 'eyring'): number {
  const [lx, ly, lz] = dims;
  const volume = lx * ly * lz;
  const surface = 2 * (lx * ly + lx * lz + ly * lz);
  const k = (24 * Math.LN10 * volume) / (SPEED_OF_SOUND * surface * rt60);
  if (formula === 'eyring') return 1 - Math.exp(-k);
  if (k > 1)
    throw new RangeError(
      `RT60 ${rt60} s is below Sabine's minimum ${(rt60 * k).toFixed(3)} s for a ${dims.join('×')} m room`,
    );
  return k;
}

export function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** The impulse response from room.source to room.mic, `sampleRate` Hz. */
export function imageSourceRir(room: ShoeboxRoom, sampleRate: number, options: RirOptions = {}): Float32Array {
  const { dims, source, mic, rt60 } = room;
  for (let a = 0; a < 3; a++) {
    if (!(dims[a]! > 0)) throw new RangeError(`room dimension ${a} must be > 0, got ${dims[a]}`);
    for (const [name, p] of [
      ['source', source],
      ['mic', mic],
    ] as const) {
      if (!(p[a]! > 0 && p[a]! < dims[a]!))
        throw new RangeError(`${name} coordinate ${a} = ${p[a]} is outside the room (0, ${dims[a]})`);
    }
  }
  if (!(rt60 > 0)) throw new RangeError(`rt60 must be > 0, got ${rt60}`);
  const lengthSec = options.lengthSec ?? Math.min(rt60, 1);
  const n = Math.max(1, Math.round(lengthSec * sampleRate));
  const beta = Math.sqrt(1 - wallAbsorption(dims, rt60, options.absorption ?? 'eyring'));
  const h = new Float64Array(n + 2 * FD_HALF);
  const maxDist = (n / sampleRate) * SPEED_OF_SOUND;
  const samplesPerMetre = sampleRate / SPEED_OF_SOUND;

  // Per axis: every (n, u) image coordinate's offset from the mic and its bounce count.
  const axis = (a: 0 | 1 | 2): Array<{ d: number; bounces: number }> => {
    const L = dims[a]!;
    const N = Math.ceil(maxDist / (2 * L)) + 1;
    const out: Array<{ d: number; bounces: number }> = [];
    for (let i = -N; i <= N; i++) {
      for (let u = 0; u <= 1; u++) {
        const d = 2 * i * L + (1 - 2 * u) * source[a]! - mic[a]!;
        if (Math.abs(d) <= maxDist) out.push({ d, bounces: Math.abs(i - u) + Math.abs(i) });
      }
    }
    return out;
  };
  const xs = axis(0);
  const ys = axis(1);
  const zs = axis(2);
  const maxD2 = maxDist * maxDist;
  const logBeta = Math.log(beta);
  for (const x of xs) {
    const dx2 = x.d * x.d;
    for (const y of ys) {
      const dxy2 = dx2 + y.d * y.d;
      if (dxy2 > maxD2) continue;
      for (const z of zs) {
        const d2 = dxy2 + z.d * z.d;
        if (d2 > maxD2) continue;
        const d = Math.sqrt(d2);
        const bounces = x.bounces + y.bounces + z.bounces;
        const amp = (bounces === 0 ? 1 : Math.exp(bounces * logBeta)) / (4 * Math.PI * Math.max(d, 1e-3));
        const t = d * samplesPerMetre;
        const k0 = Math.floor(t);
        if (k0 >= n) continue;
        const phase = Math.round((t - k0) * FD_PHASES);
        // A fraction that rounds up to 1 is the next sample at fraction 0.
        const base = phase === FD_PHASES ? k0 + 1 : k0;
        const row = (phase === FD_PHASES ? 0 : phase) * 2 * FD_HALF;
        // Taps base − FD_HALF + 1 … base + FD_HALF, shifted by FD_HALF into h.
        const first = base + 1;
        for (let j = 0; j < 2 * FD_HALF; j++) h[first + j] = h[first + j]! + amp * FD_TABLE[row + j]!;
      }
    }
  }
  const scale = 4 * Math.PI * (options.referenceM ?? 1);
  let out: Float32Array = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = h[i + FD_HALF]! * scale;
  const hp = options.highPassHz ?? 50;
  if (hp > 0) out = butterworthHighPass(out, hp, sampleRate, 2);
  return out;
}

export interface RoomRanges {
  /** [min, max] of each room dimension (x, y, z), metres. */
  readonly dimsM: readonly [readonly [number, number], readonly [number, number], readonly [number, number]];
  readonly rt60Sec: readonly [number, number];
  /** Source–mic distance, metres. */
  readonly distanceM: readonly [number, number];
}

/** Nothing (source, mic) closer to a wall than this, so images never coincide with them. */
const WALL_MARGIN_M = 0.2;

/**
 * A random room: dimensions and RT60 uniform in their ranges, the source uniform inside
 * (WALL_MARGIN_M from the walls), the mic at a drawn distance in a uniform random direction.
 * A direction that leaves the room is redrawn (up to 32 times); if none fits, the distance
 * shrinks by 20 % and the search repeats, so a 3 m distance in a 2 m room still ends.
 */
export function drawShoeboxRoom(rng: Prng, ranges: RoomRanges): ShoeboxRoom {
  const dims = ranges.dimsM.map(([lo, hi]) => rng.uniform(lo, hi)) as unknown as Vec3;
  const rt60 = rng.uniform(ranges.rt60Sec[0], ranges.rt60Sec[1]);
  const inside = (p: Vec3): boolean => p.every((v, a) => v >= WALL_MARGIN_M && v <= dims[a]! - WALL_MARGIN_M);
  const source = dims.map((L) => rng.uniform(WALL_MARGIN_M, L - WALL_MARGIN_M)) as unknown as Vec3;
  let d = rng.uniform(ranges.distanceM[0], ranges.distanceM[1]);
  for (;;) {
    for (let attempt = 0; attempt < 32; attempt++) {
      // Uniform direction: z uniform in [−1, 1], azimuth uniform (Archimedes).
      const z = rng.uniform(-1, 1);
      const phi = rng.uniform(0, 2 * Math.PI);
      const r = Math.sqrt(1 - z * z);
      const mic: Vec3 = [source[0] + d * r * Math.cos(phi), source[1] + d * r * Math.sin(phi), source[2] + d * z];
      if (inside(mic)) return { dims, source, mic, rt60 };
    }
    d *= 0.8;
  }
}
