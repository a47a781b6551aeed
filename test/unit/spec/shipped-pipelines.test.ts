import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { stageModules } from '../../../activities';
import { boardNames } from '../../../src/boards/registry';
import { loadPipelineFile } from '../../../src/spec/load-pipeline';
import { repoRoot } from './helpers';

/** Every pipeline shipped in pipelines/ loads against the real stage registry and board list. */
describe('shipped pipelines', () => {
  const files = readdirSync(path.join(repoRoot, 'pipelines')).filter((f) => f.endsWith('.yaml'));
  it('include the quick start and the full keyword spotter', () => {
    expect(files).toEqual(expect.arrayContaining(['kws.yaml', 'quickstart.yaml', 'ad.yaml']));
  });
  it.each(files)('%s is valid', (file) => {
    const p = loadPipelineFile(path.join(repoRoot, 'pipelines', file), { modules: stageModules, boards: boardNames });
    expect(p.stages.length).toBeGreaterThan(1);
  });
});
