import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStageContext } from '../../../activities/stage-context';
import { composeKwsStage } from '../../../activities/compose-kws';
import { featuresStage } from '../../../activities/features';
import { importAudioStage } from '../../../activities/import-audio';
import { synthKwsStage } from '../../../activities/synth-kws';
import { synthMachineStage } from '../../../activities/synth-machine';
import type { AnyStageModule, StageOutputs } from '../../../src/stage/stage-module';
import { LocalStore } from '../../../src/store/local-store';
import { repoRoot } from '../../helpers/cli';
import { writeRecordedFolder } from '../compose/recorded-folder';

/**
 * Golden digests per stage kind (issue #15): each stage runs on a tiny fixed input and its
 * artifact digests are compared with test/fixtures/golden-digests.json, recorded together
 * with the stage's `version`. The cache key includes the version, not the code, so a change
 * that alters a stage's bytes without a version bump would serve stale cache entries:
 * this test fails on exactly that. After a deliberate change, bump the stage's `version` and
 * record the new digests:
 *
 *   TINYOPS_UPDATE_GOLDEN=1 npx jest dist/test/unit/golden
 *
 * Covered: the stages whose bytes are pure functions of config and inputs on any machine
 * (TypeScript DSP, espeak-ng at the Debian version setup installs). Not covered: `train`
 * (native TensorFlow kernels may round differently on another CPU; its determinism is tested
 * on one machine in test/unit/activities/train-stage.test.ts), and the stages downstream of a
 * trained model.
 */
const GOLDEN = join(repoRoot, 'test', 'fixtures', 'golden-digests.json');
const update = process.env.TINYOPS_UPDATE_GOLDEN === '1';

interface Golden {
  readonly kind: string;
  readonly version: number;
  readonly artifacts: Record<string, string>;
}

jest.setTimeout(300_000);

describe('golden digests per stage kind', () => {
  let root: string;
  let store: LocalStore;
  let n = 0;
  const recorded: Record<string, Golden> = existsSync(GOLDEN)
    ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Golden>)
    : {};
  const fresh: Record<string, Golden> = {};
  const outputs: Record<string, StageOutputs> = {};

  async function run(
    name: string,
    module: AnyStageModule,
    config: unknown,
    inputs: Record<string, StageOutputs> = {},
  ): Promise<StageOutputs> {
    const ctx = createStageContext({
      pipelineName: 'golden',
      stageName: name,
      runId: 'golden',
      seed: 11,
      config: module.configSchema.parse(config),
      inputs,
      cacheKey: String(n++).padStart(64, '0'),
      store,
      stateDir: join(root, 'state'),
      onProgress: () => undefined,
      onLog: () => undefined,
    });
    const out = await module.run(ctx);
    outputs[name] = out;
    fresh[name] = {
      kind: module.kind,
      version: module.version,
      artifacts: Object.fromEntries(out.artifacts.map((a) => [a.name, a.sha256])),
    };
    return out;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tinyops-golden-'));
    store = new LocalStore(join(root, 'store'));
    await writeRecordedFolder(join(root, 'folder'), { words: ['yes', 'no', 'bed'], takes: 1, backgrounds: true });
    const recordings = await run('recordings', importAudioStage, {
      path: join(root, 'folder'),
      keywords: ['yes', 'no'],
      keepBackgrounds: true,
    });
    await run('mfcc', featuresStage, { type: 'mfcc' }, { recordings });
    await run(
      'compose',
      composeKwsStage,
      {
        recordings: 'recordings',
        perKeyword: 6,
        streams: {
          count: 1,
          durationSec: 8,
          keywordsPerStream: [1, 2],
          negativesPerStream: [1, 1],
          backgroundDbfs: -50,
          minGapMs: 400,
        },
      },
      { recordings },
    );
    await run('synth', synthKwsStage, {
      keywords: ['yes', 'no'],
      negatives: ['bed', 'cat'],
      perKeyword: 4,
      voices: ['en-us', 'en-gb+m2'],
      testVoices: ['en-029+m2'],
      backgrounds: [{ type: 'pink' }],
      streams: { count: 1, durationSec: 6, keywordsPerStream: [1, 1], negativesPerStream: [1, 1] },
    });
    const machines = await run('machines', synthMachineStage, {
      machines: [{ type: 'fan', ids: 2 }],
      clipMs: 2000,
      clips: { train: 2, validation: 1, testNormal: 1, testAbnormal: 1 },
    });
    await run('logmel', featuresStage, { type: 'logmel' }, { machines });
    if (update) writeFileSync(GOLDEN, JSON.stringify({ ...recorded, ...fresh }, null, 2) + '\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const cases = ['recordings', 'mfcc', 'compose', 'synth', 'machines', 'logmel'];
  it.each(cases)('%s: same bytes as recorded for its stage version', (name) => {
    const now = fresh[name]!;
    const then = recorded[name];
    if (then === undefined || update) return; // first recording (the file is written above)
    if (then.version !== now.version) {
      throw new Error(
        `${now.kind} is now version ${now.version} (golden digests recorded at ${then.version}): record them again with TINYOPS_UPDATE_GOLDEN=1 npx jest dist/test/unit/golden`,
      );
    }
    if (JSON.stringify(then.artifacts) !== JSON.stringify(now.artifacts)) {
      throw new Error(
        `${now.kind} (version ${now.version}) now produces other bytes: ${JSON.stringify(now.artifacts)}, recorded ${JSON.stringify(then.artifacts)}. ` +
          `A stage whose output changes must bump its \`version\` (it is part of the cache key, the code is not); then record again with TINYOPS_UPDATE_GOLDEN=1 npx jest dist/test/unit/golden`,
      );
    }
  });

  it('has a recorded entry for every case (commit test/fixtures/golden-digests.json)', () => {
    for (const name of cases)
      expect({ name, recorded: recorded[name] !== undefined || update }).toEqual({ name, recorded: true });
  });
});
