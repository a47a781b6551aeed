import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StageInputError } from '../errors';
import { byCodeUnit } from './import-error';

/**
 * A cheap fingerprint of a folder's contents, for the import-audio cache key: the stage's
 * config names the folder, not its contents, so without this a changed folder would hit
 * the cache and silently reuse the old import.
 *
 * It hashes metadata only — every entry's relative path (sorted, `/`-separated), and for
 * files the size and modification time in nanoseconds — so it costs one stat per file
 * (no file is read). Consequences:
 *   - any added, removed, renamed, resized or rewritten file changes it;
 *   - a copy or fresh checkout of identical files usually changes it too (new mtimes):
 *     a needless cache miss, after which the import gives identical bytes;
 *   - a content change that keeps both size and mtime (e.g. `touch -r` after editing)
 *     is NOT seen. Delete the cache entry or change the config to force a re-import.
 * Symlinks are followed (the content behind them is what gets imported).
 */

const FORMAT = 'tinyops-folder-fingerprint-v1';

async function walk(root: string, rel: string, lines: string[]): Promise<void> {
  const dir = rel === '' ? root : join(root, rel);
  const names = (await readdir(dir)).sort(byCodeUnit);
  const stats = await Promise.all(
    names.map((n) => stat(join(dir, n), { bigint: true }).catch(() => undefined)), // broken symlink: listed, no stats
  );
  for (let i = 0; i < names.length; i++) {
    const path = rel === '' ? names[i]! : `${rel}/${names[i]!}`;
    const s = stats[i];
    if (s?.isDirectory()) {
      lines.push(`d ${path}`);
      await walk(root, path, lines);
    } else if (s) {
      lines.push(`f ${path} ${s.size} ${s.mtimeNs}`);
    } else {
      lines.push(`? ${path}`);
    }
  }
}

/** sha256 (hex) over the folder's sorted paths, sizes and mtimes. Throws StageInputError if `path` is not a readable directory. */
export async function fingerprintFolder(path: string): Promise<string> {
  const lines: string[] = [FORMAT];
  try {
    if (!(await stat(path)).isDirectory()) throw new StageInputError(`${path}: not a directory`);
    await walk(path, '', lines);
  } catch (e) {
    if (e instanceof StageInputError) throw e;
    throw new StageInputError(`${path}: cannot fingerprint folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const h = createHash('sha256');
  // A path may contain a space but never a NUL, so NUL separates entries unambiguously.
  for (const line of lines) h.update(line).update('\0');
  return h.digest('hex');
}

/**
 * The same metadata fingerprint for individual files (e.g. background WAVs named in a
 * synth-kws config). Never throws: an unreadable file contributes `? path`, so the stage
 * itself reports the problem when it runs.
 */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const h = createHash('sha256').update(`${FORMAT}-files`).update('\0');
  for (const p of [...paths].sort(byCodeUnit)) {
    const s = await stat(p, { bigint: true }).catch(() => undefined);
    h.update(s ? `f ${p} ${s.size} ${s.mtimeNs}` : `? ${p}`).update('\0');
  }
  return h.digest('hex');
}
