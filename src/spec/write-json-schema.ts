/**
 * Writes pipelines/tinyops.schema.json from the real stage registry (run by `npm run build`).
 * `--check` only compares and exits 1 when the file is stale, so CI keeps it true.
 *
 *   node dist/src/spec/write-json-schema.js [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stageModules } from '../../activities';
import type { AnyStageModule } from '../stage/stage-module';
import { renderPipelineJsonSchema } from './json-schema';

/** From dist/src/spec/ up to the repository root. */
const SCHEMA_FILE = path.resolve(__dirname, '../../../pipelines/tinyops.schema.json');

/** Write (or with `check`, compare) `file`; returns the process exit code. */
export function writeJsonSchema(modules: readonly AnyStageModule[], file: string, check: boolean): number {
  const wanted = renderPipelineJsonSchema(modules);
  const shown = path.relative(process.cwd(), file) || file;
  if (check) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === wanted) return 0;
    process.stderr.write(
      `${shown} is ${current === undefined ? 'missing' : 'out of date'}: run \`node dist/src/spec/write-json-schema.js\` (part of \`npm run build\`) and commit it\n`,
    );
    return 1;
  }
  writeFileSync(file, wanted);
  process.stdout.write(`wrote ${shown}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = writeJsonSchema(stageModules, SCHEMA_FILE, process.argv.slice(2).includes('--check'));
}
