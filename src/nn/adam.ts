import type * as TF from '@tensorflow/tfjs-node';
import type { Tf } from './tf';

export interface AdamSettings {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /**
   * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): after the Adam step every kernel
   * (a variable of rank ≥ 2) also moves by −learningRate·weightDecay·w. Batch-norm scales and
   * shifts and biases (rank 1) are not decayed. Absent or 0 = plain Adam, bit for bit.
   */
  readonly weightDecay?: number | undefined;
}

/** Everything Adam needs to continue bit-for-bit: the step count and both moments per variable. */
export interface AdamState {
  /** Updates applied so far (Adam's t). */
  readonly step: number;
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

/**
 * Adam (Kingma & Ba 2015) with the tf.keras update
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε).
 *
 * Ours rather than tf.train.adam because a resumed run must continue exactly: tfjs keeps
 * β₁ᵗ, β₂ᵗ as running float32 products but its setWeights() recomputes them with pow(),
 * which rounds differently, so a restored tfjs Adam drifts from an uninterrupted one.
 * Here the bias correction is computed in float64 from t each step, and the state is just
 * (t, m, v). The learning rate is an argument per step, so any schedule can drive it.
 */
export class Adam {
  /** Variable indices sharing one shape; each group's moments are one stacked tensor. */
  private readonly groups: readonly (readonly number[])[];
  /** Per group: [group size, ...variable shape] (just the shape for a group of one). */
  private readonly m: TF.Variable[];
  private readonly v: TF.Variable[];
  private t = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly TF.Variable[],
    private readonly settings: AdamSettings,
  ) {
    this.groups = groupByShape(vars.map((w) => w.shape));
    // Inside tidy so the zero tensors the variables copy from are freed.
    const zeros = () => this.groups.map((g) => tf.variable(tf.zeros(this.groupShape(g)), false));
    this.m = tf.tidy(zeros);
    this.v = tf.tidy(zeros);
  }

  get step(): number {
    return this.t;
  }

  private groupShape(g: readonly number[]): number[] {
    const shape = (this.vars[g[0] as number] as TF.Variable).shape;
    return g.length === 1 ? [...shape] : [g.length, ...shape];
  }

  /**
   * One update; `grads[i]` is the gradient of `vars[i]`. Tensors it creates are freed.
   *
   * Variables of one shape (a DS-CNN's 18 BN vectors, its depthwise and its pointwise
   * kernels) are updated as one stacked tensor: tfjs-node runs one native op per tfjs
   * kernel at a fixed cost of tens of µs, so 12 ops per variable over ~30 small variables
   * cost more than the arithmetic. Stacking (Pack/Unpack) only copies and the update is
   * elementwise, so the result is bit-identical to updating each variable on its own.
   */
  apply(grads: readonly TF.Tensor[], learningRate: number): void {
    if (grads.length !== this.vars.length)
      throw new Error(`Adam.apply: ${grads.length} gradients for ${this.vars.length} variables`);
    this.t += 1;
    const { beta1, beta2, epsilon } = this.settings;
    const stepSize = (learningRate * Math.sqrt(1 - Math.pow(beta2, this.t))) / (1 - Math.pow(beta1, this.t));
    const tf = this.tf;
    tf.tidy(() => {
      const b1 = tf.scalar(beta1);
      const b2 = tf.scalar(beta2);
      const c1 = tf.scalar(1 - beta1);
      const c2 = tf.scalar(1 - beta2);
      const eps = tf.scalar(epsilon);
      const lr = tf.scalar(stepSize);
      const wd = this.settings.weightDecay ?? 0;
      const decay = wd > 0 ? tf.scalar(learningRate * wd) : undefined;
      this.groups.forEach((idx, k) => {
        const pick = <T>(xs: readonly T[]) => idx.map((i) => xs[i] as T);
        const stack = (ts: TF.Tensor[]): TF.Tensor => (ts.length === 1 ? (ts[0] as TF.Tensor) : tf.stack(ts));
        const g = stack(pick(grads));
        const w = stack(pick(this.vars));
        const m = this.m[k] as TF.Variable;
        const v = this.v[k] as TF.Variable;
        m.assign(m.mul(b1).add(g.mul(c1)));
        v.assign(v.mul(b2).add(g.square().mul(c2)));
        let updated = w.sub(m.mul(lr).div(v.sqrt().add(eps)));
        // decay from the weights before this step (w), scaled by the schedule's rate, not Adam's corrected step
        if (decay !== undefined && (this.vars[idx[0] as number] as TF.Variable).rank >= 2)
          updated = updated.sub(w.mul(decay));
        const parts = idx.length === 1 ? [updated] : tf.unstack(updated);
        idx.forEach((i, j) => (this.vars[i] as TF.Variable).assign(parts[j] as TF.Tensor));
      });
    });
  }

  getState(): AdamState {
    return { step: this.t, m: this.unstackOut(this.m), v: this.unstackOut(this.v) };
  }

  /** Per-variable copies (in `vars` order) of per-group moments. */
  private unstackOut(moments: readonly TF.Variable[]): Float32Array[] {
    const out: Float32Array[] = new Array<Float32Array>(this.vars.length);
    this.groups.forEach((idx, k) => {
      const all = (moments[k] as TF.Variable).dataSync() as Float32Array;
      const size = all.length / idx.length;
      // Float32Array.from rather than slice(): dataSync's array may come from the native
      // addon's realm (under jest, not the test's), and slice() would keep that constructor.
      idx.forEach((i, j) => (out[i] = Float32Array.from(all.subarray(j * size, (j + 1) * size))));
    });
    return out;
  }

  setState(state: AdamState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`Adam.setState: state for ${state.m.length} variables, optimizer has ${this.vars.length}`);
    }
    const tf = this.tf;
    const load = (dst: TF.Variable, idx: readonly number[], src: readonly Float32Array[]) => {
      const size = dst.size / idx.length;
      const all = new Float32Array(dst.size);
      idx.forEach((i, j) => {
        const part = src[i];
        if (part === undefined || part.length !== size)
          throw new Error(`Adam.setState: moment of ${part?.length} values for a variable of ${size}`);
        all.set(part, j * size);
      });
      tf.tidy(() => dst.assign(tf.tensor(all, dst.shape, 'float32')));
    };
    this.groups.forEach((idx, k) => {
      load(this.m[k] as TF.Variable, idx, state.m);
      load(this.v[k] as TF.Variable, idx, state.v);
    });
    this.t = state.step;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** Indices of equal shapes, grouped, in order of first occurrence (each group ascending). */
export function groupByShape(shapes: readonly (readonly number[])[]): number[][] {
  const groups = new Map<string, number[]>();
  shapes.forEach((s, i) => {
    const key = s.join('x');
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [i]);
    else g.push(i);
  });
  return [...groups.values()];
}
