import type { Prng } from '../util/prng';
import type { MachineGenerator, MachineRender, OperatingConditions } from './machine-generator';
import {
  addScaled,
  gaussian,
  harmonicAmps,
  harmonics,
  lowpassInPlace,
  randomModes,
  randomPhases,
  resonate,
  wander,
  type Mode,
} from './signal';

/**
 * Industrial fan (MIMII `fan`): a rotor of B blades at rotation frequency f_r. Its sound is
 * the blade-pass tone f_r·B and its harmonics (each blade pushing the air once per turn),
 * a weak once-per-turn component (no rotor is perfectly balanced), and broadband
 * aerodynamic noise coloured by the housing's resonances, amplitude-modulated at the
 * blade-pass rate. A higher load (more back pressure) means more turbulence noise.
 */
export interface FanPhysics {
  readonly [key: string]: number | readonly number[];
  readonly rotationHz: number;
  readonly blades: number;
  readonly bladeAmps: readonly number[];
  readonly bladePhases: readonly number[];
  /** Residual imbalance: amplitude of the once-per-turn tone relative to the blade tone. */
  readonly residualImbalance: number;
  readonly housingModeHz: readonly number[];
  readonly housingModeT60: readonly number[];
  readonly housingModeGain: readonly number[];
  readonly airNoise: number;
  /** Corner of the low-pass that shapes the broadband noise, Hz. */
  readonly airCornerHz: number;
}

function drawPhysics(rng: Prng): FanPhysics {
  const modes = randomModes(4, 150, 3000, 0.02, 0.1, rng);
  return {
    rotationHz: rng.uniform(12, 40),
    blades: rng.int(3, 9),
    bladeAmps: harmonicAmps(6, rng.uniform(0.8, 1.6), rng),
    bladePhases: randomPhases(6, rng),
    residualImbalance: rng.uniform(0.02, 0.08),
    housingModeHz: modes.map((m) => m.hz),
    housingModeT60: modes.map((m) => m.t60),
    housingModeGain: modes.map((m) => m.gain),
    airNoise: rng.uniform(0.4, 1),
    airCornerHz: rng.uniform(600, 2500),
  };
}

function render(p: FanPhysics, c: OperatingConditions, n: number, sr: number, rng: Prng): MachineRender {
  const rot = p.rotationHz * c.speed * (1 - 0.02 * c.load);
  const jitter = wander(n, 0.003, 1, sr, rng);
  const blade = harmonics(n, sr, rot * p.blades, p.bladeAmps, p.bladePhases, jitter);
  const once = harmonics(n, sr, rot, [p.residualImbalance], [rng.uniform(0, 2 * Math.PI)], jitter);
  const modes: Mode[] = p.housingModeHz.map((hz, i) => ({
    hz,
    t60: p.housingModeT60[i]!,
    gain: p.housingModeGain[i]!,
  }));
  const air = lowpassInPlace(gaussian(n, rng), p.airCornerHz, sr);
  addScaled(air, resonate(gaussian(n, rng), modes, sr), 8);
  const out = new Float64Array(n);
  const bpf = (2 * Math.PI * rot * p.blades) / sr;
  const airLevel = p.airNoise * (0.6 + 0.8 * c.load);
  for (let i = 0; i < n; i++) {
    const am = 1 + 0.15 * Math.sin(bpf * i);
    out[i] = blade[i]! + once[i]! + airLevel * am * air[i]!;
  }
  return { signal: out, motion: new Float64Array(n).fill(1), rotationHz: rot };
}

export const fanGenerator: MachineGenerator<FanPhysics> = { type: 'fan', drawPhysics, render };
