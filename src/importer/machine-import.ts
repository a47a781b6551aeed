import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeWav16 } from '../audio/wav';
import { writeMachineManifest, type MachineClip } from '../machine/machine-dataset';
import { loadAudio } from './clip-audio';
import { assertDirectory } from './folder-scan';
import { displayPath } from './import-error';
import { detectMachineLayout, scanMachineFolder, type MachineLayout } from './machine-folder';

/**
 * Import a folder of machine sounds (MIMII or DCASE layout, machine-folder.ts) as the
 * machine dataset synth-machine makes (src/machine/machine-dataset.ts): PCM16 mono at
 * `sampleRate` (resampled and mixed down as the KWS import does, clip-audio.ts), clip
 * length kept, manifest with each clip's type, ID, condition, split and source. A corrupt
 * or unsupported WAV is a StageInputError naming the file. Output bytes are a pure
 * function of the folder's bytes and the options.
 */

export interface MachineImportOptions {
  readonly layout: MachineLayout | 'auto';
  readonly sampleRate: number;
  /** Fraction of training normals held out as validation. */
  readonly validation: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface MachineImportSummary {
  readonly layout: MachineLayout;
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testNormalClips: number;
  readonly testAbnormalClips: number;
  readonly machineTypes: number;
  readonly machineIds: number;
  readonly converted: number;
  readonly resampled: number;
  readonly mixedDown: number;
  readonly ignoredFiles: number;
}

export async function importMachineFolder(
  root: string,
  display: string,
  outDir: string,
  o: MachineImportOptions,
): Promise<MachineImportSummary> {
  await assertDirectory(root, display);
  const layout = o.layout === 'auto' ? await detectMachineLayout(root, display) : o.layout;
  const scan = await scanMachineFolder(root, display, layout, o.validation);
  await rm(outDir, { recursive: true, force: true });
  const clips: MachineClip[] = [];
  let converted = 0;
  let resampled = 0;
  let mixedDown = 0;
  o.onProgress?.(0, scan.clips.length);
  for (const [i, c] of scan.clips.entries()) {
    const audio = await loadAudio(join(root, c.source), displayPath(display, c.source), o.sampleRate);
    if (audio.resampled || audio.mixedDown || audio.requantized) converted++;
    if (audio.resampled) resampled++;
    if (audio.mixedDown) mixedDown++;
    const file = join(outDir, c.out);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, encodeWav16(audio.samples, o.sampleRate));
    clips.push({
      path: c.out,
      type: c.type,
      id: c.id,
      condition: c.condition,
      split: c.split,
      durationS: audio.samples.length / o.sampleRate,
      source: c.source,
    });
    o.onProgress?.(i + 1, scan.clips.length);
  }
  writeMachineManifest(outDir, {
    format: 'tinyops-machine-dataset',
    version: 1,
    generator: 'import-audio',
    sampleRate: o.sampleRate,
    machines: scan.machines.map((m) => ({ type: m.type, ids: [...m.ids] })),
    clips,
  });
  const count = (split: string, condition: string): number =>
    clips.filter((c) => c.split === split && c.condition === condition).length;
  return {
    layout,
    clips: clips.length,
    trainClips: count('train', 'normal'),
    validationClips: count('validation', 'normal'),
    testNormalClips: count('test', 'normal'),
    testAbnormalClips: count('test', 'abnormal'),
    machineTypes: scan.machines.length,
    machineIds: scan.machines.reduce((n, m) => n + m.ids.length, 0),
    converted,
    resampled,
    mixedDown,
    ignoredFiles: scan.ignored.length,
  };
}
