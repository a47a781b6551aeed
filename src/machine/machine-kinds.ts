/**
 * Names of the synthetic machine types and anomaly generators (the vocabulary of the
 * `synth-machine` stage's config and of the clip metadata).
 *
 * Machine types use the MIMII / DCASE 2020 task 2 folder names (`slider` is MIMII's slide
 * rail, the machine of MicroNets §4.3), so a pipeline written for synthetic data names the
 * same folders as one run on the real recordings.
 */
export const MACHINE_TYPES = ['slider', 'fan', 'pump', 'valve'] as const;
export type MachineType = (typeof MACHINE_TYPES)[number];

export const ANOMALY_KINDS = [
  'rattle',
  'clicks',
  'bearing-whine',
  'imbalance',
  'changed-period',
  'friction',
  'leak-hiss',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Faults that plausibly occur on each machine type (the default `anomalies:` of a type). */
export const DEFAULT_ANOMALIES: Readonly<Record<MachineType, readonly AnomalyKind[]>> = {
  slider: ['rattle', 'friction', 'changed-period', 'clicks'],
  fan: ['imbalance', 'bearing-whine', 'rattle', 'clicks'],
  pump: ['leak-hiss', 'imbalance', 'clicks', 'bearing-whine'],
  valve: ['leak-hiss', 'changed-period', 'clicks', 'rattle'],
};

/** `id_00`, `id_01`, ...: MIMII's machine ID folder names. */
export function machineIdName(index: number): string {
  return `id_${String(index).padStart(2, '0')}`;
}
