import { ZodError } from 'zod';
import {
  isLayerRegularized,
  layerBits,
  normalizeBits,
  parseQuantConfig,
  type QuantConfig,
} from '../../../src/quant/quant-config';
import type { Reg1Variant } from '../../../src/quant/regularizers';
import { regularizerFor } from '../../helpers/scalar-regularizers';

/** The scalar regularizer a layer is trained with (null: not regularized), from the config alone. */
function layerRegularizer(c: QuantConfig, layer: string) {
  if (!isLayerRegularized(c, layer)) return null;
  const variant: Reg1Variant =
    c.regularizer === 'reg-n' || c.regularizer === 'none' ? 'c' : (c.regularizer.slice('reg-1-'.length) as Reg1Variant);
  return regularizerFor(layerBits(c, layer), variant);
}

describe('quantization config', () => {
  it('defaults: int8, reg-n, λ = 1e-4, linear schedule per epoch', () => {
    expect(parseQuantConfig({})).toEqual({
      bits: 8,
      regularizer: 'reg-n',
      regularize8Bit: false,
      lambda: 1e-4,
      schedule: { type: 'linear' },
      scheduleUnit: 'epoch',
    });
  });

  it('accepts the three forms of bits', () => {
    const a = parseQuantConfig({ bits: 4 });
    expect(layerBits(a, 'conv1')).toBe(4);
    const b = parseQuantConfig({ bits: { conv1: 2, fc: 1 } });
    expect(layerBits(b, 'conv1')).toBe(2);
    expect(layerBits(b, 'fc')).toBe(1);
    expect(layerBits(b, 'gru')).toBe(8); // unlisted layers stay 8-bit
    const c = parseQuantConfig({ bits: { default: 4, overrides: { fc: 8 } } });
    expect(normalizeBits(c.bits)).toEqual({ default: 4, overrides: { fc: 8 } });
    expect(layerBits(c, 'fc')).toBe(8);
    expect(layerBits(c, 'conv1')).toBe(4);
  });

  it("layer groups: depthwise / pointwise set every block's conv, a layer's own name wins", () => {
    const c = parseQuantConfig({ bits: { default: 8, overrides: { depthwise: 4, pointwise: 2, block2_dw: 8 } } });
    expect(layerBits(c, 'block1_dw')).toBe(4);
    expect(layerBits(c, 'block5_dw')).toBe(4); // however many blocks a searched architecture has
    expect(layerBits(c, 'block2_dw')).toBe(8);
    expect(layerBits(c, 'block3_pw')).toBe(2);
    expect(layerBits(c, 'conv0')).toBe(8);
    expect(layerBits(c, 'dense')).toBe(8);
    expect(layerBits(c, 'block1_dwx')).toBe(8);
    // Without a group key the groups do nothing: a plain map keeps its meaning.
    expect(layerBits(parseQuantConfig({ bits: { block1_dw: 4 } }), 'block2_dw')).toBe(8);
  });

  it('rejects unknown keys, widths and regularizers', () => {
    expect(() => parseQuantConfig({ bits: 3 })).toThrow(ZodError);
    expect(() => parseQuantConfig({ bits: { conv1: 16 } })).toThrow(ZodError);
    expect(() => parseQuantConfig({ regularizer: 'reg-3' })).toThrow(ZodError);
    expect(() => parseQuantConfig({ lamda: 0.1 })).toThrow(ZodError);
    expect(() => parseQuantConfig({ lambda: -1 })).toThrow(ZodError);
    expect(() => parseQuantConfig({ schedule: { type: 'step-bounded', rate: 0.8, extra: 1 } })).toThrow(ZodError);
  });

  it('picks the regularizer per layer', () => {
    const c = parseQuantConfig({ bits: { conv1: 4, fc: 1 }, regularizer: 'reg-1-a' });
    // 1-bit layer → Reg_1^a: (0 − 1)² = 1 at w = 0
    expect(layerRegularizer(c, 'fc')!.value(0)).toBeCloseTo(1, 12);
    // 4-bit layer → Reg_4: 1 − cos(π) = 2 at w = 1/14
    expect(layerRegularizer(c, 'conv1')!.value(1 / 14)).toBeCloseTo(2, 12);
    // 8-bit layers are not regularized unless asked
    expect(layerRegularizer(c, 'gru')).toBeNull();
    const all = parseQuantConfig({ regularize8Bit: true });
    expect(layerRegularizer(all, 'gru')!.value(1 / 254)).toBeCloseTo(2, 9); // Reg_8
    // reg-n on a 1-bit layer → Reg_1^c: cos 0 + 1 = 2
    expect(layerRegularizer(parseQuantConfig({ bits: 1 }), 'x')!.value(0)).toBeCloseTo(2, 12);
    expect(layerRegularizer(parseQuantConfig({ bits: 2, regularizer: 'none' }), 'x')).toBeNull();
  });
});
