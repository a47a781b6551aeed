import { parseArch } from '../../bench/dnas-f446-strided/arch-costs';
import { DS_CNN_PRESETS } from '../../../src/nn/ds-cnn-arch';

/** The architecture notation of test/bench/dnas-f446-strided/arch-costs.ts (the results page's). */
describe('bench arch-costs parseArch', () => {
  it('reads DS-CNN-M geometry (m:) with a strided first block', () => {
    const a = parseArch('m:80|80s,80,96');
    expect(a.firstConv).toEqual({ filters: 80, kernel: [10, 4], stride: [2, 1] });
    expect(a.blocks).toEqual([
      { filters: 80, stride: [2, 2] },
      { filters: 80, stride: [1, 1] },
      { filters: 96, stride: [1, 1] },
    ]);
  });

  it('without m: is DS-CNN-S geometry, and spells the presets as they are', () => {
    expect(parseArch('64|64,64,64,64')).toEqual(DS_CNN_PRESETS['ds-cnn-s']);
    expect(parseArch('m:172|172s,172,172,172')).toEqual(DS_CNN_PRESETS['ds-cnn-m']);
    expect(parseArch('ds-cnn-m')).toBe(DS_CNN_PRESETS['ds-cnn-m']);
  });

  it('rejects what is not an architecture', () => {
    expect(() => parseArch('80,80')).toThrow(/not an architecture/);
    expect(() => parseArch('m:80|80x,80')).toThrow(/not an architecture/);
  });
});
