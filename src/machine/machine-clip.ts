import { applyPeakSafety, dbToGain } from '../audio/mix';
import type { Prng } from '../util/prng';
import { anomalySpeedFactor, applyAnomaly } from './anomalies';
import { applyMic, drawMicPosition, factoryBackground } from './factory';
import type { MachineGenerator, PhysicsNumbers } from './machine-generator';
import type { AnomalyKind } from './machine-kinds';
import { rms } from './signal';

/**
 * One recording of one machine: draw the day's conditions, render the machine, add the
 * fault (if any), put a microphone in front of it and a factory behind it.
 *
 *   speed  = 1 + sd·N(0,1) clipped to ±2.5 sd (× the changed-period factor if that is the fault)
 *   load   ~ U(0, 1)
 *   mic    ~ drawMicPosition, gain ~ U(−gainDb, gainDb)
 *   snr    ~ U(snrDb.min, snrDb.max)
 *
 * Recorded per clip (`conditions`): speed, load, gainDb, micDistance, snrDb, the reflection's
 * delay and gain, the background parts' power shares and the hum's frequency.
 *
 * Levels: the normal machine sound is brought to −30 dBFS + gain (computed before the
 * fault is added, so a fault adds energy rather than being normalized away), the factory
 * background to −30 dBFS + gain − snr. The sum is scaled down only if it would clip.
 * Each purpose draws from its own generator (`rngFor(part)`), so adding a draw to one
 * part cannot shift the others.
 */

export const MACHINE_LEVEL_DBFS = -30;

export interface MachineClipRequest {
  readonly generator: MachineGenerator;
  readonly physics: PhysicsNumbers;
  readonly sampleRate: number;
  readonly samples: number;
  readonly anomaly?: AnomalyKind;
  readonly severity?: number;
  readonly snrDb: { readonly min: number; readonly max: number };
  readonly variation: { readonly speed: number; readonly gainDb: number };
}

export interface MachineClipResult {
  readonly samples: Float32Array;
  /** The drawn recording conditions (go into the manifest). */
  readonly conditions: Readonly<Record<string, number>>;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export function makeMachineClip(req: MachineClipRequest, rngFor: (part: string) => Prng): MachineClipResult {
  const cond = rngFor('conditions');
  const sd = req.variation.speed;
  const z = Math.max(-2.5, Math.min(2.5, cond.normal()));
  let speed = 1 + sd * z;
  const load = cond.next();
  const gainDb = cond.uniform(-req.variation.gainDb, req.variation.gainDb);
  const mic = drawMicPosition(cond);
  const snrDb = cond.uniform(req.snrDb.min, req.snrDb.max);
  const anomalyRng = rngFor('anomaly');
  if (req.anomaly) speed *= anomalySpeedFactor(req.anomaly, req.severity ?? 0, anomalyRng);

  const render = req.generator.render(req.physics, { speed, load }, req.samples, req.sampleRate, rngFor('render'));
  const machine = req.anomaly
    ? applyAnomaly(req.anomaly, req.severity ?? 0, render, req.sampleRate, anomalyRng)
    : render.signal;
  const heard = applyMic(machine, mic, req.sampleRate);
  const level = dbToGain(MACHINE_LEVEL_DBFS + gainDb);
  const g = level / (rms(render.signal) || 1);
  const { signal: background, mix } = factoryBackground(req.samples, req.sampleRate, rngFor('background'));
  const gb = level * dbToGain(-snrDb);
  const out = new Float32Array(req.samples);
  for (let i = 0; i < out.length; i++) out[i] = g * heard[i]! + gb * background[i]!;
  applyPeakSafety(out);
  return {
    samples: out,
    conditions: {
      speed: round4(speed),
      load: round4(load),
      gainDb: round4(gainDb),
      micDistance: round4(mic.distance),
      snrDb: round4(snrDb),
      // Drawn per clip but not recorded before synth-machine 2: the microphone's reflection and
      // the factory background's mix (docs/results/2026-12-05-anomaly-detection-precision.md).
      reflectionMs: round4(mic.reflectionMs),
      reflectionGain: round4(mic.reflectionGain),
      bgBrownShare: round4(mix.brownShare),
      bgPinkShare: round4(mix.pinkShare),
      bgHumShare: round4(mix.humShare),
      humHz: mix.humHz,
    },
  };
}
