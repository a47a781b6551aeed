import { Adam } from '../../../src/nn/adam';
import { loadTf } from '../../../src/nn/tf';

describe('Adam', () => {
  const tf = loadTf();

  it('follows the tf.keras update rule (checked in float64)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam(tf, [w], { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    const grads = [
      [0.5, -1],
      [0.25, 2],
      [-1, 0.5],
    ];
    const expected = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    grads.forEach((g, t) => {
      tf.tidy(() => adam.apply([tf.tensor1d(g)], 0.1));
      for (let i = 0; i < 2; i++) {
        const gi = g[i] as number;
        m[i] = 0.9 * (m[i] as number) + 0.1 * gi;
        v[i] = 0.999 * (v[i] as number) + 0.001 * gi * gi;
        const step = (0.1 * Math.sqrt(1 - 0.999 ** (t + 1))) / (1 - 0.9 ** (t + 1));
        expected[i] = (expected[i] as number) - (step * (m[i] as number)) / (Math.sqrt(v[i] as number) + 1e-7);
      }
    });
    const got = Array.from(w.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i] as number, 6));
    expect(adam.step).toBe(3);
    adam.dispose();
    w.dispose();
  });

  it('continues identically after getState / setState into a new optimizer', () => {
    const run = (split: boolean) => {
      const w = tf.variable(tf.tensor1d([0.3, 0.7, -0.1]));
      let adam = new Adam(tf, [w], { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
      for (let t = 0; t < 6; t++) {
        if (split && t === 3) {
          const state = adam.getState();
          adam.dispose();
          adam = new Adam(tf, [w], { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
          adam.setState(state);
        }
        tf.tidy(() => adam.apply([tf.tensor1d([Math.sin(t), Math.cos(t), t / 7])], 0.01));
      }
      const out = Array.from(w.dataSync());
      adam.dispose();
      w.dispose();
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('weightDecay (AdamW): kernels also shrink by lr·wd·w, rank-1 variables do not; 0 is plain Adam', () => {
    const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const run = (weightDecay: number | undefined) => {
      const kernel = tf.variable(tf.tensor2d([[0.5, -1.5]]));
      const scale = tf.variable(tf.tensor1d([2, -3]));
      const adam = new Adam(tf, [kernel, scale], { ...settings, weightDecay });
      const before = [kernel, scale].map((w) => Array.from(w.dataSync()));
      tf.tidy(() => adam.apply([tf.tensor2d([[0.2, 0.4]]), tf.tensor1d([0.1, -0.1])], 0.01));
      const after = [kernel, scale].map((w) => Array.from(w.dataSync()));
      adam.dispose();
      kernel.dispose();
      scale.dispose();
      return { before, after };
    };
    const plain = run(undefined);
    expect(run(0).after).toEqual(plain.after);
    const decayed = run(0.5);
    // the kernel: plain step minus 0.01 · 0.5 · w(before)
    decayed.after[0]!.forEach((x, i) => expect(x).toBeCloseTo(plain.after[0]![i]! - 0.005 * plain.before[0]![i]!, 6));
    expect(decayed.after[1]).toEqual(plain.after[1]);
  });
});
