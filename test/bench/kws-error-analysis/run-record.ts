import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { ArtifactStore } from '../../../src/store/artifact-store';
import { unpackTar } from '../../../src/store/tar';
import { synthKwsConfigSchema, type SynthKwsConfig } from '../../../src/synth/kws-config';

/**
 * The part of a stored run record (`runs/<id>.json`) the KWS analysis benches read: the
 * pipeline's seed and stage specs, and each stage's artifacts. Shared by analyse.ts,
 * cross-score.ts, ../kws-recipe/words-score.ts, ../kws-conditions/high-snr-errors.ts,
 * ../asr-ceiling/clean-renders.ts and ../clean-teacher/clean-twin-features.ts.
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

/**
 * Artifact `sha256` of `store` at `outDir/name`, fetched once and reused after: a directory
 * artifact (`untar`) is unpacked there, a file artifact copied. The benches that read stored
 * runs keep their downloads under one out-dir this way.
 */
export async function fetchArtifact(
  store: ArtifactStore,
  sha256: string,
  outDir: string,
  name: string,
  untar: boolean,
): Promise<string> {
  const dest = path.join(outDir, name);
  if (fs.existsSync(dest)) return dest;
  fs.mkdirSync(outDir, { recursive: true });
  if (!untar) {
    await store.getToFile(sha256, dest);
    return dest;
  }
  const tar = `${dest}.tar`;
  await store.getToFile(sha256, tar);
  try {
    await unpackTar(tar, dest);
  } finally {
    fs.rmSync(tar, { force: true });
  }
  return dest;
}

type BenchStageSpec = BenchRun['pipeline']['stages'][number];

/** A stored run's synth-kws stage: its spec and its parsed config (enough to re-plan its clips). */
export function synthKwsStage(run: BenchRun, runId: string): { spec: BenchStageSpec; config: SynthKwsConfig } {
  const spec = run.pipeline.stages.find((s) => s.kind === 'synth-kws');
  if (!spec) throw new Error(`run ${runId} has no synth-kws stage`);
  return { spec, config: synthKwsConfigSchema.parse(spec.config ?? {}) };
}

/** synthKwsStage, and its dataset fetched to `outDir/dataset`. */
export async function fetchSynthKwsDataset(
  store: ArtifactStore,
  run: BenchRun,
  runId: string,
  outDir: string,
): Promise<{ spec: BenchStageSpec; config: SynthKwsConfig; datasetDir: string }> {
  const { spec, config } = synthKwsStage(run, runId);
  const datasetDir = await fetchArtifact(
    store,
    artifactDigest(run, runId, 'dataset', spec.name),
    outDir,
    'dataset',
    true,
  );
  return { spec, config, datasetDir };
}
