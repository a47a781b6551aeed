import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeWav16 } from '../audio/wav';
import type { RngFor } from '../synth/rng-for';
import { MACHINE_GENERATORS } from './generators';
import type { SynthMachineConfig } from './machine-config';
import {
  machineClipPath,
  writeMachineManifest,
  type Condition,
  type MachineClip,
  type MachineSplit,
} from './machine-dataset';
import { makeMachineClip } from './machine-clip';
import { blendPhysics, type PhysicsNumbers } from './machine-generator';
import { DEFAULT_ANOMALIES, machineIdName, type AnomalyKind, type MachineType } from './machine-kinds';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * The synth-machine dataset (MIMII-like layout, machine-dataset.ts): for every machine type
 * and ID, `clips.train` + `clips.validation` normal clips, `clips.testNormal` normal and
 * `clips.testAbnormal` anomalous test clips. Anomalous clip k of an ID uses fault
 * k mod (number of the type's faults), so every fault is represented evenly.
 *
 * Machine IDs of a type are units of one design (rngFor('physics', type, 'design')), each
 * `idSpread` of the way towards its own draw (blendPhysics, machine-generator.ts).
 *
 * Reproducibility: an ID's physics come from rngFor('physics', type, id) and a clip's
 * draws from rngFor('clip', type, id, split, condition, index, part), so a clip's bytes
 * depend only on the seed, the stage name and the config values that shape that clip
 * (adding IDs or clips does not change existing ones).
 *
 * The `dev` split (clips.devNormal / devAbnormal) is more of the same machines: its clips draw
 * from streams keyed by split 'dev', so no dev clip shares a random draw with a test clip, and
 * adding dev clips leaves train / validation / test byte-identical.
 */

/**
 * Bump when the same config would produce different bytes (the stage version). 2: machines.json
 * records each clip's reflection and background mix (the audio is unchanged).
 */
export const SYNTH_MACHINE_VERSION = 2;

interface PlannedClip {
  readonly type: MachineType;
  readonly idIndex: number;
  readonly split: MachineSplit;
  readonly condition: Condition;
  readonly index: number;
  readonly anomaly?: AnomalyKind;
}

export interface MachineDatasetSummary {
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testNormalClips: number;
  readonly testAbnormalClips: number;
  readonly devNormalClips: number;
  readonly devAbnormalClips: number;
  readonly machineIds: number;
}

function plan(config: SynthMachineConfig): PlannedClip[] {
  const out: PlannedClip[] = [];
  for (const m of config.machines) {
    const faults = m.anomalies ?? DEFAULT_ANOMALIES[m.type];
    for (let idIndex = 0; idIndex < m.ids; idIndex++) {
      const add = (split: MachineSplit, condition: Condition, count: number): void => {
        for (let index = 0; index < count; index++) {
          out.push({
            type: m.type,
            idIndex,
            split,
            condition,
            index,
            ...(condition === 'abnormal' ? { anomaly: faults[index % faults.length]! } : {}),
          });
        }
      };
      add('train', 'normal', config.clips.train);
      add('validation', 'normal', config.clips.validation);
      add('test', 'normal', config.clips.testNormal);
      add('test', 'abnormal', config.clips.testAbnormal);
      add('dev', 'normal', config.clips.devNormal);
      add('dev', 'abnormal', config.clips.devAbnormal);
    }
  }
  return out;
}

function fileName(c: PlannedClip): string {
  const stem = `${c.split}_${String(c.index).padStart(4, '0')}`;
  return c.anomaly ? `${stem}_${c.anomaly}.wav` : `${stem}.wav`;
}

export async function generateMachineDataset(
  config: SynthMachineConfig,
  outDir: string,
  rngFor: RngFor,
  onProgress?: (done: number, total: number) => void,
): Promise<MachineDatasetSummary> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const samples = Math.round((config.clipMs / 1000) * config.sampleRate);
  const physics: Record<string, Record<string, PhysicsNumbers>> = {};
  for (const m of config.machines) {
    physics[m.type] = {};
    const g = MACHINE_GENERATORS[m.type];
    const design = g.drawPhysics(rngFor('physics', m.type, 'design'));
    for (let i = 0; i < m.ids; i++)
      physics[m.type]![machineIdName(i)] = blendPhysics(
        design,
        g.drawPhysics(rngFor('physics', m.type, i)),
        config.idSpread,
      );
  }

  const planned = plan(config);
  const clips: MachineClip[] = [];
  onProgress?.(0, planned.length);
  for (const [k, c] of planned.entries()) {
    const id = machineIdName(c.idIndex);
    const severity = c.anomaly
      ? Math.round(
          // Test keeps its original key (its clips stay byte-identical); dev draws from its own.
          (c.split === 'test'
            ? rngFor('severity', c.type, c.idIndex, c.index)
            : rngFor('severity', c.type, c.idIndex, c.split, c.index)
          ).uniform(config.severity.min, config.severity.max) * 1e4,
        ) / 1e4
      : undefined;
    const result = makeMachineClip(
      {
        generator: MACHINE_GENERATORS[c.type],
        physics: physics[c.type]![id]!,
        sampleRate: config.sampleRate,
        samples,
        ...(c.anomaly ? { anomaly: c.anomaly, severity } : {}),
        snrDb: config.snrDb,
        variation: config.variation,
      },
      (part) => rngFor('clip', c.type, c.idIndex, c.split, c.condition, c.index, part),
    );
    const path = machineClipPath(c.type, id, c.condition, fileName(c));
    const file = join(outDir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, encodeWav16(result.samples, config.sampleRate));
    await rename(`${file}.tmp`, file);
    clips.push({
      path,
      type: c.type,
      id,
      condition: c.condition,
      split: c.split,
      durationS: samples / config.sampleRate,
      ...(c.anomaly ? { anomaly: c.anomaly, severity } : {}),
      conditions: result.conditions,
    });
    onProgress?.(k + 1, planned.length);
    if (k % 8 === 7) await yieldToEventLoop(); // let heartbeats out
  }
  clips.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  writeMachineManifest(outDir, {
    format: 'tinyops-machine-dataset',
    version: 1,
    generator: 'synth-machine',
    sampleRate: config.sampleRate,
    machines: config.machines.map((m) => ({
      type: m.type,
      ids: Array.from({ length: m.ids }, (_, i) => machineIdName(i)),
    })),
    physics: physics as Record<string, Record<string, Record<string, number | number[]>>>,
    clips,
  });
  const count = (split: MachineSplit, condition: Condition): number =>
    clips.filter((c) => c.split === split && c.condition === condition).length;
  return {
    clips: clips.length,
    trainClips: count('train', 'normal'),
    validationClips: count('validation', 'normal'),
    testNormalClips: count('test', 'normal'),
    testAbnormalClips: count('test', 'abnormal'),
    devNormalClips: count('dev', 'normal'),
    devAbnormalClips: count('dev', 'abnormal'),
    machineIds: config.machines.reduce((n, m) => n + m.ids, 0),
  };
}
