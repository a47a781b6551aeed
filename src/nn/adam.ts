import type * as TF from '@tensorflow/tfjs-node';
import type { Tf } from './tf';

export interface AdamSettings {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
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
  private readonly m: TF.Variable[];
  private readonly v: TF.Variable[];
  private t = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly TF.Variable[],
    private readonly settings: AdamSettings,
  ) {
    // Inside tidy so the zero tensors the variables copy from are freed.
    this.m = tf.tidy(() => vars.map((w) => tf.variable(tf.zerosLike(w), false)));
    this.v = tf.tidy(() => vars.map((w) => tf.variable(tf.zerosLike(w), false)));
  }

  get step(): number {
    return this.t;
  }

  /** One update; `grads[i]` is the gradient of `vars[i]`. Tensors it creates are freed. */
  apply(grads: readonly TF.Tensor[], learningRate: number): void {
    if (grads.length !== this.vars.length) throw new Error(`Adam.apply: ${grads.length} gradients for ${this.vars.length} variables`);
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
      this.vars.forEach((w, i) => {
        const g = grads[i] as TF.Tensor;
        const m = this.m[i] as TF.Variable;
        const v = this.v[i] as TF.Variable;
        m.assign(m.mul(b1).add(g.mul(c1)));
        v.assign(v.mul(b2).add(g.square().mul(c2)));
        w.assign(w.sub(m.mul(lr).div(v.sqrt().add(eps))));
      });
    });
  }

  getState(): AdamState {
    return { step: this.t, m: this.m.map((t) => copyOut(t)), v: this.v.map((t) => copyOut(t)) };
  }

  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new Error(`Adam.setState: state for ${state.m.length} variables, optimizer has ${this.m.length}`);
    }
    const tf = this.tf;
    const load = (dst: TF.Variable, src: Float32Array | undefined) => {
      if (src === undefined || src.length !== dst.size) throw new Error(`Adam.setState: moment of ${src?.length} values for a variable of ${dst.size}`);
      tf.tidy(() => dst.assign(tf.tensor(src, dst.shape, 'float32')));
    };
    this.m.forEach((dst, i) => load(dst, state.m[i]));
    this.v.forEach((dst, i) => load(dst, state.v[i]));
    this.t = state.step;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

function copyOut(t: TF.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}
