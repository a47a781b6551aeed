import type { Prng } from '../util/prng';
import type { MachineType } from './machine-kinds';

/**
 * The interface every machine-sound generator implements (one module per machine type:
 * slider.ts, fan.ts, pump.ts, valve.ts).
 *
 * A generator has two halves, like a real machine population:
 *  - `drawPhysics(rng)`: one machine ID's construction (stroke period, number of blades,
 *    harmonic series, body resonances ...), drawn once per ID from the ID's own generator.
 *    The numbers are plain JSON so they go into the dataset manifest and tests can check
 *    the rendered sound against them.
 *  - `render(physics, conditions, ...)`: one recording of that machine under the day's
 *    conditions (speed, load), before the microphone and the factory background.
 */

/** Operating conditions of one recording. */
export interface OperatingConditions {
  /** Relative speed: 1 = nominal; scales rotation frequencies and shortens cycles. */
  readonly speed: number;
  /** 0..1: mechanical load; louder and slightly slower under load. */
  readonly load: number;
}

export interface MachineRender {
  /** The machine's sound, arbitrary scale (the clip assembler sets the level). */
  readonly signal: Float64Array;
  /** 0..1 per sample: how active the machine is (stroke velocity, valve open, pulsation). */
  readonly motion: Float64Array;
  /** Main shaft / excitation frequency at this recording's speed, Hz (imbalance, whine). */
  readonly rotationHz: number;
}

export type PhysicsNumbers = Readonly<Record<string, number | readonly number[]>>;

export interface MachineGenerator<P extends PhysicsNumbers = PhysicsNumbers> {
  readonly type: MachineType;
  drawPhysics(rng: Prng): P;
  render(physics: P, conditions: OperatingConditions, samples: number, sampleRate: number, rng: Prng): MachineRender;
}

/** Phase of a cycle of period `periodS` at `speed`, with a random start: u ∈ [0, 1) per sample. */
export function cyclePhase(
  samples: number,
  sampleRate: number,
  periodS: number,
  speed: number,
  start: number,
): Float64Array {
  const out = new Float64Array(samples);
  const step = speed / (periodS * sampleRate);
  let u = start;
  for (let i = 0; i < samples; i++) {
    out[i] = u;
    u += step;
    if (u >= 1) u -= 1;
  }
  return out;
}

/**
 * One unit of a machine design: every real-valued physics number moves `spread` of the
 * way from the design's value towards an independently drawn unit's (arrays element by
 * element, over the design's length); integers (blade counts, mains frequency) and the
 * design's array lengths are kept. spread 0 = identical units, 1 = unrelated designs.
 * Units of one design differ in detail only, so telling them apart makes a classifier
 * attend to the fine structure of their sound, which is what a fault disturbs.
 */
export function blendPhysics(design: PhysicsNumbers, unit: PhysicsNumbers, spread: number): PhysicsNumbers {
  const mix = (a: number, b: number | undefined): number =>
    b === undefined || Number.isInteger(a) ? a : a + spread * (b - a);
  const out: Record<string, number | readonly number[]> = {};
  for (const [key, a] of Object.entries(design)) {
    const b = unit[key];
    out[key] =
      typeof a === 'number'
        ? mix(a, typeof b === 'number' ? b : undefined)
        : a.map((v, i) => mix(v, Array.isArray(b) ? (b as number[])[i] : undefined));
  }
  return out;
}
