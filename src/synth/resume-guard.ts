import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in a synth-kws work dir that names the render cache its clips were made from. */
export const RENDER_CACHE_MARKER = 'render-cache.json';

/**
 * A synth-kws work dir is keyed by stage name and cache key only (activities/stage-context.ts),
 * so a run that resumes it may use another TTS render cache than the attempt that left the
 * clips there (another `$TINYOPS_TTS_CACHE`, an emptied cache). For the deterministic engines
 * that changes nothing, but Piper's renders are not repeatable (src/synth/engines/neural.ts):
 * a dataset resumed across render caches mixes two sets of Piper renders and gets digests
 * that neither cache would give on its own. So: before resuming, compare the render cache
 * recorded in the work dir with this run's; if they differ, drop the `dirs` and start over.
 *
 * Returns true when the work dir was reset. A work dir without a marker (an older version,
 * or a fresh one) is taken as made from this run's cache.
 */
export async function resetWorkIfRenderCacheChanged(
  workDir: string,
  renderCacheRoot: string,
  dirs: readonly string[],
): Promise<boolean> {
  const marker = join(workDir, RENDER_CACHE_MARKER);
  const recorded = await readFile(marker, 'utf8')
    .then((s) => (JSON.parse(s) as { renderCache?: unknown }).renderCache)
    .catch(() => undefined);
  const moved = typeof recorded === 'string' && recorded !== renderCacheRoot;
  if (moved) await Promise.all(dirs.map((d) => rm(join(workDir, d), { recursive: true, force: true })));
  await mkdir(workDir, { recursive: true });
  await writeFile(marker, `${JSON.stringify({ renderCache: renderCacheRoot })}\n`);
  return moved;
}
