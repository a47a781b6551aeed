import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { readClipSources } from '../../../src/eval/clip-sources';
import { loadModelArtifacts, readModelDir } from '../../../src/nn/model-artifacts';
import { predict } from '../../../src/nn/predict';
import { cepstralMeanSpread } from '../../../src/nn/train-data';
import { Prng } from '../../../src/util/prng';

/**
 * Did `augment.channelOffset` make the model ignore a channel? For each stored KWS run, the float
 * model's test accuracy when one fixed cepstral offset δ (δ_k = a·σ_k·u_k, u ~ N(0, I), the same δ for
 * every clip: one "new channel") is added to every frame of every test clip, for a = 0, 0.25, 0.5, 1
 * and 8 seeded draws of u per a (the same draws for every run). σ_k as the augmentation computes it,
 * from the first run's train features. docs/results/2026-12-05-cepstral-offset.md.
 *
 *   node dist/test/bench/cepstral-offset/offset-sensitivity.js /work/main/.tinyops/store RUN_ID …
 */
interface Artifact {
  readonly name: string;
  readonly sha256: string;
}
interface RunRecord {
  readonly stages: Record<string, { readonly artifacts: readonly Artifact[] }>;
}

const SCALES = [0, 0.25, 0.5, 1];
const DRAWS = 8;

async function main(): Promise<void> {
  const [store, ...runIds] = process.argv.slice(2);
  if (store === undefined || runIds.length === 0) throw new Error('usage: offset-sensitivity.js STORE RUN_ID …');
  const object = (sha: string) => path.join(store, 'objects', 'sha256', sha.slice(0, 2), sha.slice(2));
  const record = (id: string) => JSON.parse(readFileSync(path.join(store, 'runs', `${id}.json`), 'utf8')) as RunRecord;
  const artifact = (r: RunRecord, stage: string, name: string) => {
    const a = r.stages[stage]?.artifacts.find((x) => x.name === name);
    if (a === undefined) throw new Error(`run has no ${stage}/${name} artifact`);
    return object(a.sha256);
  };
  const first = record(runIds[0]!);
  const train = readFeatureTensor(artifact(first, 'features', 'train'));
  const test = readFeatureTensor(artifact(first, 'features', 'test'));
  const [n, frames, coeffs] = test.header.shape as [number, number, number];
  const sigma = cepstralMeanSpread(
    { x: train.data, y: new Int32Array(train.header.shape[0]!), n: train.header.shape[0]! },
    [frames, coeffs],
  );
  const tmp = mkdtempSync(path.join(tmpdir(), 'cepoff-'));
  try {
    execFileSync('tar', ['-xf', artifact(first, 'data', 'dataset'), '-C', tmp, 'sources.json']);
    const sources = readClipSources(tmp);
    const group = test.header.clips.map((c) => {
      const s = sources.sourceOf(c);
      return s.heldOut === 'engine' ? 'engines' : s.heldOut === 'voice' ? 'voices' : 'other';
    });
    const truth = test.header.labelIndex;
    const draws = SCALES.map((a) =>
      Array.from({ length: a === 0 ? 1 : DRAWS }, (_, d) => {
        const rng = Prng.derive('tinyops/bench/offset-sensitivity', d);
        return Float64Array.from(sigma, (s) => a * s * rng.normal());
      }),
    );
    console.log(`σ_k ${Array.from(sigma, (s) => s.toFixed(1)).join(' ')}; ${n} test clips`);
    console.log('run                     a     all (min … max)        held-out voices        held-out engines');
    for (const id of runIds) {
      const dir = path.join(tmp, id);
      execFileSync('mkdir', ['-p', dir]);
      execFileSync('tar', ['-xf', artifact(record(id), 'train', 'model'), '-C', dir]);
      const model = await loadModelArtifacts(readModelDir(dir));
      for (const [i, a] of SCALES.entries()) {
        const acc: Record<string, number[]> = { all: [], voices: [], engines: [] };
        for (const delta of draws[i]!) {
          const x = Float32Array.from(test.data);
          for (let e = 0; e < n; e++)
            for (let f = 0; f < frames; f++)
              for (let k = 0; k < coeffs; k++)
                x[(e * frames + f) * coeffs + k] = x[(e * frames + f) * coeffs + k]! + delta[k]!;
          const p = await predict(model, x, [frames, coeffs]);
          const classes = p.length / n;
          const hit: Record<string, [number, number]> = { all: [0, 0], voices: [0, 0], engines: [0, 0] };
          for (let e = 0; e < n; e++) {
            let best = 0;
            for (let c = 1; c < classes; c++) if (p[e * classes + c]! > p[e * classes + best]!) best = c;
            const ok = best === truth[e] ? 1 : 0;
            for (const g of ['all', group[e]!]) {
              const h = hit[g];
              if (h) {
                h[0] += ok;
                h[1] += 1;
              }
            }
          }
          for (const g of Object.keys(acc)) acc[g]!.push((100 * hit[g]![0]) / hit[g]![1]);
        }
        const cell = (v: number[]) => {
          const mean = v.reduce((s, x) => s + x, 0) / v.length;
          return v.length === 1
            ? `${mean.toFixed(1)}`.padEnd(21)
            : `${mean.toFixed(1)} (${Math.min(...v).toFixed(1)} … ${Math.max(...v).toFixed(1)})`.padEnd(21);
        };
        console.log(`${id}  ${a.toFixed(2)}  ${cell(acc.all!)}  ${cell(acc.voices!)}  ${cell(acc.engines!)}`);
      }
      model.dispose();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
