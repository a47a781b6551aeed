import type { Prng } from '../util/prng';
import type { AnomalyKind } from './machine-kinds';
import type { MachineRender } from './machine-generator';
import { addImpulse, gaussian, harmonics, highpassInPlace, randomModes, resonate, rms, wander } from './signal';

/**
 * Named anomaly generators (the faults of MIMII / DCASE 2020 task 2, made by physics).
 * Each takes a severity s ∈ [0, 1]:
 *  - `changed-period` changes the machine itself: its speed (so its stroke/cycle period
 *    and rotation frequency) by a factor 1 ± (0.05 + 0.15·s), see `anomalySpeedFactor`;
 *  - `imbalance` modulates the sound at the rotation frequency (depth 0.6·s) and adds the
 *    once- and twice-per-turn tones;
 *  - the others add a layer whose RMS is the normal machine's RMS times
 *    10^((−30 + 24·s)/20): −30 dB at s = 0 (inaudible under the factory), −6 dB at s = 1.
 *    They are rattle (bursts of impacts on loose high-frequency parts while the machine
 *    moves), clicks (sparse sharp impulses), bearing whine (a high tone with a slow FM
 *    wobble), friction (stick-slip squeal and scraping noise while moving) and leak hiss
 *    (steady high-passed noise).
 */

/** Relative level of an additive anomaly layer at severity s, in dB re the machine. */
export function anomalyLevelDb(severity: number): number {
  return -30 + 24 * severity;
}

/** Speed factor of the anomaly (1 for every kind but `changed-period`). */
export function anomalySpeedFactor(kind: AnomalyKind, severity: number, rng: Prng): number {
  if (kind !== 'changed-period') return 1;
  const sign = rng.next() < 0.5 ? -1 : 1;
  return 1 + sign * (0.05 + 0.15 * severity);
}

/** Pick times where the machine is active (motion > 0.3), falling back to any time. */
function activeTime(motion: Float64Array, sr: number, rng: Prng): number {
  for (let tries = 0; tries < 30; tries++) {
    const i = Math.floor(rng.next() * motion.length);
    if (motion[i]! > 0.3) return i / sr;
  }
  return rng.next() * (motion.length / sr);
}

function rattle(r: MachineRender, sr: number, rng: Prng): Float64Array {
  const n = r.signal.length;
  const excitation = new Float64Array(n);
  const bursts = Math.max(1, Math.round((n / sr) * rng.uniform(0.8, 2)));
  for (let b = 0; b < bursts; b++) {
    let t = activeTime(r.motion, sr, rng);
    const hits = rng.int(3, 8);
    for (let h = 0; h < hits; h++) {
      addImpulse(excitation, t, rng.uniform(0.3, 1), sr);
      t += rng.uniform(0.005, 0.02);
    }
  }
  return resonate(excitation, randomModes(3, 1500, 5000, 0.01, 0.04, rng), sr);
}

function clicks(r: MachineRender, sr: number, rng: Prng): Float64Array {
  const n = r.signal.length;
  const excitation = new Float64Array(n);
  const count = Math.max(1, Math.round((n / sr) * rng.uniform(1, 3)));
  for (let c = 0; c < count; c++) addImpulse(excitation, rng.next() * (n / sr), rng.uniform(0.5, 1), sr);
  return resonate(excitation, randomModes(2, 3000, 7000, 0.003, 0.01, rng), sr);
}

function bearingWhine(r: MachineRender, sr: number, rng: Prng): Float64Array {
  const n = r.signal.length;
  const hz = rng.uniform(2500, 5000);
  return harmonics(n, sr, hz, [1, 0.3], [0, rng.uniform(0, 6.28)], wander(n, 0.005, 3, sr, rng));
}

function friction(r: MachineRender, sr: number, rng: Prng): Float64Array {
  const n = r.signal.length;
  const scrape = resonate(gaussian(n, rng), randomModes(2, 800, 2500, 0.01, 0.03, rng), sr);
  const squeal = harmonics(n, sr, rng.uniform(900, 2000), [1, 0.5, 0.25], [0, 0, 0], wander(n, 0.01, 5, sr, rng));
  const scrapeRms = rms(scrape) || 1;
  const out = new Float64Array(n);
  // Stick-slip: the squeal switches on and off at a few Hz.
  const gateHz = rng.uniform(5, 15);
  let gate = rng.next() < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    if (rng.next() < gateHz / sr) gate = 1 - gate;
    out[i] = r.motion[i]! * (scrape[i]! / scrapeRms + 0.7 * gate * squeal[i]!);
  }
  return out;
}

function leakHiss(r: MachineRender, sr: number, rng: Prng): Float64Array {
  const x = gaussian(r.signal.length, rng);
  return highpassInPlace(highpassInPlace(x, 3000, sr), 3000, sr);
}

const ADDITIVE: Readonly<Partial<Record<AnomalyKind, (r: MachineRender, sr: number, rng: Prng) => Float64Array>>> = {
  rattle,
  clicks,
  'bearing-whine': bearingWhine,
  friction,
  'leak-hiss': leakHiss,
};

/**
 * The anomalous version of a render (a new signal; `render.signal` is left alone).
 * `changed-period` was applied when the machine was rendered, so it returns the signal as is.
 */
export function applyAnomaly(
  kind: AnomalyKind,
  severity: number,
  render: MachineRender,
  sr: number,
  rng: Prng,
): Float64Array {
  const x = Float64Array.from(render.signal);
  const ref = rms(x);
  const layerGain = ref * Math.pow(10, anomalyLevelDb(severity) / 20);
  if (kind === 'imbalance') {
    const w = (2 * Math.PI * render.rotationHz) / sr;
    const depth = 0.6 * severity;
    const phase = rng.uniform(0, 2 * Math.PI);
    const tones = harmonics(x.length, sr, render.rotationHz, [1, 0.5], [phase, 0]);
    const tonesGain = layerGain / (rms(tones) || 1);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * (1 + depth * Math.sin(w * i + phase)) + tonesGain * tones[i]!;
    return x;
  }
  const make = ADDITIVE[kind];
  if (!make) return x;
  const layer = make(render, sr, rng);
  const g = layerGain / (rms(layer) || 1);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + g * layer[i]!;
  return x;
}
