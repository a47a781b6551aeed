/**
 * A user's recorded folder through the real CLI and a real Temporal dev server:
 * import-audio → synth-kws → compose-kws (mix.tts 0.5) → features → train → evaluate
 * (test/fixtures/pipelines/tiny-kws-recorded.yaml, folder given with --set as a user would),
 * then a rerun that is all cache hits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { digests, parseRunJson, repoRoot, runCli } from '../helpers/cli';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { writeRecordedFolder } from '../unit/compose/recorded-folder';

const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws-recorded.yaml');
jest.setTimeout(300_000);

describe('tinyops run with compose-kws (recorded folder)', () => {
  let temporal: TestTemporal;
  let home: string;

  beforeAll(async () => {
    temporal = await startTestTemporal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-compose-'));
    await writeRecordedFolder(path.join(home, 'folder'), {
      words: ['yes', 'no', 'bed', 'cat'],
      takes: 2,
      backgrounds: true,
    });
  });
  afterAll(async () => {
    await temporal.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs every stage, composes from every split, and a rerun is cached', async () => {
    const env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state') };
    const args = [
      'run',
      pipeline,
      '--json',
      '--store',
      path.join(home, 'store'),
      '--set',
      `stages.recordings.with.path=${path.join(home, 'folder')}`,
    ];
    const r = await runCli([...args, '--queue', `q-${process.pid}-a`], env);
    if (r.code !== 0) throw new Error(`run failed (${r.code}):\n${r.stderr}`);
    const first = parseRunJson(r.stdout);
    expect(first.status).toBe('completed');
    expect(Object.values(first.stages).map((s) => s.status)).toEqual(['ran', 'ran', 'ran', 'ran', 'ran', 'ran']);
    expect(first.stages.data?.artifacts.map((a) => a.name)).toEqual(['dataset', 'streams']);
    // 4 classes × 20 clips, half of each split from TTS; one speaker each in validation and test.
    expect(first.stages.data?.metrics).toMatchObject({
      clips: 80,
      ttsClips: 40,
      composedClips: 40,
      trainSpeakers: 3,
      validationSpeakers: 1,
      testSpeakers: 1,
    });
    expect(first.stages.evaluate?.metrics).toEqual(
      expect.objectContaining({ accuracy: expect.any(Number), eventFrr: expect.any(Number) }),
    );

    const again = parseRunJson((await runCli([...args, '--queue', `q-${process.pid}-b`], env)).stdout);
    expect(Object.values(again.stages).map((s) => s.status)).toEqual([
      'cached',
      'cached',
      'cached',
      'cached',
      'cached',
      'cached',
    ]);
    expect(digests(again)).toEqual(digests(first));
  });
});
