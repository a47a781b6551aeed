import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStageContext } from '../../../activities/stage-context';
import { dnasStage } from '../../../activities/dnas';
import { trainStage } from '../../../activities/train';
import { trainAeStage } from '../../../activities/train-ae';
import { findInput, readableInputs } from '../../../src/stage/inputs';
import type { StageOutputs } from '../../../src/stage/stage-module';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { LocalStore } from '../../../src/store/local-store';

/**
 * A stage with declared `reads` sees only those upstream artifacts (the same view its cache
 * key is made of): the real createStageContext over a real local store.
 */
describe('readableInputs and the StageContext of a stage with reads', () => {
  let dir: string;
  let store: LocalStore;
  let inputs: Record<string, StageOutputs>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-reads-'));
    store = new LocalStore(path.join(dir, 'store'));
    const put = async (name: string, text: string): Promise<ArtifactRef> => ({
      name,
      mediaType: 'application/octet-stream',
      ...(await store.putBytes(Buffer.from(text))),
    });
    inputs = {
      features: {
        artifacts: [await put('train', 'train split'), await put('validation', 'val split'), await put('test', 'test')],
        metrics: { testClips: 12 },
      },
      dnas: { artifacts: [await put('architecture', '{}'), await put('search', '[]')], metrics: {} },
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const context = (reads: readonly string[] | undefined) =>
    createStageContext({
      pipelineName: 'p',
      stageName: 'train',
      runId: 'r',
      seed: 1,
      config: {},
      inputs,
      ...(reads !== undefined && { reads }),
      cacheKey: 'c'.repeat(64),
      store,
      stateDir: path.join(dir, 'state'),
      onProgress: () => undefined,
      onLog: () => undefined,
    });

  it('hides undeclared artifacts and upstream metrics, keeps every stage of needs: in order', async () => {
    const ctx = context(['train', 'validation', 'architecture']);
    expect(Object.keys(ctx.inputs)).toEqual(['features', 'dnas']);
    expect(ctx.inputs.features?.artifacts.map((a) => a.name)).toEqual(['train', 'validation']);
    expect(ctx.inputs.features?.metrics).toEqual({});
    expect(ctx.inputs.dnas?.artifacts.map((a) => a.name)).toEqual(['architecture']);
    expect(findInput(ctx, 'test')).toBeUndefined();
    expect(findInput(ctx, 'search')).toBeUndefined();
    // What is declared is read as before.
    const train = findInput(ctx, 'train');
    expect(train).toBe(inputs.features!.artifacts[0]);
    expect(fs.readFileSync(await ctx.fetchFile(train!), 'utf8')).toBe('train split');
  });

  it('without reads, the context holds every upstream artifact and metric (as before)', () => {
    const ctx = context(undefined);
    expect(ctx.inputs).toEqual(inputs);
    expect(findInput(ctx, 'test')).toBe(inputs.features!.artifacts[2]);
  });

  it('a declared name no upstream stage makes is simply absent', () => {
    expect(readableInputs(inputs, ['model'])).toEqual({
      features: { artifacts: [], metrics: {} },
      dnas: { artifacts: [], metrics: {} },
    });
  });

  it('the trainers declare the splits they read and not the test split', () => {
    expect(trainStage.reads).toEqual(['train', 'validation', 'architecture', 'model']);
    expect(dnasStage.reads).toEqual(['train', 'validation', 'dataset']);
    expect(trainAeStage.reads).toEqual(['train']);
    for (const m of [trainStage, dnasStage, trainAeStage]) expect(m.reads).not.toContain('test');
  });
});
