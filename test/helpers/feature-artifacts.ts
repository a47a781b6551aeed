import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStageContext } from '../../activities/stage-context';
import { writeFeatureTensor } from '../../src/dsp/feature-tensor';
import type { StageContext, StageProgress } from '../../src/stage/stage-module';
import type { ArtifactRef } from '../../src/store/artifact-store';
import { LocalStore } from '../../src/store/local-store';
import { syntheticData } from '../unit/nn/synthetic-data';

/**
 * Seeded synthetic 20×10 train / validation feature tensors of four KWS labels, written to
 * `dir` and put in `store`: the `features` artifacts a train or dnas stage reads.
 */
export async function storeSyntheticFeatures(
  store: LocalStore,
  dir: string,
  sizes: { n: number; nVal: number },
): Promise<ArtifactRef[]> {
  const data = syntheticData({ ...sizes, shape: [20, 10], numClasses: 4 });
  const labels = ['_silence_', '_unknown_', 'yes', 'no'];
  const refs: ArtifactRef[] = [];
  for (const [name, set] of [
    ['train', data.train],
    ['validation', data.validation],
  ] as const) {
    const file = path.join(dir, `${name}.feat`);
    writeFeatureTensor(
      file,
      {
        shape: [set.n, 20, 10],
        split: name,
        labels,
        frontEnd: {},
        labelIndex: [...set.y],
        clips: [...set.y].map((_, i) => `c${i}.wav`),
      },
      set.x,
    );
    const ref = await store.putFile(file);
    refs.push({ ...ref, name, mediaType: 'application/x-tinyops-features' });
  }
  return refs;
}

export type StageInputs = Record<string, { artifacts: ArtifactRef[]; metrics: Record<string, number> }>;

/** What useSyntheticFeatureStore gives a test file (filled in by its beforeAll). */
export interface SyntheticFeatureStore {
  /** The temporary directory (removed by afterAll); the store and stage state live in it. */
  readonly dir: string;
  readonly store: LocalStore;
  /** `{ features: … }`: the synthetic features as a stage's inputs. */
  readonly inputs: StageInputs;
  /**
   * A real stage context (pipeline `p`, run `r`, seed 3) over this store and the features, plus
   * `extra` inputs; `options.inputs` replaces the features (`{}`: a stage with no inputs).
   */
  context<C>(
    stageName: string,
    config: C,
    cacheKey: string,
    options?: { onProgress?: (p: StageProgress) => void; logs?: string[]; extra?: StageInputs; inputs?: StageInputs },
  ): StageContext<C>;
}

/**
 * The set-up of the stage tests that train on features (train, train with quantization, dnas):
 * beforeAll makes a temporary directory, a LocalStore in it and `sizes` synthetic feature
 * tensors stored; afterAll removes it all.
 */
export function useSyntheticFeatureStore(prefix: string, sizes: { n: number; nVal: number }): SyntheticFeatureStore {
  const f = {} as { dir: string; store: LocalStore; inputs: StageInputs };
  beforeAll(async () => {
    f.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    f.store = new LocalStore(path.join(f.dir, 'store'));
    f.inputs = { features: { artifacts: await storeSyntheticFeatures(f.store, f.dir, sizes), metrics: {} } };
  });
  afterAll(() => {
    if (f.dir) fs.rmSync(f.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return f.dir;
    },
    get store() {
      return f.store;
    },
    get inputs() {
      return f.inputs;
    },
    context: (stageName, config, cacheKey, options = {}) => {
      const logs = options.logs ?? [];
      return createStageContext({
        pipelineName: 'p',
        stageName,
        runId: 'r',
        seed: 3,
        config,
        inputs: { ...(options.inputs ?? f.inputs), ...options.extra },
        cacheKey,
        store: f.store,
        stateDir: path.join(f.dir, 'state'),
        onProgress: options.onProgress ?? (() => undefined),
        onLog: (m) => logs.push(m),
      });
    },
  };
}
