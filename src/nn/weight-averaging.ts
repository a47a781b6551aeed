import type * as TF from '@tensorflow/tfjs-node';
import type { TrainForward } from './ds-cnn-train';
import type { Tf } from './tf';
import type { LabelledSet } from './train-data';

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
 * forward pass (`forward`, dsCnnTrainForward) over `set` in file order — no augmentation, no
 * dropout — in batches of `batchSize`; after the k-th batch of b_k examples the moving
 * statistics move by b_k / (b_1 + … + b_k) towards its batch statistics, which leaves them the
 * example-weighted mean of the batches' means and (biased) variances: PyTorch's `bn_update`
 * (momentum None), weighted by batch size. Deterministic: a function of the weights and the data.
 */
export async function recomputeBatchNormStatistics(
  tf: Tf,
  forward: TrainForward,
  set: LabelledSet,
  shape: readonly [number, number],
  batchSize: number,
): Promise<void> {
  const size = shape[0] * shape[1];
  for (let start = 0; start < set.n; start += batchSize) {
    const end = Math.min(set.n, start + batchSize);
    tf.tidy(() => {
      const x = tf.tensor4d(set.x.subarray(start * size, end * size), [end - start, shape[0], shape[1], 1]);
      forward(x, undefined, undefined, (end - start) / end);
    });
    // Let an activity's heartbeats through.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
