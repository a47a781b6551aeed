import { rmSync } from 'node:fs';
import { computePadding, Dims } from '../../src/nn/int-reference';
import { Prng } from '../../src/util/prng';
import { convLikeCase, KernelTestCase, randPerChannel } from '../helpers/test-vectors';
import {
  buildBoardHarness,
  buildHostHarness,
  runBoardHarness,
  runHostHarness,
  writeVectors,
} from '../helpers/firmware-build';

// The dsp conv2d / pointwise kernels' row-pair asm routine (firmware/kernels/dsp/tops_mat_mult_s8.c,
// tops_pair_blocks) runs only with the fast requantization table, the full int8 range, a bias and
// a window length that is a multiple of 4; its dot product enters a 4-group unrolled loop at one of
// four points ((len / 4) % 4), and pointwise layers with C_IN % 4 == 0 and no padding build their
// column pair directly (tops_pair_put_pixels). The generated kernel vectors (1–6 channels) barely
// reach either. These cases do: every entry point (len / 4 = 1, 2, 3, 4, 5, 16 groups), odd output
// channel counts (the last row by the C loop), odd pixel counts, stride 2, batch 2, extreme zero
// points, and the cases that must take the C paths (no bias, a narrowed activation, C_IN % 4 != 0, a
// padded 1x1 window). Cases 3, 7, 11, 15 run table-only and cases 1, 5, 9, 13, 17 the compact quant
// (requantTables: compact; 13 without a bias, 17 with one beyond int16) in the dsp builds
// (test/tops_test_case.h). Bit-exact with the TypeScript reference on the M4 and the M7.
interface Shape {
  readonly kind: 'pointwise_conv2d' | 'conv2d';
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly cOut: number;
  readonly k?: number; // conv2d: square window (default 1)
  readonly stride?: number;
  readonly pad?: number; // conv2d: explicit padding on every side
  readonly n?: number;
  readonly noBias?: true;
  readonly narrow?: true;
  readonly extreme?: true; // input zero point -128 on an all -128 input, output zero point 127
  readonly bigBias?: true; // biases beyond int16: a compact quant keeps the int32 bias array
}
const SHAPES: readonly Shape[] = [
  { kind: 'pointwise_conv2d', h: 5, w: 3, c: 64, cOut: 64 },
  { kind: 'pointwise_conv2d', h: 4, w: 5, c: 20, cOut: 19 },
  { kind: 'pointwise_conv2d', h: 5, w: 5, c: 24, cOut: 6, stride: 2 },
  { kind: 'pointwise_conv2d', h: 3, w: 3, c: 12, cOut: 7, n: 2 },
  { kind: 'pointwise_conv2d', h: 2, w: 3, c: 4, cOut: 2 },
  { kind: 'pointwise_conv2d', h: 3, w: 4, c: 8, cOut: 9, extreme: true },
  { kind: 'pointwise_conv2d', h: 3, w: 3, c: 17, cOut: 5 },
  { kind: 'pointwise_conv2d', h: 4, w: 3, c: 16, cOut: 8, noBias: true },
  { kind: 'pointwise_conv2d', h: 3, w: 3, c: 16, cOut: 8, narrow: true },
  { kind: 'conv2d', h: 6, w: 5, c: 4, cOut: 6, k: 3, pad: 1 },
  { kind: 'conv2d', h: 7, w: 6, c: 8, cOut: 5, k: 3, pad: 1, stride: 2 },
  { kind: 'conv2d', h: 4, w: 4, c: 8, cOut: 4, k: 1, pad: 1 },
  { kind: 'pointwise_conv2d', h: 3, w: 3, c: 8, cOut: 4 },
  { kind: 'pointwise_conv2d', h: 4, w: 3, c: 16, cOut: 8, noBias: true },
  { kind: 'conv2d', h: 5, w: 5, c: 4, cOut: 3, k: 3, pad: 1, stride: 2 },
  { kind: 'pointwise_conv2d', h: 3, w: 3, c: 12, cOut: 6 },
  { kind: 'pointwise_conv2d', h: 2, w: 2, c: 4, cOut: 3 },
  { kind: 'pointwise_conv2d', h: 3, w: 4, c: 16, cOut: 10, bigBias: true },
];

function cases(): KernelTestCase[] {
  const p = Prng.derive('pointwise-dsp-qemu', 1);
  return SHAPES.map((s, i) => {
    const k = s.k ?? 1;
    const stride = s.stride ?? 1;
    const pad = s.pad ?? 0;
    const inputDims: Dims = { n: s.n ?? 1, h: s.h, w: s.w, c: s.c };
    const filterDims: Dims = { n: s.cOut, h: k, w: k, c: s.c };
    const y = computePadding('valid', s.h + 2 * pad, k, stride);
    const x = computePadding('valid', s.w + 2 * pad, k, stride);
    const outputDims: Dims = { n: inputDims.n, h: y.out, w: x.out, c: s.cOut };
    const input = new Int8Array(inputDims.n * s.h * s.w * s.c).map(() => (s.extreme ? -128 : p.int(-128, 127)));
    const filter = new Int8Array(s.cOut * k * k * s.c).map(() => p.int(-127, 127));
    const randomBias = new Int32Array(s.cOut).map(() => (s.bigBias ? p.int(-100000, 100000) : p.int(-4000, 4000)));
    const bias = s.noBias ? undefined : randomBias;
    const perChannel = randPerChannel(p, s.cOut, k * k * s.c);
    const zpOut = s.extreme ? 127 : p.int(-128, 127);
    const conv = {
      inputOffset: s.extreme ? 128 : -p.int(-128, 127),
      outputOffset: zpOut,
      strideH: stride,
      strideW: stride,
      padH: pad,
      padW: pad,
      activation: s.narrow ? { min: zpOut < 0 ? zpOut : -20, max: 100 } : { min: -128, max: 127 },
    };
    return convLikeCase(s.kind, i, { inputDims, input, filterDims, filter, bias, outputDims, perChannel }, conv);
  });
}

describe.each(['stm32f446re', 'stm32f746zg'])('dsp int8 conv2d / pointwise row-pair asm on %s (QEMU)', (board) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('matches the TypeScript reference on every entry point, odd count and C-path case', async () => {
    const cs = cases();
    const dir = writeVectors(cs, `pointwise-dsp-qemu-${board}`);
    dirs.push(dir);
    const r = await runBoardHarness(await buildBoardHarness(dir, 'dsp', board), 60_000, board);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cs.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 90_000);

  it('fails on a one-LSB change of one expected output', async () => {
    const cs = cases();
    const first = cs[0] as KernelTestCase;
    (first.expected as Int8Array)[7] = (((first.expected[7] as number) + 129) % 256) - 128; // +1 LSB (wrapping)
    const dir = writeVectors(cs, `pointwise-dsp-qemu-lsb-${board}`);
    dirs.push(dir);
    const r = await runBoardHarness(await buildBoardHarness(dir, 'dsp', board), 60_000, board);
    expect(r.mismatches).toBe(1);
  }, 90_000);
});

describe('dsp int8 conv2d / pointwise on the host (portable C of the same paths)', () => {
  it('matches the TypeScript reference', () => {
    const cs = cases();
    const dir = writeVectors(cs, 'pointwise-dsp-host');
    try {
      const r = runHostHarness(buildHostHarness(dir, 'dsp'));
      expect(r).toMatchObject({ cases: cs.length, mismatches: 0, failed: 0, exitCode: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
