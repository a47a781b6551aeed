import type * as TF from '@tensorflow/tfjs-node';
import type { TrainForward } from './ds-cnn-train';
import type { Tf } from './tf';
import type { Prng } from '../util/prng';
import type { Pair } from './ds-cnn-arch';
import { augmentBatch, augmentEnabled, gatherBatch, type FeatureAugment, type LabelledSet } from './train-data';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Weight averaging (train config `weightAveraging`): a running mean of every trainable
 * weight over the tail of training, which replaces the trained weights at the end.
 *
 * - `every: epoch` is SWA (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and
 *   Better Generalization", §3.2 Alg. 1): one snapshot at the end of each averaged epoch.
 * - `every: step` is SWAD's dense averaging (Cha et al. 2021, "Domain Generalization by Seeking
 *   Flat Minima", §4): one snapshot after every optimizer step, which their DomainBed results
 *   show generalizes better to unseen domains than per-epoch snapshots.
 *
 * Update (SWA Alg. 1): w_avg ← (w_avg · n + w) / (n + 1), n the snapshots so far, in float32
 * on the native backend (deterministic on CPU). BatchNorm's moving statistics are not
 * trainable and are not averaged: the train loop recomputes them for the averaged weights
 * (SWA §3.2, "Batch normalization"; `recomputeBatchNormStatistics` below).
 */

export interface WeightAveragingState {
  /** Snapshots averaged so far (0: none yet, `values` empty). */
  readonly count: number;
  /** The running mean, one array per trainable variable in `vars` order. */
  readonly values: readonly Float32Array[];
}

export class WeightAverager {
  private avg: TF.Variable[] = [];
  private n = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly TF.Variable[],
  ) {}

  /** Snapshots averaged so far. */
  get count(): number {
    return this.n;
  }

  /** Adds the variables' current values to the mean. */
  update(): void {
    const tf = this.tf;
    if (this.n === 0) {
      // Inside tidy so the copies the variables are made from are freed.
      this.avg = tf.tidy(() => this.vars.map((v) => tf.variable(v.clone(), false)));
    } else {
      const n = this.n;
      tf.tidy(() => {
        this.avg.forEach((a, i) => a.assign(tf.div(tf.add(tf.mul(a, n), this.vars[i] as TF.Variable), n + 1)));
      });
    }
    this.n++;
  }

  /** Writes the mean into the variables (the model's trainable weights). */
  apply(): void {
    if (this.n === 0) throw new Error('WeightAverager.apply: no snapshot has been averaged');
    this.vars.forEach((v, i) => v.assign(this.avg[i] as TF.Variable));
  }

  getState(): WeightAveragingState {
    // Float32Array.from: dataSync's array may come from the native addon's realm (see adam.ts).
    return { count: this.n, values: this.avg.map((a) => Float32Array.from(a.dataSync() as Float32Array)) };
  }

  setState(state: WeightAveragingState): void {
    const tf = this.tf;
    if (state.count < 0 || !Number.isInteger(state.count))
      throw new Error(`WeightAverager.setState: bad count ${state.count}`);
    const expected = state.count === 0 ? 0 : this.vars.length;
    if (state.values.length !== expected)
      throw new Error(
        `WeightAverager.setState: ${state.values.length} averaged tensors for ${state.count} snapshots of ${this.vars.length} variables`,
      );
    state.values.forEach((values, i) => {
      const v = this.vars[i] as TF.Variable;
      if (values.length !== v.size)
        throw new Error(`WeightAverager.setState: ${values.length} values for variable ${v.name} of ${v.size}`);
    });
    this.dispose();
    this.avg = tf.tidy(() =>
      state.values.map((values, i) =>
        tf.variable(tf.tensor(values, (this.vars[i] as TF.Variable).shape, 'float32'), false),
      ),
    );
    this.n = state.count;
  }

  dispose(): void {
    for (const a of this.avg) a.dispose();
    this.avg = [];
  }
}

/**
 * BatchNorm's moving mean and variance for the weights now in the network (SWA, Izmailov et
 * al. 2018 §3.2: the averaged network's activations have other statistics than any visited
 * network's, so the running statistics of training are wrong for it). One training-mode
 * forward pass (`forward`, dsCnnTrainForward) over `set` in an order shuffled by `rng`, no
 * dropout, optionally with the training's feature augmentation drawn from the same `rng`, in
 * batches of `batchSize`; after the k-th batch of b_k examples the moving statistics move by
 * b_k / (b_1 + … + b_k) towards its batch statistics, which leaves them the example-weighted
 * mean of the batches' means and (biased) variances: PyTorch's `bn_update` (momentum None) over
 * a shuffling loader, weighted by batch size. Shuffled because the training files are stored
 * label by label: batches of one class have a smaller within-batch variance than the mixed
 * batches the network was trained with (in file order the recomputed variances came out too
 * small and cost 2–3 points), and augmented as in training (time shift and SpecAugment masks;
 * not the channel offset or mixup) because the network's layers were fitted to the statistics of
 * augmented batches: on the KWS default, shuffled + augmented statistics scored best
 * (docs/results/2026-12-05-weight-averaging.md). Deterministic: a function of the weights, the
 * trainable weights, the data and `rng`'s seed.
 */
export async function recomputeBatchNormStatistics(
  tf: Tf,
  model: TF.LayersModel,
  forward: TrainForward,
  set: LabelledSet,
  shape: Pair,
  batchSize: number,
  opts: { readonly rng: Prng; readonly augment?: FeatureAugment },
): Promise<void> {
  const size = shape[0] * shape[1];
  // Zeros first, so the first batch's statistics are copied exactly (0 − (0 − b)·1 = b) and the
  // result does not depend on the statistics the model had.
  tf.tidy(() => {
    for (const w of model.weights) if (/moving_(mean|variance)$/.test(w.originalName)) w.write(tf.zerosLike(w.read()));
  });
  const order = Array.from({ length: set.n }, (_, i) => i);
  opts.rng.shuffle(order);
  const augment = opts.augment !== undefined && augmentEnabled(opts.augment) ? opts.augment : undefined;
  for (let start = 0; start < set.n; start += batchSize) {
    const end = Math.min(set.n, start + batchSize);
    const batch = gatherBatch(set, order, start, end, size);
    if (augment !== undefined) augmentBatch(batch.x, end - start, shape, augment, opts.rng);
    tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [end - start, shape[0], shape[1], 1]);
      forward(x, undefined, undefined, (end - start) / end);
    });
    // Let an activity's heartbeats through.
    await yieldToEventLoop();
  }
}
