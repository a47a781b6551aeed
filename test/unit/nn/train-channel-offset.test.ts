import { trainConfigSchema } from '../../../src/nn/train-config';
import {
  addChannelOffsets,
  cepstralMeanSpread,
  channelOffsetEnabled,
  type ChannelOffset,
  type LabelledSet,
} from '../../../src/nn/train-data';
import { trainModel } from '../../../src/nn/train-loop';
import { Prng } from '../../../src/util/prng';
import { syntheticData, tinyConfig } from './synthetic-data';

const ON: ChannelOffset = { scale: 0.5, probability: 1, skipC0: false };

/** n examples of 3 frames × 2 coefficients with the given values. */
function set(values: number[], n: number): LabelledSet {
  return { x: Float32Array.from(values), y: new Int32Array(n), n };
}

/** Example e, frame f, coefficient c = 1000e + 10f + c. */
function batch(n: number, frames: number, coeffs: number): Float32Array {
  const x = new Float32Array(n * frames * coeffs);
  for (let e = 0; e < n; e++)
    for (let f = 0; f < frames; f++)
      for (let c = 0; c < coeffs; c++) x[(e * frames + f) * coeffs + c] = 1000 * e + 10 * f + c;
  return x;
}

describe('cepstralMeanSpread', () => {
  it('is the population spread of the examples’ time-means, per coefficient (hand-computed)', () => {
    // Example 0: frames (1, 10), (3, 10), (5, 10) → time-means (3, 10).
    // Example 1: frames (6, 4), (7, 8), (8, 0)   → time-means (7, 4).
    // Example 2: frames (2, 1), (2, 1), (2, 1)   → time-means (2, 1).
    // c0: means 3, 7, 2 → mean 4, deviations −1, 3, −2 → variance 14/3.
    // c1: means 10, 4, 1 → mean 5, deviations 5, −1, −4 → variance 42/3 = 14.
    const s = set([1, 10, 3, 10, 5, 10, 6, 4, 7, 8, 8, 0, 2, 1, 2, 1, 2, 1], 3);
    const sigma = cepstralMeanSpread(s, [3, 2]);
    expect(sigma[0]).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(sigma[1]).toBeCloseTo(Math.sqrt(14), 12);
  });

  it('is 0 when every example has the same means, and checks the size', () => {
    const sigma = cepstralMeanSpread(set([1, 2, 3, 4, 5, 6, 3, 4, 3, 4, 3, 4], 2), [3, 2]);
    expect(Array.from(sigma)).toEqual([0, 0]);
    expect(() => cepstralMeanSpread(set([1, 2, 3], 2), [3, 2])).toThrow(RangeError);
  });
});

describe('addChannelOffsets', () => {
  const F = 49;
  const C = 10;
  const sigma = Float64Array.from({ length: C }, (_, k) => 10 - k);

  it('adds one constant per example and coefficient to every frame', () => {
    const x = batch(4, F, C);
    addChannelOffsets(x, 4, [F, C], sigma, ON, Prng.derive('const', 1));
    const ref = batch(4, F, C);
    const offsets = new Set<string>();
    for (let e = 0; e < 4; e++)
      for (let c = 0; c < C; c++) {
        const d0 = x[e * F * C + c]! - ref[e * F * C + c]!;
        expect(d0).not.toBe(0);
        for (let f = 1; f < F; f++) expect(x[(e * F + f) * C + c]! - ref[(e * F + f) * C + c]!).toBeCloseTo(d0, 2);
        offsets.add(d0.toFixed(3));
      }
    expect(offsets.size).toBe(4 * C); // a fresh draw per example and coefficient
  });

  it('scales the offsets by scale·σ_k (empirical spread over many examples)', () => {
    const n = 4000;
    const x = new Float32Array(n * 2 * C);
    addChannelOffsets(x, n, [2, C], sigma, { ...ON, scale: 0.5 }, Prng.derive('spread'));
    for (const k of [0, 4, 9]) {
      let s = 0;
      let s2 = 0;
      for (let e = 0; e < n; e++) {
        const v = x[e * 2 * C + k]!;
        s += v;
        s2 += v * v;
      }
      const sd = Math.sqrt(s2 / n - (s / n) ** 2);
      expect(sd).toBeGreaterThan(0.5 * sigma[k]! * 0.95);
      expect(sd).toBeLessThan(0.5 * sigma[k]! * 1.05);
    }
  });

  it('is deterministic: same seed → same batch; another seed → another', () => {
    const a = batch(8, F, C);
    const b = batch(8, F, C);
    const c = batch(8, F, C);
    addChannelOffsets(a, 8, [F, C], sigma, ON, Prng.derive('det', 7));
    addChannelOffsets(b, 8, [F, C], sigma, ON, Prng.derive('det', 7));
    addChannelOffsets(c, 8, [F, C], sigma, ON, Prng.derive('det', 8));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('leaves c0 alone with skipC0, and a share 1 − probability of the examples untouched', () => {
    const x = batch(6, F, C);
    addChannelOffsets(x, 6, [F, C], sigma, { ...ON, skipC0: true }, Prng.derive('c0'));
    const ref = batch(6, F, C);
    for (let i = 0; i < x.length; i += C) expect(x[i]).toBe(ref[i]);
    expect(x[1]).not.toBe(ref[1]);

    const n = 400;
    const y = batch(n, 2, C);
    addChannelOffsets(y, n, [2, C], sigma, { ...ON, probability: 0.25 }, Prng.derive('p'));
    const yRef = batch(n, 2, C);
    let changed = 0;
    for (let e = 0; e < n; e++) if (y[e * 2 * C + 3] !== yRef[e * 2 * C + 3]) changed++;
    expect(changed).toBeGreaterThan(0.25 * n - 40);
    expect(changed).toBeLessThan(0.25 * n + 40);
  });

  it('checks sizes', () => {
    expect(() => addChannelOffsets(new Float32Array(5), 1, [F, C], sigma, ON, Prng.derive('x'))).toThrow(RangeError);
    expect(() => addChannelOffsets(batch(1, F, C), 1, [F, C], [1, 2], ON, Prng.derive('x'))).toThrow(RangeError);
  });
});

describe('augment.channelOffset config', () => {
  it('is absent unless named (no key in the parsed config, so cache keys stay) and defaults to scale 0.5, p 1, c0 kept', () => {
    expect('channelOffset' in trainConfigSchema.parse({}).augment).toBe(false);
    expect(channelOffsetEnabled(trainConfigSchema.parse({}).augment.channelOffset)).toBe(false);
    const on = trainConfigSchema.parse({ augment: { channelOffset: {} } }).augment.channelOffset;
    expect(on).toEqual({ scale: 0.5, probability: 1, skipC0: false });
    expect(channelOffsetEnabled(on)).toBe(true);
    expect(channelOffsetEnabled({ ...ON, scale: 0 })).toBe(false);
    expect(channelOffsetEnabled({ ...ON, probability: 0 })).toBe(false);
  });

  it('rejects bad values with the field named', () => {
    const r = trainConfigSchema.safeParse({ augment: { channelOffset: { scale: -1 } } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['augment', 'channelOffset', 'scale']);
    expect(trainConfigSchema.safeParse({ augment: { channelOffset: { sigma: 1 } } }).success).toBe(false);
  });
});

describe('trainModel with augment.channelOffset', () => {
  /** Final weights and history of a 2-epoch tiny training. */
  async function train(augment: Record<string, unknown>, seed = 'cep'): Promise<{ w: Float32Array[]; acc: number[] }> {
    const data = syntheticData({ n: 160, nVal: 48 });
    const r = await trainModel(data, tinyConfig({ epochs: 2, augment }), { rng: Prng.derive(seed) });
    const w = r.model.getWeights().map((t) => t.dataSync() as Float32Array);
    r.model.dispose();
    return { w, acc: r.history.map((h) => h.valAccuracy) };
  }

  it('off (scale 0) is byte-identical to no option; on changes the weights; same seed → same weights', async () => {
    const none = await train({});
    const zero = await train({ channelOffset: { scale: 0 } });
    expect(zero).toEqual(none);
    const on = await train({ channelOffset: { scale: 0.5 } });
    const again = await train({ channelOffset: { scale: 0.5 } });
    expect(again).toEqual(on);
    expect(on.w).not.toEqual(none.w);
  });
});
