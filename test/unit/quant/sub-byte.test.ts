import { packInt2, packInt4, unpackInt2, unpackInt4 } from '../../../src/quant/sub-byte';
import { StageInputError } from '../../../src/errors';

describe('int4 packing (low nibble first)', () => {
  it('matches the documented byte layout', () => {
    // [1, −1] → 0x1 | 0xF << 4 = 0xF1; [7, −8] → 0x7 | 0x8 << 4 = 0x87; [0] → 0x00
    expect(Array.from(packInt4(Int8Array.from([1, -1, 7, -8, 0])))).toEqual([0xf1, 0x87, 0x00]);
    // [−7, 3] → 0x9 | 0x3 << 4 = 0x39
    expect(Array.from(packInt4(Int8Array.from([-7, 3])))).toEqual([0x39]);
    expect(packInt4(new Int8Array(0))).toHaveLength(0);
  });

  it('round-trips every value at odd and even lengths', () => {
    for (let n = 0; n <= 9; n++) {
      const v = Int8Array.from({ length: n }, (_, i) => ((i * 5 + 3) % 16) - 8);
      expect(Array.from(unpackInt4(packInt4(v), n))).toEqual(Array.from(v));
    }
    const all = Int8Array.from({ length: 16 }, (_, i) => i - 8);
    expect(Array.from(unpackInt4(packInt4(all), 16))).toEqual(Array.from(all));
  });

  it('rejects out-of-range values and impossible lengths', () => {
    expect(() => packInt4(Int8Array.from([8]))).toThrow(StageInputError);
    expect(() => packInt4(Int8Array.from([-9]))).toThrow(StageInputError);
    expect(() => unpackInt4(new Uint8Array(1), 3)).toThrow(StageInputError);
  });
});

describe('int2 packing (lowest bits first)', () => {
  it('matches the documented byte layout', () => {
    // [1, −1, −2, 0] → 0b01 | 0b11 << 2 | 0b10 << 4 | 0b00 << 6 = 1 + 12 + 32 = 45 = 0x2D; [1] → 0x01
    expect(Array.from(packInt2(Int8Array.from([1, -1, -2, 0, 1])))).toEqual([0x2d, 0x01]);
    // [−1, −1, −1, −1] → 0xFF
    expect(Array.from(packInt2(Int8Array.from([-1, -1, -1, -1])))).toEqual([0xff]);
  });

  it('round-trips at every length mod 4, incl. negatives', () => {
    for (let n = 0; n <= 11; n++) {
      const v = Int8Array.from({ length: n }, (_, i) => ((i * 3 + 1) % 4) - 2);
      expect(Array.from(unpackInt2(packInt2(v), n))).toEqual(Array.from(v));
    }
  });

  it('rejects out-of-range values', () => {
    expect(() => packInt2(Int8Array.from([2]))).toThrow(StageInputError);
    expect(() => packInt2(Int8Array.from([-3]))).toThrow(StageInputError);
    expect(() => unpackInt2(new Uint8Array(1), 5)).toThrow(StageInputError);
  });
});
