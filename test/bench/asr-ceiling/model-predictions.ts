import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { artifactDigest, fetchArtifact, readBenchRun } from '../kws-error-analysis/run-record';

/**
 * Per-clip predictions of a run's float model on its test split (evaluate stores only the
 * aggregates): the stored model and test features, the stage's own `predict`, argmax per clip —
 * what evaluate's `accuracy` counts. For docs/results/2026-12-05-kws-asr-ceiling.md.
 *
 *   node dist/test/bench/asr-ceiling/model-predictions.js <run-id> <out.json> [store-dir] [work-dir]
 *
 * Writes { runId, labels, accuracy, clips: { "<label>/<file>.wav": { truth, predicted, p } } }, p the
 * predicted class's posterior.
 */

async function main(): Promise<void> {
  const [runId, outFile, storeDir = path.join(process.cwd(), '.tinyops', 'store'), workDir] = process.argv.slice(2);
  if (runId === undefined || outFile === undefined)
    throw new Error('usage: model-predictions.js <run-id> <out.json> [store-dir] [work-dir]');
  const store = openStore(storeDir, process.cwd());
  const run = await readBenchRun(store, runId);
  const dir = workDir ?? path.join(path.dirname(outFile), `work-${runId}`);
  const model = await loadModelArtifacts(
    readModelDir(await fetchArtifact(store, artifactDigest(run, runId, 'model', 'train'), dir, 'model', true)),
  );
  const t = readFeatureTensor(
    await fetchArtifact(store, artifactDigest(run, runId, 'test', 'features'), dir, 'test.feat', false),
  );
  const p = await predict(model, t.data, [t.header.shape[1]!, t.header.shape[2]!]);
  model.dispose();
  const labels = t.header.labels;
  const nc = labels.length;
  const clips: Record<string, { truth: string; predicted: string; p: number }> = {};
  let correct = 0;
  t.header.clips.forEach((clip, i) => {
    let best = 0;
    for (let k = 1; k < nc; k++) if (p[i * nc + k]! > p[i * nc + best]!) best = k;
    const truth = labels[t.header.labelIndex[i]!]!;
    if (best === t.header.labelIndex[i]) correct++;
    clips[clip] = { truth, predicted: labels[best]!, p: Math.round(p[i * nc + best]! * 1e4) / 1e4 };
  });
  const accuracy = correct / t.header.clips.length;
  fs.writeFileSync(outFile, JSON.stringify({ runId, labels, accuracy, clips }, null, 1) + '\n');
  console.log(`${runId}: ${t.header.clips.length} test clips, float accuracy ${(100 * accuracy).toFixed(2)} %`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
