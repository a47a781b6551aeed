import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../../src/errors';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from '../../../src/nn/checkpoint';
import { readWeights } from '../../../src/nn/model-weights';
import { loadTf } from '../../../src/nn/tf';
import { trainModel } from '../../../src/nn/train-loop';
import type { TrainConfig } from '../../../src/nn/train-config';
import type { TrainData } from '../../../src/nn/train-data';
import { isBetterEpoch } from '../../../src/nn/train-metrics';
import { Prng } from '../../../src/util/prng';
import { resumeCase, syntheticData, tinyConfig } from './synthetic-data';

const tf = loadTf();

/** Largest |a − b| over all weights of two checkpoints (∞ if their layouts differ). */
function maxWeightDiff(a: readonly { values: Float32Array }[], b: readonly { values: Float32Array }[]): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  a.forEach((w, i) => {
    const v = b[i]?.values;
    if (v === undefined || v.length !== w.values.length) max = Infinity;
    else w.values.forEach((x, j) => (max = Math.max(max, Math.abs(x - (v[j] as number)))));
  });
  return max;
}

/** Trains and returns the checkpoint after the last epoch (and disposes the model). */
async function trainToCheckpoint(data: TrainData, config: TrainConfig, seed: string): Promise<TrainCheckpoint> {
  let last: TrainCheckpoint | undefined;
  const r = await trainModel(data, config, {
    rng: Prng.derive(seed),
    onEpoch: async (epoch, _m, checkpoint) => {
      if (epoch === config.epochs) last = checkpoint();
    },
  });
  r.model.dispose();
  if (last === undefined) throw new Error('no checkpoint of the last epoch');
  return last;
}

describe('trainModel', () => {
  it('learns a separable 12-class problem, reports every step, and leaks no tensors across epochs', async () => {
    const data = syntheticData({ n: 300, nVal: 120 });
    const config = tinyConfig({ epochs: 4 });
    const before = tf.memory().numTensors;
    const tensorsAtEpoch: number[] = [];
    const steps: Array<[number, number]> = [];
    const r = await trainModel(data, config, {
      rng: Prng.derive('learns'),
      onStep: (step, total) => steps.push([step, total]),
      onEpoch: async () => {
        tensorsAtEpoch.push(tf.memory().numTensors);
      },
    });
    const best = r.history[r.bestEpoch - 1];
    expect(best?.valAccuracy).toBeGreaterThan(0.5); // chance is 1/12
    expect(r.history[3]?.loss).toBeLessThan(r.history[0]?.loss as number);
    expect(r.epochsRun).toBe(4);
    expect(r.trainSamplesPerSec).toBeGreaterThan(0);
    // ceil(300 / 16) = 19 steps per epoch.
    expect(steps.length).toBe(4 * 19);
    expect(steps[steps.length - 1]).toEqual([76, 76]);
    expect(new Set(tensorsAtEpoch).size).toBe(1);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic: same data, config and seed give bit-identical weights; another seed does not', async () => {
    const data = syntheticData({ n: 200, nVal: 60 });
    const config = tinyConfig({ epochs: 2 });
    const a = await trainToCheckpoint(data, config, 'det');
    const b = await trainToCheckpoint(data, config, 'det');
    expect(maxWeightDiff(a.weights, b.weights)).toBe(0);
    expect(b).toEqual(a); // also history, Adam moments, best weights
    const c = await trainToCheckpoint(data, config, 'other');
    expect(maxWeightDiff(a.weights, c.weights)).toBeGreaterThan(0);
  });

  it('resumes in a fresh process after a crash and ends exactly where an uninterrupted run does', async () => {
    const { data, config, seed } = resumeCase();
    const straight = await trainToCheckpoint(data, config, seed);

    const dir = mkdtempSync(join(tmpdir(), 'tinyops-nn-'));
    try {
      const before = tf.memory().numTensors;
      const saved = join(dir, 'epoch2.ckpt');
      const crashed = trainModel(data, config, {
        rng: Prng.derive(seed),
        onEpoch: async (epoch, _m, checkpoint) => {
          writeFileSync(saved, encodeCheckpoint(checkpoint()));
          if (epoch === 2) throw new Error('worker killed');
        },
      });
      await expect(crashed).rejects.toThrow('worker killed');
      expect(tf.memory().numTensors).toBe(before); // the aborted model was disposed

      const out = join(dir, 'epoch4.ckpt');
      execFileSync(process.execPath, [join(__dirname, 'resume-child.js'), saved, out], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const resumed = decodeCheckpoint(readFileSync(out));
      expect(maxWeightDiff(resumed.weights, straight.weights)).toBe(0);
      expect(resumed).toEqual(straight);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restores the weights of the best validation epoch, not the last', async () => {
    // Random validation labels: validation accuracy wanders, so the best epoch is an early
    // one (deterministic for this seed; asserted so the test cannot pass vacuously).
    const data = syntheticData({ n: 200, nVal: 60 });
    const rng = Prng.derive('best-epoch-labels');
    const shuffled: TrainData = {
      ...data,
      validation: { ...data.validation, y: data.validation.y.map(() => rng.int(0, 11)) },
    };
    const config = tinyConfig({ epochs: 5 });
    const perEpoch: TrainCheckpoint[] = [];
    const r = await trainModel(shuffled, config, {
      rng: Prng.derive('best'),
      onEpoch: async (_e, _m, checkpoint) => {
        perEpoch.push(checkpoint());
      },
    });
    let expected = 1;
    r.history.forEach((m, i) => {
      if (isBetterEpoch(m, r.history[expected - 1], 'valAccuracy')) expected = i + 1;
    });
    expect(r.bestEpoch).toBe(expected);
    expect(r.bestEpoch).toBeLessThan(5);
    expect(maxWeightDiff(readWeights(r.model), perEpoch[r.bestEpoch - 1]?.weights ?? [])).toBe(0);
    expect(maxWeightDiff(readWeights(r.model), perEpoch[4]?.weights ?? [])).toBeGreaterThan(0);
    r.model.dispose();
  });

  it('fine-tunes from given initial weights (initFrom: upstream) and refuses weights of another architecture', async () => {
    const data = syntheticData({ n: 120, nVal: 36 });
    const pre = await trainToCheckpoint(data, tinyConfig({ epochs: 3 }), 'pretrain');
    // One epoch at a tiny learning rate: the fine-tuned weights stay next to the pretrained
    // ones, far from a fresh seeded initialisation with the same seed.
    const slow = tinyConfig({ epochs: 1, learningRate: { initial: 1e-6, decay: 'constant' } });
    const tuned = await trainToCheckpoint(data, slow, 'finetune');
    const fromPre = await (async () => {
      let last: TrainCheckpoint | undefined;
      const r = await trainModel(data, slow, {
        rng: Prng.derive('finetune'),
        initialWeights: pre.weights,
        onEpoch: async (_e, _m, checkpoint) => {
          last = checkpoint();
        },
      });
      r.model.dispose();
      return last!;
    })();
    // Trainable weights only: BatchNorm's moving statistics follow the batches at any learning rate.
    const trainable = (ws: TrainCheckpoint['weights']) => ws.filter((w) => !/moving/.test(w.name));
    expect(maxWeightDiff(trainable(fromPre.weights), trainable(pre.weights))).toBeLessThan(1e-3);
    expect(maxWeightDiff(trainable(tuned.weights), trainable(pre.weights))).toBeGreaterThan(0.05);
    // The initial weights are part of the run's identity: a checkpoint of the fresh run does not resume it.
    expect(fromPre.fingerprint).not.toBe(tuned.fingerprint);
    const other = tinyConfig({
      epochs: 1,
      architecture: { firstConv: { filters: 8, kernel: [3, 3], stride: [1, 1] }, blocks: { width: 8, depth: 1 } },
    });
    await expect(trainModel(data, other, { rng: Prng.derive('x'), initialWeights: pre.weights })).rejects.toThrow(
      /initFrom: upstream: the upstream model does not match this architecture/,
    );
  });

  it('refuses a checkpoint of another run, and bad data, before building anything', async () => {
    const data = syntheticData({ n: 40, nVal: 12 });
    const config = tinyConfig({ epochs: 1 });
    const cp = await trainToCheckpoint(data, config, 'one');
    const before = tf.memory().numTensors;
    await expect(trainModel(data, config, { rng: Prng.derive('two'), resumeFrom: cp })).rejects.toThrow(
      CheckpointError,
    );
    await expect(
      trainModel(data, tinyConfig({ epochs: 1, batchSize: 8 }), { rng: Prng.derive('one'), resumeFrom: cp }),
    ).rejects.toThrow(/belongs to another run/);
    const badLabels: TrainData = {
      ...data,
      train: { ...data.train, y: data.train.y.map((c, i) => (i === 3 ? 12 : c)) },
    };
    await expect(trainModel(badLabels, config, { rng: Prng.derive('one') })).rejects.toThrow(StageInputError);
    await expect(trainModel(badLabels, config, { rng: Prng.derive('one') })).rejects.toThrow(
      'train.y[3] = 12 is outside 0 … 11',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
