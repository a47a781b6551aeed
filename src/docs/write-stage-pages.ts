/**
 * Regenerate the config tables of docs/stages/<kind>.md from the stage modules' zod
 * schemas, creating a page for a kind that has none. `--check` writes nothing and exits 1,
 * naming the pages, when any page is missing or stale (the test does the same).
 *
 *   node dist/src/docs/write-stage-pages.js [--check]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stageModules } from '../../activities/index';
import type { AnyStageModule } from '../stage/stage-module';
import { installDir } from '../project';
import { newStagePage, stagePagePath, updateStagePage } from './stage-pages';

/** Pages whose text differs from what the generator makes: path → wanted text. */
export function stalePages(modules: readonly AnyStageModule[], root: string = installDir): Map<string, string> {
  const stale = new Map<string, string>();
  for (const m of modules) {
    const file = stagePagePath(m.kind);
    const abs = path.join(root, file);
    const current = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : undefined;
    const wanted = current === undefined ? newStagePage(m) : updateStagePage(current, m);
    if (wanted !== current) stale.set(file, wanted);
  }
  return stale;
}

function main(): void {
  const check = process.argv.includes('--check');
  const stale = stalePages(stageModules);
  if (check) {
    if (stale.size === 0) return;
    console.error(
      `stage pages out of date (run node dist/src/docs/write-stage-pages.js): ${[...stale.keys()].join(', ')}`,
    );
    process.exit(1);
  }
  for (const [file, text] of stale) {
    fs.mkdirSync(path.dirname(path.join(installDir, file)), { recursive: true });
    fs.writeFileSync(path.join(installDir, file), text);
    console.log(`wrote ${file}`);
  }
}

if (require.main === module) main();
