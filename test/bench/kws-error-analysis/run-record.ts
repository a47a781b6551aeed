import { z } from 'zod';
import type { ArtifactStore } from '../../../src/store/artifact-store';

/**
 * The part of a stored run record (`runs/<id>.json`) the KWS analysis benches read: the
 * pipeline's seed and stage specs, and each stage's artifacts. Shared by analyse.ts,
 * cross-score.ts and ../kws-recipe/words-score.ts.
 */
export const benchRunSchema = z.object({
  pipeline: z.object({
    seed: z.number(),
    stages: z.array(z.object({ name: z.string(), kind: z.string(), config: z.unknown() })),
  }),
  stages: z.record(
    z.string(),
    z.object({ artifacts: z.array(z.object({ name: z.string(), sha256: z.string() })).optional() }),
  ),
});

export type BenchRun = z.infer<typeof benchRunSchema>;

export async function readBenchRun(store: ArtifactStore, runId: string): Promise<BenchRun> {
  return benchRunSchema.parse(await store.getDoc(`runs/${runId}.json`));
}

/** sha256 of the artifact `name` of `stage` (any stage when undefined); throws naming the run. */
export function artifactDigest(run: BenchRun, runId: string, name: string, stage?: string): string {
  for (const [s, v] of Object.entries(run.stages)) {
    if (stage !== undefined && s !== stage) continue;
    const a = v.artifacts?.find((x) => x.name === name);
    if (a) return a.sha256;
  }
  throw new Error(`run ${runId} has no ${name} artifact${stage ? ` in stage ${stage}` : ''}`);
}
