import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { stageModules } from '../../../activities/index';
import { renderConfigTable } from '../../../src/docs/config-table';
import { newStagePage, TABLE_END, updateStagePage } from '../../../src/docs/stage-pages';
import { stalePages } from '../../../src/docs/write-stage-pages';
import type { AnyStageModule } from '../../../src/stage/stage-module';

const toy = (schema: z.ZodType): AnyStageModule =>
  ({
    kind: 'toy',
    version: 1,
    description: 'A toy stage.',
    configSchema: schema,
    run: async () => ({ artifacts: [], metrics: {}, summary: '' }),
  }) as AnyStageModule;

describe('docs/stages pages', () => {
  it('every stage kind has a page whose config table matches its zod schema', () => {
    // On failure: node dist/src/docs/write-stage-pages.js, then review and commit docs/stages/.
    expect([...stalePages(stageModules).keys()]).toEqual([]);
  });

  it('renders keys, types, defaults and descriptions, nested keys dotted', () => {
    const t = renderConfigTable(
      z.strictObject({
        level: z.number().min(0).max(1).default(0.5).meta({ description: 'How loud.' }),
        mode: z.enum(['a', 'b']).default('a'),
        name: z.string(),
        inner: z.strictObject({ n: z.int().min(1).default(3) }).prefault({}),
      }),
    );
    expect(t.split('\n')).toEqual([
      '| key | type | default | description |',
      '|---|---|---|---|',
      '| `level` | number ≥ 0, ≤ 1 | `0.5` | How loud. |',
      '| `mode` | "a" \\| "b" | `"a"` |  |',
      '| `name` | string | (required) |  |',
      '| `inner.n` | integer ≥ 1 | `3` |  |',
    ]);
  });

  it('detects a missing page and a stale table, and leaves prose alone', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stage-pages-'));
    const v1 = toy(z.strictObject({ a: z.number().default(1) }));
    expect([...stalePages([v1], root).keys()]).toEqual(['docs/stages/toy.md']);

    fs.mkdirSync(path.join(root, 'docs/stages'), { recursive: true });
    const page = `${newStagePage(v1)}\nHand-written notes after the table.\n`;
    fs.writeFileSync(path.join(root, 'docs/stages/toy.md'), page);
    expect(stalePages([v1], root).size).toBe(0);

    const v2 = toy(z.strictObject({ a: z.number().default(2) }));
    const wanted = stalePages([v2], root).get('docs/stages/toy.md');
    expect(wanted).toContain('| `a` | number | `2` |  |');
    expect(wanted).toContain('Hand-written notes after the table.');
    expect(updateStagePage(wanted as string, v2)).toBe(wanted);
  });

  it('adds a generated block to a page that has none', () => {
    const out = updateStagePage('# Stage `toy`\n\nProse.\n', toy(z.strictObject({ b: z.boolean().default(false) })));
    expect(out).toMatch(/^# Stage `toy`\n\nProse.\n\n## Config reference \(`with:`\)\n\n<!-- config-table:begin/);
    expect(out.trimEnd().endsWith(TABLE_END)).toBe(true);
  });
});
