import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toolVersion } from '../util/tool-versions';
import { INSN_PLUGIN_SOURCE } from './firmware-paths';

export interface FirmwareToolVersions {
  readonly 'arm-none-eabi-gcc': string;
  readonly 'qemu-system-arm': string;
  readonly gcc: string;
  /** sha256 (16 hex) of the plugin source: a plugin change changes the measured counts. */
  readonly 'insn-plugin': string;
}

/**
 * Versions that change a deploy's bytes or measurements (docs/architecture.md#cache-key: tool versions are part
 * of the cache key): first line of each tool's --version (cached per process by toolVersion).
 */
export async function firmwareToolVersions(): Promise<FirmwareToolVersions> {
  const [armGcc, qemu, gcc, plugin] = await Promise.all([
    toolVersion('arm-none-eabi-gcc'),
    toolVersion('qemu-system-arm'),
    toolVersion('gcc'),
    readFile(INSN_PLUGIN_SOURCE).then((b) => createHash('sha256').update(b).digest('hex').slice(0, 16)),
  ]);
  return { 'arm-none-eabi-gcc': armGcc, 'qemu-system-arm': qemu, gcc, 'insn-plugin': plugin };
}
