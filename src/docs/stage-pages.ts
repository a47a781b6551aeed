/**
 * docs/stages/<kind>.md: one page per stage kind. The prose is written by hand; the config
 * table between the markers is generated from the module's zod schema (config-table.ts),
 * and a test fails when a page is missing or its table is stale.
 */
import type { AnyStageModule } from '../stage/stage-module';
import { renderConfigTable } from './config-table';

export const TABLE_BEGIN =
  '<!-- config-table:begin — generated from the zod schema by `node dist/src/docs/write-stage-pages.js`; do not edit -->';
export const TABLE_END = '<!-- config-table:end -->';

export function stagePagePath(kind: string): string {
  return `docs/stages/${kind}.md`;
}

/** The generated block, markers included. */
export function configBlock(module: AnyStageModule): string {
  return `${TABLE_BEGIN}\n${renderConfigTable(module.configSchema)}\n${TABLE_END}`;
}

/** A new page for a kind that has none: title, description, where the code is, the table. */
export function newStagePage(module: AnyStageModule): string {
  return [
    `# Stage \`${module.kind}\``,
    '',
    `${module.description}`,
    '',
    `Code: \`activities/${module.kind}.ts\`.`,
    '',
    '## Config (`with:`)',
    '',
    configBlock(module),
    '',
  ].join('\n');
}

/**
 * The page with its generated block replaced (or, when it has none yet, appended under a
 * "Config reference" heading). Returns the text unchanged when it is already current.
 */
export function updateStagePage(text: string, module: AnyStageModule): string {
  const begin = text.indexOf(TABLE_BEGIN.slice(0, TABLE_BEGIN.indexOf(' —')));
  const end = text.indexOf(TABLE_END);
  if (begin >= 0 && end > begin) return text.slice(0, begin) + configBlock(module) + text.slice(end + TABLE_END.length);
  return `${text.replace(/\n*$/, '\n')}\n## Config reference (\`with:\`)\n\n${configBlock(module)}\n`;
}
