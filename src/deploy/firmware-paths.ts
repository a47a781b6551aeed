import * as path from 'node:path';
import { installDir } from '../project';

/** firmware/ in the tinyops installation (C kernels, start-up, plugin source). */
export const FIRMWARE_DIR = path.join(installDir, 'firmware');
export const FIRMWARE_INCLUDE_DIR = path.join(FIRMWARE_DIR, 'include');
export const STARTUP_SOURCE = path.join(FIRMWARE_DIR, 'boards', 'cortex-m', 'tops_startup.c');
export const INSN_PLUGIN_SOURCE = path.join(FIRMWARE_DIR, 'tools', 'qemu-insn-plugin', 'insn_count.c');

/** Kernel sources of one variant (docs/firmware.md#ref-vs-dsp). */
export function kernelDir(variant: 'ref' | 'dsp'): string {
  return path.join(FIRMWARE_DIR, 'kernels', variant);
}
