import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../errors';

/**
 * The machine-sound dataset directory: the `dataset` artifact of `synth-machine` and of
 * `import-audio` with a machine layout, so the log-mel features stage reads either and
 * cannot tell them apart. MIMII layout plus a manifest:
 *
 *   <type>/<id>/normal/<name>.wav     16-bit PCM mono at sampleRate
 *   <type>/<id>/abnormal/<name>.wav
 *   machines.json                     this module's manifestSchema
 *
 * The manifest lists every clip (sorted by path) with its machine type and ID, condition,
 * split (train/validation clips are normal only; test and dev have both) and, when known, the
 * anomaly's name, severity and the recording conditions.
 */

export const MACHINE_MANIFEST = 'machines.json';
export const MACHINE_DATASET_FORMAT = 'tinyops-machine-dataset';

export const CONDITIONS = ['normal', 'abnormal'] as const;
export type Condition = (typeof CONDITIONS)[number];
/**
 * `dev`: normal and anomalous clips of the same machine IDs from their own random streams,
 * disjoint from `test`, for choosing a detector's settings without looking at test labels
 * (docs/anomaly-detection.md#dev-split).
 */
export const MACHINE_SPLITS = ['train', 'validation', 'test', 'dev'] as const;
export type MachineSplit = (typeof MACHINE_SPLITS)[number];

export const machineClipSchema = z.strictObject({
  /** `<type>/<id>/<condition>/<name>.wav`. */
  path: z.string().min(1),
  type: z.string().min(1),
  id: z.string().min(1),
  condition: z.enum(CONDITIONS),
  split: z.enum(MACHINE_SPLITS),
  /** Seconds of audio in the file. */
  durationS: z.number().positive(),
  anomaly: z.string().optional(),
  severity: z.number().optional(),
  /**
   * Recording conditions of a synthetic clip (speed, load, gainDb, snrDb, micDistance; since
   * synth-machine 2 also reflectionMs, reflectionGain, bgBrownShare, bgPinkShare, bgHumShare, humHz).
   */
  conditions: z.record(z.string(), z.number()).optional(),
  /** Where an imported clip came from (path in the user's folder). */
  source: z.string().optional(),
});
export type MachineClip = z.infer<typeof machineClipSchema>;

export const machineManifestSchema = z.strictObject({
  format: z.literal(MACHINE_DATASET_FORMAT),
  version: z.literal(1),
  generator: z.enum(['synth-machine', 'import-audio']),
  sampleRate: z.int().positive(),
  /** Machine types and their IDs, sorted. */
  machines: z.array(z.strictObject({ type: z.string(), ids: z.array(z.string()) })),
  /** Per type and ID: the physics numbers a synthetic machine was built with. */
  physics: z
    .record(z.string(), z.record(z.string(), z.record(z.string(), z.union([z.number(), z.array(z.number())]))))
    .optional(),
  clips: z.array(machineClipSchema),
});
export type MachineManifest = z.infer<typeof machineManifestSchema>;

export function machineClipPath(type: string, id: string, condition: Condition, name: string): string {
  return `${type}/${id}/${condition}/${name}`;
}

export function writeMachineManifest(dir: string, manifest: MachineManifest): void {
  writeFileSync(join(dir, MACHINE_MANIFEST), JSON.stringify(machineManifestSchema.parse(manifest), null, 1) + '\n');
}

/** Read and validate machines.json; StageInputError naming the file and the problem. */
export function readMachineManifest(dir: string): MachineManifest {
  const p = join(dir, MACHINE_MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new StageInputError(
      missing
        ? `${dir}: not a machine-sound dataset (no ${MACHINE_MANIFEST}); log-mel patches need the dataset of synth-machine or of import-audio with layout: mimii | dcase | auto`
        : `${p}: cannot read the machine dataset manifest (${(e as Error).message})`,
    );
  }
  const parsed = machineManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StageInputError(
      `${p}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
