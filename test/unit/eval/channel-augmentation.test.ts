import {
  augmentChannels,
  ChannelOffsets,
  combOffsetsDb,
  type ChannelDistribution,
} from '../../../src/eval/channel-augmentation';
import type { PatchBlock } from '../../../src/eval/feature-gaussian-scores';
import { fitFrameKnn } from '../../../src/eval/frame-knn-scores';
import type { MelFilterbank } from '../../../src/dsp/mel';
import { LogmelFloat } from '../../../src/dsp/logmel';
import { logmelParams } from '../../../src/dsp/logmel-config';
import { evaluateAdStage } from '../../../activities/evaluate-ad';
import { Prng } from '../../../src/util/prng';

const dist: ChannelDistribution = { delayMs: [0.5, 10], reflectionGain: [0.1, 0.6], tiltDb: 3, gainDb: 3 };
const geometry = { sampleRate: 16000, fftSize: 1024, melBands: 64, lowHz: 0, highHz: 8000, downsample: 2 };

/** Patches of 6 frames × 32 bands for 2 IDs, 3 clips each of 2 patches, values from a seeded stream. */
function patches(): { block: PatchBlock; clips: string[] } {
  const rng = Prng.derive('channel-patches');
  const frames = 6;
  const bands = 32;
  const labelIndex: number[] = [];
  const clips: string[] = [];
  for (let l = 0; l < 2; l++)
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 2; p++) {
        labelIndex.push(l);
        clips.push(`id_${l}/train_${c}.wav`);
      }
  const data = Float32Array.from({ length: labelIndex.length * frames * bands }, () => rng.normal());
  return { block: { data, frames, bands, labelIndex }, clips };
}

describe('channel augmentation (frameKnn.channelRefs)', () => {
  it('comb offset of one band: 10·log10(Σ w·|1 + g·e^{−j2πfτ}|² / Σ w) by hand', () => {
    // One triangle over bins 1..3 (1, 2, 3 kHz at 8 kHz / 8 points), weights ½, 1, ½.
    const fb: MelFilterbank = {
      bands: 1,
      bins: 5,
      start: Int32Array.from([1]),
      length: Int32Array.from([3]),
      offset: Int32Array.from([0]),
      weights: Float64Array.from([0.5, 1, 0.5]),
      edgesHz: Float64Array.from([0, 2000, 4000]),
    };
    // τ = 0.25 ms, g = 0.5: 2πfτ = π/2, π, 3π/2 → |H|² = 1.25, 0.25, 1.25;
    // (½·1.25 + 0.25 + ½·1.25) / 2 = 0.75 → −1.2494 dB.
    const [db] = combOffsetsDb(fb, 8000, 0.25, 0.5);
    expect(db).toBeCloseTo(10 * Math.log10(0.75), 10);
    expect(db).toBeCloseTo(-1.2494, 4);
    // No reflection: no offset.
    expect(combOffsetsDb(fb, 8000, 3, 0)[0]).toBeCloseTo(0, 12);
  });

  it('matches the log-mel change a real reflection makes to white noise (the float front end)', () => {
    const p = logmelParams({
      sampleRate: 16000,
      windowMs: 64,
      hopMs: 32,
      melBands: 64,
      lowHz: 0,
      patchFrames: 8,
      patchHop: 8,
      downsample: 1,
    });
    const front = new LogmelFloat(p);
    const rng = Prng.derive('white-noise');
    const n = 16000 * 8;
    const x = Float64Array.from({ length: n }, () => 0.1 * rng.normal());
    const delay = 24; // 1.5 ms
    const g = 0.45;
    const y = Float64Array.from(x, (v, i) => v + (i >= delay ? g * x[i - delay]! : 0));
    const dry = front.compute(x);
    const wet = front.compute(y);
    const frames = dry.length / 64;
    const channels = new ChannelOffsets({ ...geometry, downsample: 1 }, dist);
    const predicted = channels.offsetsDb({ delayMs: 1.5, reflectionGain: g, tiltDb: 0, gainDb: 0 });
    const errors: number[] = [];
    // Mean over frames of the per-band dB change; bands above the lowest 8 hold enough bins to average.
    for (let m = 8; m < 64; m++) {
      let d = 0;
      for (let t = 0; t < frames; t++) d += wet[t * 64 + m]! - dry[t * 64 + m]!;
      errors.push(Math.abs(d / frames - predicted[m]!));
    }
    // The comb ripples by ±3 dB over these bands; the prediction is within 0.6 dB everywhere, 0.25 on average.
    expect(Math.max(...predicted.slice(8)) - Math.min(...predicted.slice(8))).toBeGreaterThan(4);
    expect(Math.max(...errors)).toBeLessThan(0.6);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.25);
  });

  it('offsets per stored band: the downsampled mean of the mel bands, plus tilt and gain', () => {
    const channels = new ChannelOffsets(geometry, dist);
    const full = new ChannelOffsets({ ...geometry, downsample: 1 }, dist);
    const c = { delayMs: 2, reflectionGain: 0.3, tiltDb: 2, gainDb: -1 };
    const a = channels.offsetsDb(c);
    const b = full.offsetsDb(c);
    expect(a.length).toBe(32);
    for (let j = 0; j < 32; j++) expect(a[j]).toBeCloseTo((b[2 * j]! + b[2 * j + 1]!) / 2, 10);
    const flat = full.offsetsDb({ delayMs: 2, reflectionGain: 0, tiltDb: 2, gainDb: -1 });
    expect(flat[0]).toBeCloseTo(-1 - 1, 10);
    expect(flat[63]).toBeCloseTo(-1 + 1, 10);
  });

  it('same seed → same augmented patches and references; the un-augmented references are unchanged', async () => {
    const { block, clips } = patches();
    const channels = new ChannelOffsets(geometry, dist);
    const units = new Array<number>(32).fill(0.5);
    const a = augmentChannels(block, clips, channels, units, 2, Prng.derive('aug'));
    const b = augmentChannels(block, clips, channels, units, 2, Prng.derive('aug'));
    const c = augmentChannels(block, clips, channels, units, 2, Prng.derive('other'));
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
    expect(a.labelIndex).toEqual([...block.labelIndex, ...block.labelIndex]);
    // One channel per clip: both patches of a clip move by the same per-band offset; clips differ.
    const size = 6 * 32;
    const shift = (i: number) => a.data[i * size]! - block.data[i * size]!;
    expect(shift(1)).toBeCloseTo(shift(0), 5);
    expect(shift(2)).not.toBeCloseTo(shift(0), 3);
    // The offset is the same in every frame of the patch.
    expect(a.data[5 * 32 + 7]! - block.data[5 * 32 + 7]!).toBeCloseTo(a.data[7]! - block.data[7]!, 5);

    const options = { context: 3, shrinkage: 0.1, neighbours: 1, references: 10 };
    const fit = async (seed: string, whitening: 'train' | 'augmented') =>
      fitFrameKnn(block, 2, options, Prng.derive('knn'), undefined, {
        block: augmentChannels(block, clips, channels, units, 1, Prng.derive(seed)),
        references: 7,
        whitening,
        rng: Prng.derive(`${seed}-refs`),
      });
    const m1 = await fit('s', 'train');
    const m2 = await fit('s', 'train');
    const m3 = await fit('t', 'train');
    const plain = await fitFrameKnn(block, 2, options, Prng.derive('knn'));
    const dim = 3 * 32;
    for (let l = 0; l < 2; l++) {
      expect(m1.references[l]!.length).toBe((10 + 7) * dim);
      expect(m1.references[l]).toEqual(m2.references[l]);
      expect(m1.references[l]).not.toEqual(m3.references[l]);
      // The first 10 are the un-augmented model's references, the same Gaussian whitening them.
      expect(m1.references[l]!.subarray(0, 10 * dim)).toEqual(plain.references[l]);
    }
    // whitening: augmented fits the Gaussians on training + augmented patches: another whitening.
    const w = await fit('s', 'augmented');
    expect(w.gaussians[0]!.mean).not.toEqual(plain.gaussians[0]!.mean);
    expect(w.references[0]!.length).toBe(17 * dim);
    // references: 0 — the whitening alone: the plain model's windows, whitened by the augmented Gaussians.
    const only = await fitFrameKnn(block, 2, options, Prng.derive('knn'), undefined, {
      block: augmentChannels(block, clips, channels, units, 1, Prng.derive('s')),
      references: 0,
      whitening: 'augmented',
      rng: Prng.derive('s-refs'),
    });
    expect(only.references[0]!.length).toBe(10 * dim);
    expect(only.gaussians[0]!.mean).toEqual(w.gaussians[0]!.mean);
    expect(only.references[0]).toEqual(w.references[0]!.subarray(0, 10 * dim));
  });

  it('zod refuses bad option values with the field named', () => {
    const problems = (channelRefs: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const r = evaluateAdStage.configSchema.safeParse({ score: 'frame-knn', frameKnn: { channelRefs, ...extra } });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({})).toEqual([]);
    expect(problems({ delayMs: [8, 1] })).toEqual(['frameKnn.channelRefs: delayMs [8, 1] must satisfy 0 < low ≤ high']);
    expect(problems({ reflectionGain: [0.2, 1.5] })).toEqual([
      'frameKnn.channelRefs: reflectionGain [0.2, 1.5] must satisfy 0 ≤ low ≤ high < 1',
    ]);
    expect(problems({ references: -1 })[0]).toMatch(/^frameKnn\.channelRefs\.references: /);
    expect(problems({ references: 0, whitening: 'augmented' })).toEqual([]);
    expect(problems({ whitening: 'test' })[0]).toMatch(/^frameKnn\.channelRefs\.whitening: /);
    expect(problems({ delayMs: 3 })[0]).toMatch(/^frameKnn\.channelRefs\.delayMs: /);
    expect(problems({}, { centre: 'clip' })).toEqual([
      'frameKnn.channelRefs: channelRefs adds channel offsets to dB windows; it does not combine with centre: clip',
    ]);
    const parsed = evaluateAdStage.configSchema.parse({ score: 'frame-knn', frameKnn: { channelRefs: {} } });
    expect(parsed.frameKnn?.channelRefs).toEqual({
      references: 1024,
      copies: 1,
      delayMs: [0.5, 10],
      reflectionGain: [0.1, 0.6],
      tiltDb: 3,
      gainDb: 3,
      whitening: 'train',
    });
  });
});
