/**
 * Builds the generated model (model-c.ts) with the firmware kernels and the model harness
 * (firmware/harness/tops_model_main.c) for the host, runs it on int8 vectors, and reads back
 * outputs and the per-layer dump of vector 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kernelSources, type KernelVariant } from '../../src/codegen/kernel-variants';
import { emitModelC, type ModelC, type ModelCOptions } from '../../src/codegen/model-c';
import type { IntModel } from '../../src/quant/int-model';
import { HOST_CFLAGS, REPO_ROOT } from './firmware-build';

const FIRMWARE = path.join(REPO_ROOT, 'firmware');

/** Writes generated tops_model.{h,c} into a fresh temp dir (its name starts with `prefix`); returns the dir. */
export function writeEmittedModel(c: ModelC, prefix = 'tops-model-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeFileSync(path.join(dir, 'tops_model.h'), c.header);
  writeFileSync(path.join(dir, 'tops_model.c'), c.source);
  return dir;
}

/** Writes tops_model.{h,c} into a fresh dir; returns the dir. */
export function writeModelSources(model: IntModel, opts: ModelCOptions = {}): string {
  return writeEmittedModel(emitModelC(model, opts));
}

/** The model in `dir` with the model harness and the `variant` kernels (plus `extraSources`, e.g. the DMA runtime). */
export function buildHostModel(
  dir: string,
  variant: KernelVariant = 'ref',
  extraSources: readonly string[] = [],
): string {
  const exe = path.join(dir, `model_host_${variant}`);
  execFileSync(
    'gcc',
    [
      ...HOST_CFLAGS,
      '-DTOPS_HOST_BUILD',
      `-I${dir}`,
      `-I${path.join(FIRMWARE, 'include')}`,
      path.join(dir, 'tops_model.c'),
      path.join(FIRMWARE, 'harness', 'tops_model_main.c'),
      ...extraSources,
      ...kernelSources(variant),
      '-o',
      exe,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return exe;
}

export interface ModelRun {
  readonly stdout: string;
  readonly status: number | null;
  readonly outputs: Int8Array;
  readonly layers: Int8Array;
}

/** Runs the host harness in `dir` on the concatenated int8 inputs. */
export function runHostModel(exe: string, dir: string, inputs: Int8Array): ModelRun {
  writeFileSync(path.join(dir, 'vectors.bin'), Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
  const r = spawnSync(exe, [], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const read = (f: string) => {
    const b = readFileSync(path.join(dir, f));
    return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  return { stdout: r.stdout, status: r.status, outputs: read('outputs.bin'), layers: read('layers.bin') };
}
