import { createHash } from 'node:crypto';
import type { StageContext, StageProgress } from '../../src/stage/stage-module';
import type { ArtifactRef } from '../../src/store/artifact-store';
import { Prng } from '../../src/util/prng';
import { dirDigest } from '../unit/synth/dir-digest';

/**
 * A StageContext for stage modules that only produce directories (synth-kws, import-audio):
 * storeDir records the directory's file digests instead of packing it, so a test can compare
 * outputs file by file. Stages that read inputs are tested with the real createStageContext.
 */
export function fakeContext<C>(config: C, workDir: string) {
  const progress: StageProgress[] = [];
  const stored: Record<string, Record<string, string>> = {};
  const logs: string[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  const ctx: StageContext<C> = {
    pipelineName: 'kws',
    stageName: 'data',
    runId: 'test',
    seed: 42,
    config,
    inputs: {},
    workDir,
    rng: (...purpose) => Prng.derive(42, 'data', ...purpose),
    progress: (p) => void progress.push(p),
    loadCheckpoint: async <T>() => undefined as T | undefined,
    saveCheckpoint: async () => undefined,
    storeFile: unused,
    storeDir: async (name: string, dir: string): Promise<ArtifactRef> => {
      stored[name] = dirDigest(dir);
      const sha256 = createHash('sha256').update(JSON.stringify(stored[name])).digest('hex');
      return { name, sha256, bytes: 0, uri: `memory://${sha256}`, mediaType: 'application/x-tar' };
    },
    storeJson: unused,
    fetchFile: unused,
    fetchDir: unused,
    log: (m) => void logs.push(m),
  };
  return { ctx, progress, stored, logs };
}
