import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SOURCES_FILE, sourcesFileSchema, type SourcesFile } from '../eval/clip-sources';
import { byCodeUnit, displayPath, importInputError } from './import-error';

/**
 * A user folder may say where its clips come from in a `sources.json` at its root (the
 * clip-source contract, src/eval/clip-sources.ts; keys are the folder's own `<label>/<file>.wav`
 * paths). The import writes the same file into the dataset with the keys renamed to the
 * imported paths (a non-keyword folder's clips move to `_unknown_/<folder>_<file>.wav`), only
 * for clips that were imported, and only the engines those clips name — so evaluate can show
 * per-source accuracy and provenance (engine version, licence) of an imported measurement set.
 * No file in the folder → none in the dataset (evaluate then reads "one unknown source").
 */
export async function carrySources(
  root: string,
  display: string,
  clips: ReadonlyArray<{ readonly source: string; readonly out: string }>,
  outDir: string,
): Promise<void> {
  const path = join(root, SOURCES_FILE);
  if (!existsSync(path)) return;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw importInputError(`${displayPath(display, SOURCES_FILE)}: not JSON (${(e as Error).message})`);
  }
  const parsed = sourcesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw importInputError(
      `${displayPath(display, SOURCES_FILE)}: does not follow the sources.json format 1 (${issues.join('; ')})`,
    );
  }
  const src = parsed.data;
  const clipEntries: [string, SourcesFile['clips'][string]][] = [];
  for (const c of clips) {
    const s = src.clips[c.source];
    if (s === undefined) continue;
    if (src.engines[s.engine] === undefined) {
      throw importInputError(
        `${displayPath(display, SOURCES_FILE)}: clip "${c.source}" names engine "${s.engine}", which is not in "engines"`,
      );
    }
    clipEntries.push([c.out, s]);
  }
  clipEntries.sort(([a], [b]) => byCodeUnit(a, b));
  const used = [...new Set(clipEntries.map(([, s]) => s.engine))].sort(byCodeUnit);
  const out: SourcesFile = {
    format: 1,
    engines: Object.fromEntries(used.map((e) => [e, src.engines[e]!])),
    clips: Object.fromEntries(clipEntries),
  };
  await writeFile(join(outDir, SOURCES_FILE), JSON.stringify(out, null, 2) + '\n');
}
