import { DS_CNN_PRESETS, planDsCnn, type DsCnnArchitecture } from '../../../src/nn/ds-cnn-arch';
import { countMacs, countParams } from '../../../src/nn/ds-cnn-cost';

/** Small enough to count by hand; block 1 changes width, block 2 downsamples, block 3 keeps shape. */
const tiny: DsCnnArchitecture = {
  firstConv: { filters: 4, kernel: [3, 2], stride: [2, 2] },
  blocks: [
    { filters: 8, stride: [1, 1] },
    { filters: 8, stride: [2, 2] },
    { filters: 8, stride: [1, 1] },
  ],
  skip: true,
  dropout: 0.1,
  batchNorm: { momentum: 0.99, epsilon: 0.001 },
};

describe('planDsCnn', () => {
  it('walks the shapes with TF "same" padding (ceil(in / stride))', () => {
    const plan = planDsCnn(tiny, [9, 6], 3);
    expect(plan.input).toEqual([9, 6, 1]);
    expect(plan.firstConv.output).toEqual([5, 3, 4]);
    expect(plan.blocks.map((b) => [b.input, b.output, b.skipKind])).toEqual([
      [[5, 3, 4], [5, 3, 8], 'none'], // 4 → 8 channels: no shortcut of equal shape
      [[5, 3, 8], [3, 2, 8], 'avgpool'], // downsamples: MicroNets' average-pooling branch
      [[3, 2, 8], [3, 2, 8], 'identity'],
    ]);
    expect(plan.features).toBe(8);
  });

  it('adds no shortcut when skip is off', () => {
    expect(planDsCnn({ ...tiny, skip: false }, [9, 6], 3).blocks.every((b) => b.skipKind === 'none')).toBe(true);
  });
});

describe('countMacs', () => {
  it('matches a hand count on a tiny architecture', () => {
    const macs = countMacs(tiny, [9, 6], 3);
    expect(macs.layers).toEqual([
      { name: 'conv0', macs: 5 * 3 * 4 * (3 * 2 * 1) }, // 360
      { name: 'block1_dw', macs: 5 * 3 * 4 * 9 }, // 540
      { name: 'block1_pw', macs: 5 * 3 * 4 * 8 }, // 480
      { name: 'block2_dw', macs: 3 * 2 * 8 * 9 }, // 432: depthwise runs at the output resolution
      { name: 'block2_pw', macs: 3 * 2 * 8 * 8 }, // 384
      { name: 'block3_dw', macs: 432 },
      { name: 'block3_pw', macs: 384 },
      { name: 'dense', macs: 8 * 3 }, // 24
    ]);
    expect(macs.total).toBe(3036);
  });

  it("gives Hello Edge's op counts for the presets on 49×10 input (ops = 2 × MACs)", () => {
    // Hello Edge Table 7: DS-CNN S/M/L = 5.4 M / 19.8 M / 56.9 M ops.
    const ops = (name: keyof typeof DS_CNN_PRESETS) => 2 * countMacs(DS_CNN_PRESETS[name], [49, 10], 12).total;
    expect(countMacs(DS_CNN_PRESETS['ds-cnn-s'], [49, 10], 12).total).toBe(320_000 + 4 * (72_000 + 512_000) + 768);
    expect(ops('ds-cnn-s') / 5.4e6).toBeCloseTo(1, 1);
    expect(ops('ds-cnn-m') / 19.8e6).toBeCloseTo(1, 1);
    expect(ops('ds-cnn-l') / 56.9e6).toBeCloseTo(1, 1);
  });
});

describe('countParams', () => {
  it('matches a hand count on a tiny architecture', () => {
    // Kernels (no conv bias: BN follows): 3·2·1·4 + 9·4 + 4·8 + 9·8 + 8·8 + 9·8 + 8·8 = 364.
    // BN channels: 4 + 4 + 8 + 8 + 8 + 8 + 8 = 48 → 96 trainable (γ, β) + 96 moving stats.
    // Dense: 8·3 + 3 = 27.
    expect(countParams(tiny, [9, 6], 3)).toEqual({
      trainable: 364 + 96 + 27,
      nonTrainable: 96,
      total: 583,
      folded: 364 + 48 + 27,
    });
  });

  it('gives the preset sizes documented in ds-cnn-arch.ts', () => {
    const folded = (name: keyof typeof DS_CNN_PRESETS) => countParams(DS_CNN_PRESETS[name], [49, 10], 12).folded;
    expect(folded('ds-cnn-s')).toBe(22_604);
    expect(folded('ds-cnn-m')).toBe(135_032);
    expect(folded('ds-cnn-l')).toBe(410_700);
  });
});
