import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClipFeatureExtractor, readClipPcm16 } from '../../../src/dsp/clip-features';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { mfccConfigSchema } from '../../../src/dsp/mfcc-config';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { artifactDigest, fetchArtifact, readBenchRun } from '../kws-error-analysis/run-record';

/**
 * Per-clip predictions of a run's float model on its test split (evaluate stores only the
 * aggregates): the stored model and test features, the stage's own `predict`, argmax per clip —
 * what evaluate's `accuracy` counts. For docs/results/2026-12-05-kws-asr-ceiling.md.
 *
 *   node dist/test/bench/asr-ceiling/model-predictions.js <run-id> <out.json> [store-dir] [work-dir] [--wav-root <dir>]
 *
 * With `--wav-root`, the test clips found under <dir> (`<label>/<file>.wav`, e.g. the clean renders of
 * clean-renders.js) are read from there instead, through the features stage's own front end
 * (ClipFeatureExtractor with the test tensor's front-end config); clips not there are left out.
 *
 * Writes { runId, labels, accuracy, clips: { "<label>/<file>.wav": { truth, predicted, p } } }, p the
 * predicted class's posterior.
 */

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const w = args.indexOf('--wav-root');
  const wavRoot = w >= 0 ? args.splice(w, 2)[1] : undefined;
  const [runId, outFile, storeDir = path.join(process.cwd(), '.tinyops', 'store'), workDir] = args;
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
  const shape: [number, number] = [t.header.shape[1]!, t.header.shape[2]!];
  let index = t.header.clips.map((_, i) => i);
  let x = t.data;
  if (wavRoot !== undefined) {
    const frontEnd = mfccConfigSchema.parse(t.header.frontEnd);
    const extractor = new ClipFeatureExtractor(frontEnd);
    index = index.filter((i) => fs.existsSync(path.join(wavRoot, t.header.clips[i]!)));
    x = new Float32Array(index.length * extractor.valuesPerClip);
    index.forEach((i, j) => {
      const pcm = readClipPcm16(path.join(wavRoot, t.header.clips[i]!), frontEnd.sampleRate);
      x.set(extractor.extract(pcm).features, j * extractor.valuesPerClip);
    });
  }
  const p = await predict(model, x, shape);
  model.dispose();
  const labels = t.header.labels;
  const nc = labels.length;
  const clips: Record<string, { truth: string; predicted: string; p: number }> = {};
  let correct = 0;
  index.forEach((i, j) => {
    let best = 0;
    for (let k = 1; k < nc; k++) if (p[j * nc + k]! > p[j * nc + best]!) best = k;
    const truth = labels[t.header.labelIndex[i]!]!;
    if (best === t.header.labelIndex[i]) correct++;
    clips[t.header.clips[i]!] = { truth, predicted: labels[best]!, p: Math.round(p[j * nc + best]! * 1e4) / 1e4 };
  });
  const accuracy = correct / index.length;
  fs.writeFileSync(
    outFile,
    JSON.stringify({ runId, wavRoot: wavRoot ?? null, labels, accuracy, clips }, null, 1) + '\n',
  );
  console.log(`${runId}: ${index.length} test clips, float accuracy ${(100 * accuracy).toFixed(2)} %`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
