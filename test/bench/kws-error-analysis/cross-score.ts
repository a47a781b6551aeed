import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import type { ArtifactStore } from '../../../src/store/artifact-store';
import { openStore } from '../../../src/store/open-store';
import { artifactDigest, fetchArtifact, readBenchRun } from './run-record';

/**
 * One run's float model on another run's stored feature tensors (validation and test), by
 * engine and held-out class: separates what a data change does to the model (same old test
 * set) from what it does to the measurement (the new test set).
 *
 *   node dist/test/bench/kws-error-analysis/cross-score.js <model-run> <features-run> <out-dir> [store-dir]
 *
 * Prints one JSON object. Both runs must use the same labels and front end.
 */

const sourcesSchema = z.object({
  clips: z.record(z.string(), z.object({ engine: z.string(), heldOut: z.union([z.literal(false), z.string()]) })),
});

/** Accuracy and clip count per group: `all`, `engine:<engine>`, `heldOut:<false|voice|engine>`. */
export type GroupAccuracy = Record<string, { accuracy: number; clips: number }>;

export interface CrossScore {
  readonly modelRun: string;
  readonly featuresRun: string;
  readonly validation: GroupAccuracy;
  readonly test: GroupAccuracy;
}

/**
 * The float model of `modelRun` on the validation and test tensors of `featuresRun`, both
 * read from `store`; artifacts are unpacked under `outDir` (reused when already there).
 */
export async function crossScore(
  store: ArtifactStore,
  modelRun: string,
  featuresRun: string,
  outDir: string,
): Promise<CrossScore> {
  const sha = async (runId: string, stage: string | undefined, name: string): Promise<string> =>
    artifactDigest(await readBenchRun(store, runId), runId, name, stage);
  const fetch = (hash: string, file: string, untar: boolean): Promise<string> =>
    fetchArtifact(store, hash, outDir, file, untar);
  fs.mkdirSync(outDir, { recursive: true });
  const modelDir = await fetch(await sha(modelRun, 'train', 'model'), `model-${modelRun}`, true);
  const dataDir = await fetch(await sha(featuresRun, 'data', 'dataset'), `dataset-${featuresRun}`, true);
  const sources = sourcesSchema.parse(JSON.parse(fs.readFileSync(path.join(dataDir, 'sources.json'), 'utf8')));
  const model = await loadModelArtifacts(readModelDir(modelDir));
  const splits: Partial<Record<'validation' | 'test', GroupAccuracy>> = {};
  try {
    for (const split of ['validation', 'test'] as const) {
      const t = readFeatureTensor(
        await fetch(await sha(featuresRun, undefined, split), `${split}-${featuresRun}.feat`, false),
      );
      const p = await predict(model, t.data, [t.header.shape[1]!, t.header.shape[2]!]);
      const nc = t.header.labels.length;
      const by = new Map<string, [number, number]>();
      const add = (k: string, ok: boolean) => {
        const v = by.get(k) ?? [0, 0];
        by.set(k, [v[0] + (ok ? 1 : 0), v[1] + 1]);
      };
      t.header.clips.forEach((clip, i) => {
        let best = 0;
        for (let c = 1; c < nc; c++) if (p[i * nc + c]! > p[i * nc + best]!) best = c;
        const ok = best === t.header.labelIndex[i];
        const src = sources.clips[clip];
        add('all', ok);
        add(`engine:${src?.engine ?? 'unknown'}`, ok);
        add(`heldOut:${String(src?.heldOut ?? 'unknown')}`, ok);
      });
      splits[split] = Object.fromEntries(
        [...by.entries()].sort().map(([k, [c, n]]) => [k, { accuracy: +(c / n).toFixed(4), clips: n }]),
      );
    }
  } finally {
    model.dispose();
  }
  return { modelRun, featuresRun, validation: splits.validation!, test: splits.test! };
}

async function main(): Promise<void> {
  const [modelRun, featuresRun, outDir, storeDir = path.join(process.cwd(), '.tinyops', 'store')] =
    process.argv.slice(2);
  if (modelRun === undefined || featuresRun === undefined || outDir === undefined)
    throw new Error('usage: cross-score.js <model-run> <features-run> <out-dir> [store-dir]');
  const result = await crossScore(openStore(storeDir, process.cwd()), modelRun, featuresRun, outDir);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
