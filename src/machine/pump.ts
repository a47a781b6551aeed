import type { Prng } from '../util/prng';
import { cyclePhase, type MachineGenerator, type MachineRender, type OperatingConditions } from './machine-generator';
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
 * Water pump (MIMII `pump`): a motor turning an impeller of V vanes at f_r. Sound: the
 * motor's harmonic series of f_r, the vane-pass tone f_r·V, flow noise (low-passed noise
 * through the pipe's resonances) and a pressure pulsation that modulates all of it with
 * the pump's cycle (a raised cosine of depth d), so the sound breathes with the cycle.
 */
export interface PumpPhysics {
  readonly [key: string]: number | readonly number[];
  readonly rotationHz: number;
  readonly vanes: number;
  readonly motorAmps: readonly number[];
  readonly motorPhases: readonly number[];
  readonly vaneLevel: number;
  readonly pulsationS: number;
  readonly pulsationDepth: number;
  readonly pipeModeHz: readonly number[];
  readonly pipeModeT60: readonly number[];
  readonly pipeModeGain: readonly number[];
  readonly flowNoise: number;
  readonly flowCornerHz: number;
}

function drawPhysics(rng: Prng): PumpPhysics {
  const modes = randomModes(3, 100, 1500, 0.1, 0.3, rng);
  return {
    rotationHz: rng.uniform(20, 50),
    vanes: rng.int(5, 8),
    motorAmps: harmonicAmps(8, rng.uniform(0.8, 1.4), rng),
    motorPhases: randomPhases(8, rng),
    vaneLevel: rng.uniform(0.2, 0.6),
    pulsationS: rng.uniform(0.4, 1.2),
    pulsationDepth: rng.uniform(0.2, 0.5),
    pipeModeHz: modes.map((m) => m.hz),
    pipeModeT60: modes.map((m) => m.t60),
    pipeModeGain: modes.map((m) => m.gain),
    flowNoise: rng.uniform(0.3, 0.8),
    flowCornerHz: rng.uniform(300, 1200),
  };
}

function render(p: PumpPhysics, c: OperatingConditions, n: number, sr: number, rng: Prng): MachineRender {
  const rot = p.rotationHz * c.speed * (1 - 0.03 * c.load);
  const jitter = wander(n, 0.003, 1, sr, rng);
  const motor = harmonics(n, sr, rot, p.motorAmps, p.motorPhases, jitter);
  const vane = harmonics(n, sr, rot * p.vanes, [p.vaneLevel, p.vaneLevel / 2], [0, rng.uniform(0, 6.28)], jitter);
  const modes: Mode[] = p.pipeModeHz.map((hz, i) => ({ hz, t60: p.pipeModeT60[i]!, gain: p.pipeModeGain[i]! }));
  const flow = lowpassInPlace(gaussian(n, rng), p.flowCornerHz, sr);
  addScaled(flow, resonate(gaussian(n, rng), modes, sr), 6);
  const phase = cyclePhase(n, sr, p.pulsationS, c.speed, rng.next());
  const out = new Float64Array(n);
  const motion = new Float64Array(n);
  const flowLevel = p.flowNoise * (0.6 + 0.8 * c.load);
  for (let i = 0; i < n; i++) {
    const pulse = 0.5 - 0.5 * Math.cos(2 * Math.PI * phase[i]!);
    motion[i] = pulse;
    out[i] = (1 - p.pulsationDepth + p.pulsationDepth * pulse) * (motor[i]! + vane[i]! + flowLevel * flow[i]!);
  }
  return { signal: out, motion, rotationHz: rot };
}

export const pumpGenerator: MachineGenerator<PumpPhysics> = { type: 'pump', drawPhysics, render };
