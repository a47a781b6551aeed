/**
 * The shipped recorded-speech pipeline and the test fixture validate against the real stage
 * registry (what `tinyops validate` checks), resolve compose-kws' defaults, and a path given
 * with --set reaches the import stage.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stageModules } from '../../../activities';
import { PipelineSpecError } from '../../../src/errors';
import { parsePipeline } from '../../../src/spec/load-pipeline';

const repoRoot = path.resolve(__dirname, '../../../..');
const load = (rel: string, overrides: string[] = []) =>
  parsePipeline(readFileSync(path.join(repoRoot, rel), 'utf8'), rel, { modules: stageModules, overrides });

describe('compose-kws pipelines', () => {
  for (const rel of ['pipelines/kws-recorded.yaml', 'test/fixtures/pipelines/tiny-kws-recorded.yaml']) {
    it(`${rel} validates and names its two dataset inputs`, () => {
      const p = load(rel, ['stages.recordings.with.path=/data/my-words']);
      const byName = new Map(p.stages.map((s) => [s.name, s]));
      expect(byName.get('recordings')?.config).toMatchObject({ path: '/data/my-words', keepBackgrounds: true });
      const data = byName.get('data')!;
      expect(data.kind).toBe('compose-kws');
      expect(data.needs).toEqual(['recordings', 'tts']);
      expect(data.config).toMatchObject({
        recordings: 'recordings',
        tts: 'tts',
        mix: { tts: 0.5 },
        speed: [0.9, 1.1],
        silentRecordings: 'error',
      });
    });
  }

  it('reports a mix without a tts stage at its line', () => {
    try {
      load('test/fixtures/pipelines/tiny-kws-recorded.yaml', ['stages.data.with.tts=null']);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineSpecError);
      expect((e as PipelineSpecError).message).toContain('stages.data.with.tts');
    }
  });
});
