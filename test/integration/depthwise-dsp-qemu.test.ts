import { rmSync } from 'node:fs';
import { computePadding, Dims } from '../../src/nn/int-reference';
import { Prng } from '../../src/util/prng';
import { convLikeCase, KernelTestCase, randPerChannel } from '../helpers/test-vectors';
import { buildBoardHarness, runBoardHarness, writeVectors } from '../helpers/firmware-build';

// The dsp int8 depthwise kernel's 3x3 asm loop (firmware/kernels/dsp/tops_depthwise_conv2d_s8.c,
// tops_dw_groups) runs only for the full int8 range, >= 4 channels and no window clipped below
// 2x2 (it then reads weights widened as 2*w and 2*bias), and has one variant per clipped window
// (3x3, 3x2, 2x3, 2x2): the generated kernel vectors barely reach it. These cases do: pad 1 /
// stride 1 and 2, several channel groups (and a remainder), no bias, a pad of 2 (1-row windows:
// the C path for the whole call), odd-numbered cases with the codegen requantization table,
// and the default DS-CNN-M (pipelines/kws.yaml) block2-4 layer shape.
// Bit-exact with the TypeScript reference on M4 and M7.
const SHAPES: readonly { h: number; w: number; c: number; stride: number; pad: boolean | 2; noBias?: true }[] = [
  { h: 5, w: 5, c: 8, stride: 1, pad: true },
  { h: 6, w: 4, c: 9, stride: 1, pad: true },
  { h: 7, w: 6, c: 12, stride: 2, pad: true },
  { h: 6, w: 7, c: 4, stride: 2, pad: true },
  { h: 4, w: 3, c: 16, stride: 1, pad: true },
  { h: 5, w: 6, c: 7, stride: 2, pad: false },
  { h: 3, w: 3, c: 8, stride: 1, pad: true },
  { h: 2, w: 2, c: 4, stride: 1, pad: true },
  { h: 5, w: 4, c: 8, stride: 1, pad: true, noBias: true },
  { h: 4, w: 5, c: 8, stride: 1, pad: 2 },
  { h: 13, w: 5, c: 172, stride: 1, pad: true }, // DS-CNN-M block2-4 depthwise (43 groups)
];

function cases(): KernelTestCase[] {
  const p = Prng.derive('depthwise-dsp-qemu', 1);
  return SHAPES.map((s, i) => {
    const inputDims: Dims = { n: i % 3 === 0 ? 2 : 1, h: s.h, w: s.w, c: s.c };
    const filterDims: Dims = { n: 1, h: 3, w: 3, c: s.c };
    const mode = s.pad === false ? 'valid' : 'same';
    // pad 2 on every side: out = in + 2·2 − 3 + 1 (stride 1)
    const y = s.pad === 2 ? { pad: 2, out: s.h + 2 } : computePadding(mode, s.h, 3, s.stride);
    const x = s.pad === 2 ? { pad: 2, out: s.w + 2 } : computePadding(mode, s.w, 3, s.stride);
    const outputDims: Dims = { n: inputDims.n, h: y.out, w: x.out, c: s.c };
    const input = new Int8Array(inputDims.n * s.h * s.w * s.c).map(() => p.int(-128, 127));
    const filter = new Int8Array(9 * s.c).map(() => p.int(-127, 127));
    const randomBias = new Int32Array(s.c).map(() => p.int(-4000, 4000));
    const bias = s.noBias ? undefined : randomBias;
    const perChannel = randPerChannel(p, s.c, 9);
    const depthwise = {
      inputOffset: -p.int(-128, 127),
      outputOffset: p.int(-128, 127),
      strideH: s.stride,
      strideW: s.stride,
      padH: y.pad,
      padW: x.pad,
      activation: { min: -128, max: 127 },
    };
    return convLikeCase(
      'depthwise_conv2d',
      i,
      { inputDims, input, filterDims, filter, bias, outputDims, perChannel },
      depthwise,
    );
  });
}

describe.each(['stm32f446re', 'stm32f746zg'])('dsp int8 depthwise 3x3 asm loop on %s (QEMU)', (board: string) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('matches the TypeScript reference on every padded / strided shape', async () => {
    const cs = cases();
    const dir = writeVectors(cs, 'depthwise-dsp-qemu');
    dirs.push(dir);
    const r = await runBoardHarness(await buildBoardHarness(dir, 'dsp', board), 60_000, board);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cs.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 90_000);
});
