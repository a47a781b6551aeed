import { availableParallelism } from 'node:os';
import { StageInputError } from '../errors';

/**
 * How many worker threads a stage's pool starts: `$<envName>` if set (0 = do the work in the
 * main thread), else one per core up to 2 (this project's machines have 2), none on a single
 * core. Shared by synth-kws's render/mix pool (src/synth/kws-pool.ts) and evaluate's stream
 * features (src/eval/stream-feature-pool.ts).
 */
export function workerCountFromEnv(envName: string): number {
  const env = process.env[envName];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 64)
      throw new StageInputError(`${envName}: "${env}" is not a whole number of worker threads 0…64`);
    return n;
  }
  return availableParallelism() < 2 ? 0 : 2;
}
