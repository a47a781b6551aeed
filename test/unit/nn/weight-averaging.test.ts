import { StageInputError } from '../../../src/errors';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from '../../../src/nn/checkpoint';
import { readWeights } from '../../../src/nn/model-weights';
import { loadTf } from '../../../src/nn/tf';
import { trainStageConfigSchema, type TrainConfig } from '../../../src/nn/train-config';
import type { TrainData } from '../../../src/nn/train-data';
import { trainModel, type TrainResult } from '../../../src/nn/train-loop';
import { buildDsCnn } from '../../../src/nn/ds-cnn';
import { dsCnnTrainForward } from '../../../src/nn/ds-cnn-train';
import { resolveArchitecture } from '../../../src/nn/train-config';
import { recomputeBatchNormStatistics, WeightAverager } from '../../../src/nn/weight-averaging';
import { Prng } from '../../../src/util/prng';
import { syntheticData, tinyConfig } from './synthetic-data';

const tf = loadTf();

const bytes = (ws: readonly { values: Float32Array }[]): Buffer =>
  Buffer.concat(ws.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)));

interface Run {
  readonly result: Omit<TrainResult, 'model'>;
  readonly weights: ReturnType<typeof readWeights>;
  readonly checkpoints: TrainCheckpoint[];
}

/** Trains, keeps every epoch's checkpoint (encoded and decoded again) and the final model's weights. */
async function run(data: TrainData, config: TrainConfig, seed: string, resumeFrom?: TrainCheckpoint): Promise<Run> {
  const checkpoints: TrainCheckpoint[] = [];
  const { model, ...result } = await trainModel(data, config, {
    rng: Prng.derive(seed),
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
    onEpoch: async (_e, _m, checkpoint) => {
      checkpoints.push(decodeCheckpoint(encodeCheckpoint(checkpoint())));
    },
  });
  const weights = readWeights(model);
  model.dispose();
  return { result, weights, checkpoints };
}

describe('WeightAverager', () => {
  it('averages known weight sets by hand: (a·n + w)/(n + 1) in float32, and round-trips its state', () => {
    const v1 = tf.variable(tf.tensor1d([0, 0, 0]), true, 'wa_v1');
    const v2 = tf.variable(tf.tensor2d([[0, 0]]), true, 'wa_v2');
    const before = tf.memory().numTensors;
    const avg = new WeightAverager(tf, [v1, v2]);
    const set = (a: number[], b: number[]) =>
      tf.tidy(() => {
        v1.assign(tf.tensor1d(a));
        v2.assign(tf.tensor2d([b]));
      });
    const A = [
      [1, -2, 0.1],
      [3, 4],
    ] as const;
    const B = [
      [3, 2, 0.2],
      [-1, 5],
    ] as const;
    set([...A[0]], [...A[1]]);
    avg.update();
    set([...B[0]], [...B[1]]);
    avg.update();
    expect(avg.count).toBe(2);
    const half = avg.getState();
    const byHand = (i: 0 | 1) =>
      Float32Array.from(A[i].map((a, j) => Math.fround(Math.fround(a) + Math.fround(B[i][j] as number)) / 2));
    expect(half.values[0]).toEqual(byHand(0));
    expect(half.values[1]).toEqual(byHand(1));
    // A third set: the mean of three.
    set([5, 0, 0.3], [1, 0]);
    avg.update();
    const third = avg.getState();
    [3, 0, 0.2].forEach((x, j) => expect(third.values[0]?.[j]).toBeCloseTo(x, 6));
    [1, 3].forEach((x, j) => expect(third.values[1]?.[j]).toBeCloseTo(x, 6));
    // Restored into a fresh averager, the next update is the same as the original's.
    const copy = new WeightAverager(tf, [v1, v2]);
    copy.setState(half);
    set([5, 0, 0.3], [1, 0]);
    copy.update();
    expect(copy.getState()).toEqual(third);
    // apply() makes the mean the variables' values.
    copy.apply();
    expect(Float32Array.from(v1.dataSync())).toEqual(third.values[0]);
    expect(() => copy.setState({ count: 2, values: [new Float32Array(3)] })).toThrow(/1 averaged tensors/);
    expect(() => copy.setState({ count: 2, values: [new Float32Array(2), new Float32Array(2)] })).toThrow(
      /2 values for variable/,
    );
    avg.dispose();
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v1.dispose();
    v2.dispose();
  });

  it('refuses apply() before any snapshot', () => {
    const v = tf.variable(tf.tensor1d([1]));
    expect(() => new WeightAverager(tf, [v]).apply()).toThrow(/no snapshot/);
    v.dispose();
  });
});

describe('recomputeBatchNormStatistics', () => {
  it('gives the moving mean/variance of shuffled mixed batches even when the data are sorted by class; deterministic; augmentation changes it', async () => {
    const data = syntheticData({ n: 240, nVal: 12 });
    // Class by class, as the feature files are stored.
    const order = Array.from({ length: 240 }, (_, i) => i).sort((a, b) => data.train.y[a]! - data.train.y[b]! || a - b);
    const size = data.shape[0] * data.shape[1];
    const x = new Float32Array(240 * size);
    order.forEach((k, i) => x.set(data.train.x.subarray(k * size, (k + 1) * size), i * size));
    const sorted = { x, y: Int32Array.from(order, (k) => data.train.y[k]!), n: 240 };
    const net = buildDsCnn(resolveArchitecture(tinyConfig().architecture), {
      inputShape: data.shape,
      numClasses: 12,
      initRng: Prng.derive('bn-recompute'),
    });
    const forward = dsCnnTrainForward(tf, net);
    const stats = async (opts: Parameters<typeof recomputeBatchNormStatistics>[6]) => {
      await recomputeBatchNormStatistics(tf, net.model, forward, sorted, data.shape, 40, opts);
      const w = readWeights(net.model);
      return {
        mean: w.find((v) => v.name === 'conv0_bn/moving_mean')!.values,
        variance: w.find((v) => v.name === 'conv0_bn/moving_variance')!.values,
      };
    };
    // Population statistics of conv0's output over the whole split.
    const kernel = readWeights(net.model).find((w) => w.name === 'conv0/kernel')!;
    const [popMean, popVar] = tf.tidy(() => {
      const y = tf.conv2d(
        tf.tensor4d(x, [240, data.shape[0], data.shape[1], 1]),
        tf.tensor4d(kernel.values, kernel.shape as [number, number, number, number]),
        1,
        'same',
      );
      const m = tf.moments(y, [0, 1, 2]);
      return [Float32Array.from(m.mean.dataSync()), Float32Array.from(m.variance.dataSync())];
    });
    const a = await stats({ rng: Prng.derive('r') });
    const maxRel = (u: Float32Array, v: Float32Array) =>
      Math.max(...Array.from(u, (x, i) => Math.abs(x - v[i]!) / v[i]!));
    expect(Math.max(...Array.from(a.mean, (m, i) => Math.abs(m - popMean![i]!)))).toBeLessThan(1e-4);
    // Mixed batches of 40 of 240: the within-batch variance is (1 − 1/40)·σ² up to sampling noise.
    expect(maxRel(a.variance, popVar!)).toBeLessThan(0.1);
    const again = await stats({ rng: Prng.derive('r') });
    expect(again.variance).toEqual(a.variance);
    const augment = tinyConfig({ augment: { timeShiftFrames: 3, timeMasks: { count: 1, maxFrames: 4 } } }).augment;
    const aug = await stats({ rng: Prng.derive('r'), augment });
    expect(aug.variance).not.toEqual(a.variance);
    net.model.dispose();
  });
});

describe('trainModel with weightAveraging', () => {
  const data = syntheticData({ n: 120, nVal: 48 });
  const off = tinyConfig({ epochs: 4 });
  const perStep = tinyConfig({ epochs: 4, weightAveraging: { fromEpoch: 2, every: 'step' } });
  let offRun: Run;
  let stepRun: Run;

  beforeAll(async () => {
    offRun = await run(data, off, 'wa');
    stepRun = await run(data, perStep, 'wa');
  });

  it('leaves the training trajectory alone and leaves configs without it unchanged', () => {
    expect('weightAveraging' in off).toBe(false); // no key: the stage's cache key is the old one
    // Averaging only reads the weights: every epoch's weights and metrics are those of the run without it.
    expect(stepRun.result.history).toEqual(offRun.result.history);
    stepRun.checkpoints.forEach((c, i) =>
      expect(bytes(c.weights).equals(bytes(offRun.checkpoints[i]!.weights))).toBe(true),
    );
    expect(offRun.checkpoints.every((c) => c.averaging === undefined)).toBe(true);
    expect(offRun.result.averaged).toBeUndefined();
  });

  it('exports the average of every step from fromEpoch on, with BatchNorm statistics recomputed for it', () => {
    const steps = Math.ceil(120 / 16);
    const a = stepRun.result.averaged!;
    expect(a).toMatchObject({ fromEpoch: 2, every: 'step', snapshots: 3 * steps });
    expect(a.valAccuracy).toBeGreaterThan(1 / 12);
    expect(stepRun.checkpoints[0]!.averaging).toBeUndefined(); // epoch 1: not averaged yet
    expect(stepRun.checkpoints[1]!.averaging?.count).toBe(steps);
    // The exported trainable weights are the running mean, neither the last nor the best epoch's.
    const last = stepRun.checkpoints[3]!;
    const trainable = (ws: readonly { name: string; values: Float32Array }[]) =>
      ws.filter((w) => !/moving/.test(w.name));
    expect(bytes(trainable(stepRun.weights)).equals(bytes(last.averaging!.values.map((values) => ({ values }))))).toBe(
      true,
    );
    expect(bytes(stepRun.weights).equals(bytes(offRun.weights))).toBe(false);
  });

  it('is deterministic: the same seed gives the same bytes', async () => {
    const again = await run(data, perStep, 'wa');
    expect(bytes(again.weights).equals(bytes(stepRun.weights))).toBe(true);
    expect(again.result.averaged).toEqual(stepRun.result.averaged);
  });

  it('resumed in the middle of averaging, ends with the same bytes as the uninterrupted run', async () => {
    const resumed = await run(data, perStep, 'wa', stepRun.checkpoints[2]);
    expect(resumed.result.epochsRun).toBe(1);
    expect(bytes(resumed.weights).equals(bytes(stepRun.weights))).toBe(true);
    expect(resumed.result.averaged).toEqual(stepRun.result.averaged);
    // A checkpoint past fromEpoch without the average cannot resume the run.
    const { averaging: _dropped, ...stripped } = stepRun.checkpoints[2]!;
    await expect(run(data, perStep, 'wa', stripped)).rejects.toThrow(/lacks the weight average/);
  });

  it('every: epoch averages one snapshot per epoch; with fromEpoch = epochs that is the last weights, BN mean recomputed', async () => {
    const last = tinyConfig({ epochs: 4, weightAveraging: { fromEpoch: 4, every: 'epoch' } });
    const r = await run(data, last, 'wa');
    expect(r.result.averaged?.snapshots).toBe(1);
    const ck = r.checkpoints[3]!;
    const trainable = (ws: readonly { name: string; values: Float32Array }[]) =>
      ws.filter((w) => !/moving/.test(w.name));
    expect(bytes(trainable(r.weights)).equals(bytes(trainable(ck.weights)))).toBe(true);
    // conv0 has no bias: its BN's recomputed moving mean is the mean of conv0's output over the whole training split.
    const kernel = ck.weights.find((w) => w.name === 'conv0/kernel')!;
    const expected = tf.tidy(() => {
      const x = tf.tensor4d(data.train.x, [data.train.n, data.shape[0], data.shape[1], 1]);
      const y = tf.conv2d(x, tf.tensor4d(kernel.values, kernel.shape as [number, number, number, number]), 1, 'same');
      return Float32Array.from(tf.mean(y, [0, 1, 2]).dataSync());
    });
    const movingMean = r.weights.find((w) => w.name === 'conv0_bn/moving_mean')!.values;
    const stale = ck.weights.find((w) => w.name === 'conv0_bn/moving_mean')!.values;
    expect(Math.max(...expected.map((e, i) => Math.abs(e - movingMean[i]!)))).toBeLessThan(1e-4);
    expect(Math.max(...expected.map((e, i) => Math.abs(e - stale[i]!)))).toBeGreaterThan(1e-3);
  });

  it('refuses fromEpoch beyond the epochs, also when the config did not pass the stage schema', async () => {
    await expect(
      trainModel(data, tinyConfig({ epochs: 2, weightAveraging: { fromEpoch: 3, every: 'step' } }), {
        rng: Prng.derive('x'),
      }),
    ).rejects.toThrow(StageInputError);
  });
});

describe('weightAveraging config', () => {
  const issue = (input: unknown) => {
    const r = trainStageConfigSchema.safeParse(input);
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('defaults every to step and is absent unless given', () => {
    expect(trainStageConfigSchema.parse({ epochs: 20, weightAveraging: { fromEpoch: 11 } }).weightAveraging).toEqual({
      fromEpoch: 11,
      every: 'step',
    });
    expect(trainStageConfigSchema.parse({}).weightAveraging).toBeUndefined();
  });

  it('names the field and the expected values', () => {
    expect(issue({ epochs: 10, weightAveraging: { fromEpoch: 11 } })).toMatch(
      /weightAveraging\.fromEpoch: weightAveraging\.fromEpoch is 11, but training has only 10 epochs; expected 1 … 10/,
    );
    expect(issue({ weightAveraging: { fromEpoch: 0 } })).toMatch(/weightAveraging\.fromEpoch/);
    expect(issue({ weightAveraging: { fromEpoch: 2, every: 'batch' } })).toMatch(/weightAveraging\.every/);
    expect(issue({ weightAveraging: { fromEpoch: 2, evry: 'step' } })).toMatch(/evry/);
    expect(issue({ weightAveraging: {} })).toMatch(/weightAveraging\.fromEpoch/);
  });

  it('is float training only: refused with a quantization block', () => {
    expect(issue({ epochs: 4, weightAveraging: { fromEpoch: 2 }, quantization: { bits: 8, qat: true } })).toMatch(
      /weightAveraging: weightAveraging supports float training only/,
    );
    expect(issue({ epochs: 4, weightAveraging: { fromEpoch: 2 }, quantization: { bits: 8 } })).toMatch(
      /float training only/,
    );
  });
});
