import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { findProjectDir, stateDir } from '../project';
import { execTool } from './exec-tool';
import { INSN_PLUGIN_SOURCE } from './firmware-paths';

/** Host gcc flags for the plugin; part of the cache key, so changing them rebuilds it. */
const PLUGIN_CFLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden'];

/** `.tinyops/cache/qemu-plugin` of the current project. */
export function defaultPluginCacheDir(): string {
  return path.join(stateDir(findProjectDir()), 'cache', 'qemu-plugin');
}

const building = new Map<string, Promise<string>>();

/**
 * Path of the instruction-count plugin (firmware/tools/qemu-insn-plugin/insn_count.c) built
 * as a shared object with the host gcc. Built lazily, once per source + flags hash, into the
 * cache dir (atomic rename, so concurrent builders never see half a file). Needs nothing but
 * gcc: the plugin declares the QEMU API it uses itself.
 */
export async function ensureInsnPlugin(cacheDir: string = defaultPluginCacheDir()): Promise<string> {
  const source = await readFile(INSN_PLUGIN_SOURCE);
  const key = createHash('sha256').update(source).update(PLUGIN_CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const soPath = path.join(cacheDir, `insn_count-${key}.so`);
  if (existsSync(soPath)) return soPath;
  let pending = building.get(soPath);
  if (pending === undefined) {
    pending = (async () => {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${soPath}.${process.pid}.${Date.now()}.tmp`;
      const r = await execTool('gcc', [...PLUGIN_CFLAGS, INSN_PLUGIN_SOURCE, '-o', tmp]);
      if (r.code !== 0) {
        await rm(tmp, { force: true });
        throw new Error(`building the QEMU plugin ${INSN_PLUGIN_SOURCE} failed:\n${r.stderr}`);
      }
      await rename(tmp, soPath);
      return soPath;
    })().finally(() => building.delete(soPath));
    building.set(soPath, pending);
  }
  return pending;
}
