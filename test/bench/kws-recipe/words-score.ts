import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { planClips } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';
import {
  artifactDigest,
  fetchArtifact,
  readBenchRun,
  synthKwsStage,
  type BenchRun,
} from '../kws-error-analysis/run-record';

/**
 * Accuracy per spoken word of several runs' float models on one run's stored validation and
 * test tensors: which `_unknown_` words (the near-rhymes of docs/results/2026-12-04-kws-error-analysis.md)
 * the models take for keywords. The word of each clip comes from replaying the data stage's
 * plan (planClips, no audio); trainCopies only adds train clips, so runs that differ in it
 * share these validation/test clips.
 *
 *   node dist/test/bench/kws-recipe/words-score.js <data-run> <out-dir> <store-dir> <model-run> [model-run …]
 *
 * Prints one JSON object: per model, per split, per word {accuracy, clips, asKeyword: {label: n}}.
 */

async function main(): Promise<void> {
  const [dataRun, outDir, storeDir, ...modelRuns] = process.argv.slice(2);
  if (dataRun === undefined || outDir === undefined || storeDir === undefined || modelRuns.length === 0)
    throw new Error('usage: words-score.js <data-run> <out-dir> <store-dir> <model-run> [model-run …]');
  const store = openStore(storeDir, process.cwd());
  const runOf = (id: string): Promise<BenchRun> => readBenchRun(store, id);
  fs.mkdirSync(outDir, { recursive: true });
  const run = await runOf(dataRun);
  const { spec: dataSpec, config } = synthKwsStage(run, dataRun);
  const plans = planClips(config, rngForSeed(run.pipeline.seed, dataSpec.name), await resolveVoices(config));
  const wordOf = new Map(plans.map((p) => [p.relPath, p.kind === 'speech' ? p.request.text : p.label]));

  const result: Record<string, unknown> = { dataRun };
  for (const modelRun of modelRuns) {
    const sha = artifactDigest(await runOf(modelRun), modelRun, 'model', 'train');
    const dir = await fetchArtifact(store, sha, outDir, `model-${modelRun}`, true);
    const model = await loadModelArtifacts(readModelDir(dir));
    const perSplit: Record<string, unknown> = {};
    for (const split of ['validation', 'test'] as const) {
      const file = path.join(outDir, `${split}-${dataRun}.feat`);
      if (!fs.existsSync(file)) await store.getToFile(artifactDigest(run, dataRun, split), file);
      const t = readFeatureTensor(file);
      const labels = t.header.labels;
      const nc = labels.length;
      const p = await predict(model, t.data, [t.header.shape[1]!, t.header.shape[2]!]);
      const by = new Map<string, { ok: number; n: number; as: Record<string, number> }>();
      t.header.clips.forEach((clip, i) => {
        let best = 0;
        for (let c = 1; c < nc; c++) if (p[i * nc + c]! > p[i * nc + best]!) best = c;
        const truth = t.header.labelIndex[i]!;
        const word = wordOf.get(clip) ?? '?';
        const key = labels[truth] === '_unknown_' ? `_unknown_:${word}` : labels[truth]!;
        const v = by.get(key) ?? { ok: 0, n: 0, as: {} };
        v.n++;
        if (best === truth) v.ok++;
        else v.as[labels[best]!] = (v.as[labels[best]!] ?? 0) + 1;
        by.set(key, v);
      });
      perSplit[split] = Object.fromEntries(
        [...by.entries()]
          .sort()
          .map(([k, v]) => [k, { accuracy: +(v.ok / v.n).toFixed(3), clips: v.n, wrongAs: v.as }]),
      );
    }
    model.dispose();
    result[modelRun] = perSplit;
  }
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
