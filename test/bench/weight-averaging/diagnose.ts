import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFeatureTensor, type FeatureTensor } from '../../../src/dsp/feature-tensor';
import { readClipSources } from '../../../src/eval/clip-sources';
import { decodeCheckpoint, type TrainCheckpoint } from '../../../src/nn/checkpoint';
import { buildDsCnn } from '../../../src/nn/ds-cnn';
import type { DsCnnArchitecture } from '../../../src/nn/ds-cnn-arch';
import { dsCnnTrainForward } from '../../../src/nn/ds-cnn-train';
import { writeWeights } from '../../../src/nn/model-weights';
import { predict } from '../../../src/nn/predict';
import { loadTf } from '../../../src/nn/tf';
import { recomputeBatchNormStatistics } from '../../../src/nn/weight-averaging';
import { Prng } from '../../../src/util/prng';

/**
 * Where does a `weightAveraging` run's accuracy go? From the per-epoch training checkpoints a run
 * left in the store (every epoch's weights, the best epoch's, and the running per-step mean), the
 * float model's validation, test, held-out-voice and held-out-engine accuracy of:
 *
 * - the best epoch's weights (what a run without averaging exports), and the last epoch's, each with
 *   the BatchNorm statistics of training and with recomputed ones (does the recomputation alone cost?);
 * - the run's per-step mean from `fromEpoch`, with and without recomputed statistics;
 * - per-step means over shorter tails, epochs e … last, from the running means:
 *   (n_last·w̄_last − n_{e−1}·w̄_{e−1}) / (n_last − n_{e−1});
 * - per-epoch means (SWA) of the epoch-end weights over the same tails.
 *
 * The BatchNorm recomputation is the train loop's (src/nn/weight-averaging.ts). Post-hoc: none of these
 * variants was chosen before the run; docs/results/2026-12-05-weight-averaging.md reports them all.
 *
 *   node dist/test/bench/weight-averaging/diagnose.js /work/main/.tinyops/store RUN_ID
 *
 * The checkpoints are found among the store's objects written while the run ran (its id's start time
 * to its record's createdAt): those with a weight average, all of one training fingerprint.
 */
interface Artifact {
  readonly name: string;
  readonly sha256: string;
}
interface RunRecord {
  readonly createdAt: string;
  readonly stages: Record<string, { readonly artifacts: readonly Artifact[] }>;
}

const tf = loadTf();

function runStart(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id);
  if (!m) throw new Error(`run id ${id} does not start with a UTC time`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Checkpoint objects of the store written in [from, to] that hold a weight average, by epoch. */
function findCheckpoints(store: string, from: Date, to: Date): TrainCheckpoint[] {
  const root = path.join(store, 'objects', 'sha256');
  const found: TrainCheckpoint[] = [];
  const head = Buffer.alloc(8);
  for (const d of readdirSync(root)) {
    for (const f of readdirSync(path.join(root, d))) {
      const file = path.join(root, d, f);
      const st = statSync(file);
      if (st.size < 1 << 20 || st.mtime < from || st.mtime > to) continue;
      const fd = openSync(file, 'r');
      readSync(fd, head, 0, 8, 0);
      closeSync(fd);
      if (head.toString('latin1') !== 'TOPSCKPT') continue;
      const c = decodeCheckpoint(readFileSync(file));
      if (c.averaging !== undefined) found.push(c);
    }
  }
  const prints = new Set(found.map((c) => c.fingerprint));
  if (prints.size !== 1) throw new Error(`${prints.size} training runs with an average in that window`);
  return found.sort((a, b) => a.epochsDone - b.epochsDone);
}

async function main(): Promise<void> {
  const [store, runId] = process.argv.slice(2);
  if (store === undefined || runId === undefined) throw new Error('usage: diagnose.js STORE RUN_ID');
  const object = (sha: string) => path.join(store, 'objects', 'sha256', sha.slice(0, 2), sha.slice(2));
  const record = JSON.parse(readFileSync(path.join(store, 'runs', `${runId}.json`), 'utf8')) as RunRecord;
  const artifact = (stage: string, name: string) => {
    const a = record.stages[stage]?.artifacts.find((x) => x.name === name);
    if (a === undefined) throw new Error(`run has no ${stage}/${name} artifact`);
    return object(a.sha256);
  };
  const history = JSON.parse(readFileSync(artifact('train', 'history'), 'utf8')) as {
    architecture: DsCnnArchitecture;
    weightAveraging?: { fromEpoch: number };
  };
  const fromEpoch = history.weightAveraging?.fromEpoch;
  if (fromEpoch === undefined) throw new Error(`run ${runId} did not average weights`);
  const cps = findCheckpoints(store, runStart(runId), new Date(record.createdAt));
  const last = cps[cps.length - 1]!;
  const byEpoch = new Map(cps.map((c) => [c.epochsDone, c]));
  console.log(`checkpoints of epochs ${cps.map((c) => c.epochsDone).join(', ')}; best epoch ${last.bestEpoch}`);

  const train = readFeatureTensor(artifact('features', 'train'));
  const validation = readFeatureTensor(artifact('features', 'validation'));
  const test = readFeatureTensor(artifact('features', 'test'));
  const [, frames, coeffs] = train.header.shape as [number, number, number];
  const shape = [frames, coeffs] as const;
  const tmp = mkdtempSync(path.join(tmpdir(), 'swa-diag-'));
  let groups: string[];
  try {
    execFileSync('tar', ['-xf', artifact('data', 'dataset'), '-C', tmp, 'sources.json']);
    const sources = readClipSources(tmp);
    groups = test.header.clips.map((c) => {
      const s = sources.sourceOf(c);
      return s.heldOut === 'engine' ? 'engines' : s.heldOut === 'voice' ? 'voices' : 'other';
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const net = buildDsCnn(history.architecture, {
    inputShape: shape,
    numClasses: train.header.labels.length,
    initRng: Prng.derive('unused'),
  });
  const forward = dsCnnTrainForward(tf, net);
  const names = net.model.weights.map((w) => w.originalName);
  const trainableIdx = net.model.trainableWeights.map((w) => names.indexOf(w.originalName));
  /** Full weight list: `base` with its trainable weights replaced by `trainable` (trainable order). */
  const withTrainable = (base: readonly Float32Array[], trainable: readonly Float32Array[]) => {
    const out = [...base];
    trainableIdx.forEach((i, j) => (out[i] = trainable[j]!));
    return out;
  };
  const trainableOf = (full: readonly Float32Array[]) => trainableIdx.map((i) => full[i]!);
  const trainSet = { x: train.data, y: Int32Array.from(train.header.labelIndex), n: train.header.shape[0]! };

  const accuracy = async (t: FeatureTensor, group?: readonly string[]) => {
    const n = t.header.shape[0]!;
    const p = await predict(net.model, t.data, shape);
    const classes = p.length / n;
    const hit: Record<string, [number, number]> = {};
    for (let e = 0; e < n; e++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[e * classes + c]! > p[e * classes + best]!) best = c;
      for (const g of ['all', ...(group ? [group[e]!] : [])]) {
        const h = (hit[g] ??= [0, 0]);
        h[0] += best === t.header.labelIndex[e] ? 1 : 0;
        h[1] += 1;
      }
    }
    return (g: string) => (hit[g] ? ((100 * hit[g][0]) / hit[g][1]).toFixed(1) : '—');
  };
  /** How BN statistics are recomputed: file order (the first implementation), shuffled, shuffled + augmented. */
  const modes = (process.env.BN_MODES ?? 'file,shuffled,augmented').split(',');
  const augment = { timeShiftFrames: 5, timeMasks: { count: 2, maxFrames: 5 }, freqMasks: { count: 1, maxCoeffs: 2 } };
  const recomputeBn = async (mode: string) => {
    const rng = Prng.derive('tinyops/train/bn-recompute', ...last.dataSeed);
    if (mode === 'file') {
      // File order: a generator whose shuffle leaves the order as it is.
      const identity = { shuffle: () => undefined } as unknown as Prng;
      await recomputeBatchNormStatistics(tf, net.model, forward, trainSet, shape, 100, { rng: identity });
    } else {
      await recomputeBatchNormStatistics(tf, net.model, forward, trainSet, shape, 100, {
        rng,
        ...(mode === 'augmented' ? { augment } : {}),
      });
    }
  };
  const row = async (label: string, full: readonly Float32Array[], recompute: boolean) => {
    for (const mode of recompute ? modes : ['']) {
      writeWeights(tf, net.model, full);
      if (recompute) await recomputeBn(mode);
      const val = await accuracy(validation);
      const tst = await accuracy(test, groups);
      console.log(
        `${(recompute ? `${label}, recomputed BN (${mode})` : label).padEnd(58)} val ${val('all')}  test ${tst('all')}  voices ${tst('voices')}  engines ${tst('engines')}`,
      );
    }
  };
  const lastFull = last.weights.map((w) => w.values);
  await row(`best epoch ${last.bestEpoch}, training BN`, last.bestWeights, false);
  await row(`best epoch ${last.bestEpoch}`, last.bestWeights, true);
  await row(`last epoch ${last.epochsDone}, training BN`, lastFull, false);
  await row(`last epoch ${last.epochsDone}`, lastFull, true);
  const avg = last.averaging!;
  await row(
    `per-step mean ${fromEpoch}–${last.epochsDone}, last epoch's BN`,
    withTrainable(lastFull, avg.values),
    false,
  );
  await row(`per-step mean ${fromEpoch}–${last.epochsDone}`, withTrainable(lastFull, avg.values), true);
  for (let e = fromEpoch + 2; e <= last.epochsDone; e += 2) {
    const before = byEpoch.get(e - 1)?.averaging;
    if (before === undefined) continue;
    const k = avg.count - before.count;
    const tail = avg.values.map((a, j) =>
      Float32Array.from(a, (x, i) => (avg.count * x - before.count * before.values[j]![i]!) / k),
    );
    await row(`per-step mean ${e}–${last.epochsDone}`, withTrainable(lastFull, tail), true);
  }
  for (const e of [fromEpoch, fromEpoch + 4, last.epochsDone - 2]) {
    const members: Float32Array[][] = [];
    for (let m = e; m <= last.epochsDone; m++) {
      const c = byEpoch.get(m);
      if (c !== undefined) members.push(trainableOf(c.weights.map((w) => w.values)));
    }
    if (members.length !== last.epochsDone - e + 1) continue;
    const mean = members[0]!.map((_, j) =>
      Float32Array.from(members[0]![j]!, (_x, i) => members.reduce((s, w) => s + w[j]![i]!, 0) / members.length),
    );
    await row(`per-epoch mean (SWA) ${e}–${last.epochsDone}`, withTrainable(lastFull, mean), true);
  }
  net.model.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
