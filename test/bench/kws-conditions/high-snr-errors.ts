import * as fs from 'node:fs';
import * as path from 'node:path';
import { readClipSources } from '../../../src/eval/clip-sources';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { artifactDigest, fetchArtifact, readBenchRun } from '../kws-error-analysis/run-record';

/**
 * What the errors at a high effective SNR are (docs/results/2026-12-05-kws-accuracy-by-condition.md):
 * one run's float model on its test clips whose sources.json conditions put them at or above
 * `minSnr` dB, per held-out class, split by augmentation (none / any / each effect), label kind
 * (keyword / `_unknown_`) and engine. Reads the run's stored artifacts; prints one JSON object.
 *
 *   node dist/test/bench/kws-conditions/high-snr-errors.js <run-id> <out-dir> [store-dir] [minSnr=30]
 */

async function main(): Promise<void> {
  const [runId, outDir, storeDir = path.join(process.cwd(), '.tinyops', 'store'), minSnrArg = '30'] =
    process.argv.slice(2);
  if (runId === undefined || outDir === undefined)
    throw new Error('usage: high-snr-errors.js <run-id> <out-dir> [store-dir] [minSnr]');
  const minSnr = Number(minSnrArg);
  const store = openStore(storeDir, process.cwd());
  const run = await readBenchRun(store, runId);
  fs.mkdirSync(outDir, { recursive: true });
  const fetch = (hash: string, file: string, untar: boolean): Promise<string> =>
    fetchArtifact(store, hash, outDir, file, untar);
  const model = await loadModelArtifacts(
    readModelDir(await fetch(artifactDigest(run, runId, 'model', 'train'), 'model', true)),
  );
  const sources = readClipSources(await fetch(artifactDigest(run, runId, 'dataset', 'data'), 'dataset', true));
  const t = readFeatureTensor(await fetch(artifactDigest(run, runId, 'test', 'features'), 'test.feat', false));
  const p = await predict(model, t.data, [t.header.shape[1]!, t.header.shape[2]!]);
  model.dispose();
  const labels = t.header.labels;
  const nc = labels.length;
  const groups = new Map<string, [number, number]>();
  const add = (k: string, ok: boolean) => {
    const v = groups.get(k) ?? [0, 0];
    groups.set(k, [v[0] + (ok ? 1 : 0), v[1] + 1]);
  };
  t.header.clips.forEach((clip, i) => {
    const src = sources.sourceOf(clip);
    const c = src.conditions;
    if (c?.effectiveSnrDb === undefined || c.effectiveSnrDb < minSnr || src.heldOut === false) return;
    let best = 0;
    for (let k = 1; k < nc; k++) if (p[i * nc + k]! > p[i * nc + best]!) best = k;
    const truth = labels[t.header.labelIndex[i]!]!;
    const ok = best === t.header.labelIndex[i];
    const set = src.heldOut === 'voice' ? 'held-out-voice' : 'held-out-engine';
    add(`${set} all`, ok);
    add(`${set} augment:${c.augment.length === 0 ? 'none' : 'any'}`, ok);
    for (const e of c.augment) add(`${set} effect:${e.replace(/:.*/, '')}`, ok);
    add(`${set} label:${truth === '_unknown_' ? '_unknown_' : 'keyword'}`, ok);
    add(`${set} engine:${src.engine}`, ok);
    if (!ok) add(`${set} confusion:${truth}→${labels[best]}`, false);
  });
  const out = Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, [ok, n]]) => [k, k.includes('confusion:') ? n : `${((100 * ok) / n).toFixed(1)} % of ${n}`]),
  );
  process.stdout.write(JSON.stringify({ runId, minSnr, groups: out }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
