import type { Prng } from '../util/prng';
import { cyclePhase, type MachineGenerator, type MachineRender, type OperatingConditions } from './machine-generator';
import {
  addImpulse,
  addScaled,
  gaussian,
  harmonicAmps,
  harmonics,
  randomModes,
  randomPhases,
  resonate,
  wander,
  type Mode,
} from './signal';

/**
 * Slide rail (MIMII `slider`, the MicroNets §4.3 AD machine): a carriage driven by a motor
 * through a gear travels out and back once per stroke period. One stroke cycle:
 *
 *   |--- out (fraction a of the moving time) ---|dwell|--- back (1 − a) ---|dwell|
 *
 * While moving, the motor's harmonic series sweeps up with the carriage velocity
 * (v = sin over each travel), a gear whine at f0·gear follows it, and the rail hisses
 * (noise through the rail's resonances) in proportion to v. At the end of each travel the
 * carriage hits its stop: an impulse rings the rail's modes. Out and back differ in
 * duration (a ≠ ½) and stop strength, so the sound repeats with the full stroke period,
 * which the generator test recovers by autocorrelation.
 */
export interface SliderPhysics {
  readonly [key: string]: number | readonly number[];
  /** Full out-and-back cycle at speed 1, seconds. */
  readonly strokePeriodS: number;
  /** Fraction of the cycle spent still at each end. */
  readonly dwell: number;
  /** Share of the moving time spent on the outward travel. */
  readonly outShare: number;
  readonly motorHz: number;
  readonly gearRatio: number;
  readonly motorAmps: readonly number[];
  readonly motorPhases: readonly number[];
  readonly railModeHz: readonly number[];
  readonly railModeT60: readonly number[];
  readonly railModeGain: readonly number[];
  readonly impactOut: number;
  readonly impactBack: number;
  readonly hiss: number;
}

function modesOf(p: SliderPhysics, t60Scale: number): Mode[] {
  return p.railModeHz.map((hz, i) => ({ hz, t60: p.railModeT60[i]! * t60Scale, gain: p.railModeGain[i]! }));
}

function drawPhysics(rng: Prng): SliderPhysics {
  const modes = randomModes(5, 300, 4500, 0.08, 0.4, rng);
  const count = rng.int(6, 10);
  return {
    strokePeriodS: rng.uniform(0.8, 2.0),
    dwell: rng.uniform(0.08, 0.2),
    outShare: rng.uniform(0.55, 0.68),
    motorHz: rng.uniform(40, 140),
    gearRatio: rng.uniform(4, 11),
    motorAmps: harmonicAmps(count, rng.uniform(0.7, 1.5), rng),
    motorPhases: randomPhases(count, rng),
    railModeHz: modes.map((m) => m.hz),
    railModeT60: modes.map((m) => m.t60),
    railModeGain: modes.map((m) => m.gain),
    impactOut: rng.uniform(0.6, 1.2),
    impactBack: rng.uniform(0.2, 0.5),
    hiss: rng.uniform(0.2, 0.6),
  };
}

function render(p: SliderPhysics, c: OperatingConditions, n: number, sr: number, rng: Prng): MachineRender {
  const phase = cyclePhase(n, sr, p.strokePeriodS, c.speed * (1 - 0.03 * c.load), rng.next());
  const moving = 1 - 2 * p.dwell;
  const outEnd = moving * p.outShare;
  const backStart = outEnd + p.dwell;
  const backEnd = backStart + moving * (1 - p.outShare);
  const velocity = new Float64Array(n);
  const impacts = new Float64Array(n);
  let prevSegment = -1;
  for (let i = 0; i < n; i++) {
    const u = phase[i]!;
    let v = 0;
    let segment: number;
    if (u < outEnd) {
      v = Math.sin((Math.PI * u) / outEnd);
      segment = 0;
    } else if (u < backStart) segment = 1;
    else if (u < backEnd) {
      v = 0.8 * Math.sin((Math.PI * (u - backStart)) / (backEnd - backStart));
      segment = 2;
    } else segment = 3;
    velocity[i] = v;
    // The stop at the end of each travel (segment 0 → 1 and 2 → 3) rings the rail.
    if (prevSegment === 0 && segment === 1) addImpulse(impacts, i / sr, p.impactOut * (0.8 + 0.4 * c.load), sr);
    if (prevSegment === 2 && segment === 3) addImpulse(impacts, i / sr, p.impactBack * (0.8 + 0.4 * c.load), sr);
    prevSegment = segment;
  }
  // The motor speeds up with the carriage: frequency 0.35 + 0.65·v of full speed.
  const jitter = wander(n, 0.004, 2, sr, rng);
  const freq = new Float64Array(n);
  for (let i = 0; i < n; i++) freq[i] = (0.35 + 0.65 * velocity[i]!) * jitter[i]! * c.speed;
  const motor = harmonics(n, sr, p.motorHz, p.motorAmps, p.motorPhases, freq);
  const whine = harmonics(n, sr, p.motorHz * p.gearRatio, [0.25], [0], freq);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (0.15 + velocity[i]!) * (0.7 + 0.6 * c.load) * (motor[i]! + whine[i]!);
  const noise = gaussian(n, rng);
  for (let i = 0; i < n; i++) noise[i] = noise[i]! * velocity[i]!;
  addScaled(out, resonate(noise, modesOf(p, 0.1), sr), 4 * p.hiss);
  addScaled(out, resonate(impacts, modesOf(p, 1), sr), 60);
  return { signal: out, motion: velocity, rotationHz: p.motorHz * c.speed };
}

export const sliderGenerator: MachineGenerator<SliderPhysics> = { type: 'slider', drawPhysics, render };
