import type { Prng } from '../util/prng';
import type { MachineGenerator, MachineRender, OperatingConditions } from './machine-generator';
import {
  addImpulse,
  addScaled,
  gaussian,
  harmonicAmps,
  harmonics,
  randomModes,
  randomPhases,
  resonate,
  type Mode,
} from './signal';

/**
 * Solenoid valve (MIMII `valve`): opens and closes in a fixed pattern. Each cycle of
 * period T: the armature slams open (a click that rings the body's modes), gas or fluid
 * hisses through while open (noise through one broad high resonance, with 10 ms ramps),
 * the energized coil hums at twice the mains frequency, and the valve clicks shut (a
 * weaker click) after the open fraction of the cycle. Cycle timing jitters by ~1 % per
 * cycle, as a PLC-driven valve does. Between cycles there is only the factory.
 */
export interface ValvePhysics {
  readonly [key: string]: number | readonly number[];
  readonly cycleS: number;
  readonly openFraction: number;
  readonly clickOpen: number;
  readonly clickClose: number;
  readonly bodyModeHz: readonly number[];
  readonly bodyModeT60: readonly number[];
  readonly bodyModeGain: readonly number[];
  readonly hissHz: number;
  readonly hiss: number;
  readonly mainsHz: number;
  readonly coilAmps: readonly number[];
  readonly coilPhases: readonly number[];
}

function drawPhysics(rng: Prng): ValvePhysics {
  const modes = randomModes(3, 800, 6000, 0.03, 0.15, rng);
  return {
    cycleS: rng.uniform(0.8, 2.5),
    openFraction: rng.uniform(0.25, 0.6),
    clickOpen: rng.uniform(0.7, 1.2),
    clickClose: rng.uniform(0.3, 0.6),
    bodyModeHz: modes.map((m) => m.hz),
    bodyModeT60: modes.map((m) => m.t60),
    bodyModeGain: modes.map((m) => m.gain),
    hissHz: rng.uniform(2000, 5000),
    hiss: rng.uniform(0.3, 0.8),
    mainsHz: rng.pick([50, 60]),
    coilAmps: harmonicAmps(4, 1.2, rng),
    coilPhases: randomPhases(4, rng),
  };
}

function render(p: ValvePhysics, c: OperatingConditions, n: number, sr: number, rng: Prng): MachineRender {
  const clicks = new Float64Array(n);
  const open = new Float64Array(n);
  const period = p.cycleS / c.speed;
  const ramp = 0.01 * sr;
  let t = -rng.next() * period;
  while (t < n / sr) {
    const start = t;
    const end = t + p.openFraction * period * (1 + 0.01 * rng.normal());
    addImpulse(clicks, start, p.clickOpen * (0.8 + 0.4 * c.load), sr);
    addImpulse(clicks, end, p.clickClose * (0.8 + 0.4 * c.load), sr);
    const i0 = Math.max(0, Math.floor(start * sr));
    const i1 = Math.min(n, Math.floor(end * sr));
    for (let i = i0; i < i1; i++) open[i] = Math.min(1, (i - start * sr) / ramp, (end * sr - i) / ramp);
    t += period * (1 + 0.01 * rng.normal());
  }
  const modes: Mode[] = p.bodyModeHz.map((hz, i) => ({ hz, t60: p.bodyModeT60[i]!, gain: p.bodyModeGain[i]! }));
  const out = resonate(clicks, modes, sr);
  for (let i = 0; i < n; i++) out[i] = out[i]! * 80;
  const hiss = resonate(gaussian(n, rng), [{ hz: p.hissHz, t60: 0.004, gain: 1 }], sr);
  for (let i = 0; i < n; i++) hiss[i] = hiss[i]! * open[i]!;
  addScaled(out, hiss, 6 * p.hiss);
  const coil = harmonics(n, sr, 2 * p.mainsHz, p.coilAmps, p.coilPhases);
  for (let i = 0; i < n; i++) out[i] = out[i]! + 0.05 * open[i]! * coil[i]!;
  return { signal: out, motion: open, rotationHz: 2 * p.mainsHz };
}

export const valveGenerator: MachineGenerator<ValvePhysics> = { type: 'valve', drawPhysics, render };
