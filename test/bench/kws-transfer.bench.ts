import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { readFeatureTensor, type FeatureTensor } from '../../src/dsp/feature-tensor';
import { readClipSources } from '../../src/eval/clip-sources';
import { trainModel, trainStageConfigSchema } from '../../src/nn';
import { predict } from '../../src/nn/predict';
import { findProjectDir } from '../../src/project';
import { openStore } from '../../src/store/open-store';
import { Prng } from '../../src/util/prng';

/**
 * Transfer of KWS training recipes to sources the training never saw (issue #10): trains
 * each variant on the features of one stored `kws` run and prints, per variant, validation
 * accuracy (training voices) and test accuracy on the training engines' held-out voices and on
 * the held-out engines (flite, festival), plus the ratio of each to the first variant.
 *
 *   node dist/test/bench/kws-transfer.bench.js [run-id] [variant-name,...]
 *
 * Default run: the newest completed `kws` run in .tinyops/store (run `tinyops run
 * pipelines/kws.yaml` first). Variants differ in training config and in one feature
 * transform, per-clip cepstral mean normalization (`cmn`: subtract each coefficient's mean
 * over the clip's frames — the classic channel normalization; `cmn-keep-c0` leaves c0, the
 * level, alone), applied here to the stored features: the pipeline's front end does not do it
 * (yet), so these rows say whether it is worth putting on the board.
 */
const AUGMENT = { timeShiftFrames: 5, timeMasks: { count: 2, maxFrames: 5 }, freqMasks: { count: 1, maxCoeffs: 2 } };
const BN = { momentum: 0.9 };
const DS_CNN_M = {
  firstConv: { filters: 172, stride: [2, 1] },
  blocks: [{ filters: 172, stride: [2, 2] }, ...[1, 2, 3].map(() => ({ filters: 172, stride: [1, 1] }))],
  batchNorm: BN,
};

interface Variant {
  readonly name: string;
  readonly cmn?: 'all' | 'keep-c0';
  /**
   * Share of each label's training clips kept (seeded, per label, so the class balance stays):
   * a learning curve on the same validation and test clips, i.e. what the clips per keyword buy
   * without re-synthesising (docs/results/2026-12-04-hard-negatives-and-volume.md).
   */
  readonly trainFraction?: number;
  readonly train: Record<string, unknown>;
}
const VARIANTS: readonly Variant[] = [
  { name: 'ds-cnn-s', train: { architecture: { batchNorm: BN } } },
  { name: 'ds-cnn-s+augment', train: { architecture: { batchNorm: BN }, epochs: 40, augment: AUGMENT } },
  {
    name: 'ds-cnn-s+augment+cmn',
    cmn: 'all',
    train: { architecture: { batchNorm: BN }, epochs: 40, augment: AUGMENT },
  },
  {
    name: 'ds-cnn-s+augment+cmn-keep-c0',
    cmn: 'keep-c0',
    train: { architecture: { batchNorm: BN }, epochs: 40, augment: AUGMENT },
  },
  { name: 'ds-cnn-m+augment', train: { architecture: DS_CNN_M, epochs: 30, augment: AUGMENT } },
  {
    name: 'ds-cnn-m+augment+cmn-keep-c0',
    cmn: 'keep-c0',
    train: { architecture: DS_CNN_M, epochs: 30, augment: AUGMENT },
  },
  // pipelines/kws.yaml's train stage (40 epochs) on a quarter, half and all of the training clips.
  ...[0.25, 0.5, 1].map((f) => ({
    name: `ds-cnn-m+augment-40ep@${f}`,
    trainFraction: f,
    train: { architecture: DS_CNN_M, epochs: 40, augment: AUGMENT },
  })),
];

const runSchema = z.object({
  runId: z.string(),
  status: z.string(),
  pipeline: z.object({ name: z.string() }),
  stages: z.record(
    z.string(),
    z.object({ artifacts: z.array(z.object({ name: z.string(), sha256: z.string() })).optional() }),
  ),
});

function cmn(t: FeatureTensor, mode: 'all' | 'keep-c0'): Float32Array {
  const [n = 0, frames = 0, coeffs = 0] = t.header.shape;
  const x = Float32Array.from(t.data);
  for (let i = 0; i < n; i++) {
    for (let c = mode === 'keep-c0' ? 1 : 0; c < coeffs; c++) {
      let mean = 0;
      for (let f = 0; f < frames; f++) mean += x[(i * frames + f) * coeffs + c]!;
      mean /= frames;
      for (let f = 0; f < frames; f++) x[(i * frames + f) * coeffs + c]! -= mean;
    }
  }
  return x;
}

/** Indices of round(n·fraction) clips of each label, drawn by a per-label shuffle, ascending. */
function subsampleIndices(labelIndex: readonly number[], fraction: number, rng: Prng): number[] {
  const byLabel = new Map<number, number[]>();
  labelIndex.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), i]));
  const kept: number[] = [];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle(byLabel.get(label)!);
    kept.push(...idx.slice(0, Math.round(idx.length * fraction)));
  }
  return kept.sort((a, b) => a - b);
}

/** Rows `keep` of a clips × frames × coeffs feature block, with their labels. */
function subsample(x: Float32Array, y: Int32Array, perClip: number, keep: readonly number[]) {
  const out = new Float32Array(keep.length * perClip);
  keep.forEach((i, j) => out.set(x.subarray(i * perClip, (i + 1) * perClip), j * perClip));
  return { x: out, y: Int32Array.from(keep, (i) => y[i]!), n: keep.length };
}

async function main(): Promise<void> {
  const projectDir = findProjectDir();
  const store = openStore(path.join(projectDir, '.tinyops', 'store'), projectDir);
  const wanted = process.argv[3]?.split(',');
  const variants = wanted === undefined ? VARIANTS : VARIANTS.filter((v) => wanted.includes(v.name));
  let runId = process.argv[2];
  if (runId === undefined) {
    const keys = (await store.listDocs('runs/')).sort().reverse();
    for (const key of keys) {
      const r = runSchema.safeParse(await store.getDoc(key));
      if (
        r.success &&
        r.data.pipeline.name === 'kws' &&
        r.data.status === 'completed' &&
        r.data.stages.features?.artifacts?.length
      ) {
        runId = r.data.runId;
        break;
      }
    }
  }
  if (runId === undefined)
    throw new Error('no completed kws run in .tinyops/store: run `./bin/tinyops run pipelines/kws.yaml` first');
  const run = runSchema.parse(await store.getDoc(`runs/${runId}.json`));
  const artifact = (stage: string, name: string): string => {
    const a = run.stages[stage]?.artifacts?.find((x) => x.name === name);
    if (a === undefined) throw new Error(`run ${runId}: stage ${stage} has no ${name} artifact`);
    return a.sha256;
  };
  const tmp = mkdtempSync(path.join(tmpdir(), 'tinyops-transfer-'));
  try {
    const fetch = async (sha: string, file: string): Promise<string> => {
      const dest = path.join(tmp, file);
      await store.getToFile(sha, dest);
      return dest;
    };
    const [train, validation, test] = await Promise.all(
      ['train', 'validation', 'test'].map(async (s) =>
        readFeatureTensor(await fetch(artifact('features', s), `${s}.feat`)),
      ),
    );
    const datasetTar = await fetch(artifact('data', 'dataset'), 'dataset.tar');
    execFileSync('tar', ['-xf', datasetTar, '-C', tmp, 'sources.json']);
    const sources = readClipSources(tmp);
    const [, frames = 0, coeffs = 0] = train!.header.shape;
    const rows: Array<Record<string, number | string>> = [];
    for (const v of variants) {
      const x = (t: FeatureTensor) => (v.cmn === undefined ? t.data : cmn(t, v.cmn));
      const set = (t: FeatureTensor) => ({ x: x(t), y: Int32Array.from(t.header.labelIndex), n: t.header.shape[0]! });
      const started = Date.now();
      const cpuStart = process.cpuUsage();
      const config = trainStageConfigSchema.parse(v.train);
      const full = set(train!);
      const trainSet =
        v.trainFraction === undefined || v.trainFraction >= 1
          ? full
          : subsample(
              full.x,
              full.y,
              frames * coeffs,
              subsampleIndices(train!.header.labelIndex, v.trainFraction, Prng.derive(42, 'kws-transfer-subsample')),
            );
      const res = await trainModel(
        {
          train: trainSet,
          validation: set(validation!),
          shape: [frames, coeffs],
          numClasses: train!.header.labels.length,
        },
        config,
        { rng: Prng.derive(42, 'kws-transfer', v.name) },
      );
      const probs = await predict(res.model, x(test!), [frames, coeffs]);
      res.model.dispose();
      const k = test!.header.labels.length;
      const tally = new Map<string, [number, number]>();
      test!.header.clips.forEach((clip, i) => {
        let best = 0;
        for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
        const s = sources.sourceOf(clip);
        const group = s.heldOut === 'engine' ? 'heldOutEngines' : s.heldOut === 'voice' ? 'heldOutVoices' : 'other';
        for (const g of [group, 'all']) {
          const t = tally.get(g) ?? [0, 0];
          t[1]++;
          if (best === test!.header.labelIndex[i]) t[0]++;
          tally.set(g, t);
        }
      });
      const acc = (g: string) => {
        const t = tally.get(g);
        return t === undefined ? NaN : t[0] / t[1];
      };
      rows.push({
        variant: v.name,
        valAccuracy: res.history[res.bestEpoch - 1]?.valAccuracy ?? NaN,
        testAccuracy: acc('all'),
        heldOutVoiceAccuracy: acc('heldOutVoices'),
        heldOutEngineAccuracy: acc('heldOutEngines'),
        trainClips: trainSet.n,
        trainSeconds: (Date.now() - started) / 1000,
        // user + system CPU of this process (tfjs-node's threads included): comparable under load
        cpuSeconds: (() => {
          const c = process.cpuUsage(cpuStart);
          return (c.user + c.system) / 1e6;
        })(),
      });
      process.stderr.write(`[kws-transfer] ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
    const base = rows[0]!;
    const withRatios = rows.map((r) => ({
      ...r,
      heldOutEngineRatio: (r.heldOutEngineAccuracy as number) / (base.heldOutEngineAccuracy as number),
      heldOutVoiceRatio: (r.heldOutVoiceAccuracy as number) / (base.heldOutVoiceAccuracy as number),
    }));
    process.stdout.write(
      `${JSON.stringify({ bench: 'kws-transfer', run: runId, baseline: base.variant, variants: withRatios })}\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
