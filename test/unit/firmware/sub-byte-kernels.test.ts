import { rmSync } from 'node:fs';
import {
  emitKernelTestHeader, generateKernelTestCases, generateSubByteTestCases, KernelTestCase, SUB_BYTE_KERNEL_KINDS,
} from '../../helpers/test-vectors';
import {
  conv2d, depthwiseConv2d, fullyConnected, fullyConnectedSubByte, packSubByteWeights, unpackSubByteWeights,
} from '../../../src/nn/int-reference';
import { buildHostHarness, runHostHarness, writeVectors, type KernelVariant } from '../../helpers/firmware-build';

// Packed int4 / int2 weight kernels (MicroNets §5.1.3): the C reference (host gcc) must equal
// the TypeScript reference bit for bit, and the TypeScript reference must equal the int8
// reference on the unpacked weights.
const SEED = 'sub-byte-unit';

describe('sub-byte weight reference (TypeScript)', () => {
  it('equals the int8 reference on the unpacked weights, for every generated case', () => {
    for (const t of generateSubByteTestCases({ seed: SEED, casesPerKernel: 8 })) {
      const bits = t.kind.endsWith('_s4') ? 4 : 2;
      const filterDims = t.filterDims!;
      const w = unpackSubByteWeights(bits, t.packedFilter!, filterDims.n * filterDims.h * filterDims.w * filterDims.c);
      let want: Int8Array;
      if (t.fc) want = fullyConnected(t.fc, t.perTensor!, t.inputDims, t.input, filterDims, w, t.bias!, t.outputDims);
      else if (t.depthwise) want = depthwiseConv2d(t.depthwise, t.perChannel!, t.inputDims, t.input, filterDims, w, t.bias!, t.outputDims);
      else want = conv2d(t.conv!, t.perChannel!, t.inputDims, t.input, filterDims, w, t.bias!, t.outputDims);
      expect(Array.from(t.expected)).toEqual(Array.from(want));
    }
  });

  it('covers the full two\'s-complement range and odd (mid-byte) rows', () => {
    const cases = generateSubByteTestCases({ seed: SEED, casesPerKernel: 12 });
    const s4 = cases.filter((c) => c.kind.endsWith('_s4')).flatMap((c) => Array.from(unpackSubByteWeights(4, c.packedFilter!, c.packedFilter!.length * 2)));
    expect(Math.min(...s4)).toBe(-8);
    expect(Math.max(...s4)).toBe(7);
    expect(cases.some((c) => c.kind === 'fully_connected_s4' && c.filterDims!.c % 2 === 1 && c.filterDims!.n > 1)).toBe(true);
    expect(cases.some((c) => c.kind === 'conv2d_s2' && c.filterDims!.c % 4 !== 0)).toBe(true);
    // outputs are spread, not stuck at the zero point or the clamp
    const distinct = new Set(cases.filter((c) => c.kind === 'conv2d_s2').flatMap((c) => Array.from(c.expected)));
    expect(distinct.size).toBeGreaterThan(40);
  });

  it('rejects a packed filter of the wrong byte length', () => {
    const w = Int8Array.from([1, -2, 3]);
    const packed = packSubByteWeights(4, w);
    expect(packed).toHaveLength(2);
    const dims = { n: 1, h: 1, w: 1, c: 3 };
    const q = { multiplier: 1 << 30, shift: 0 };
    const fc = { inputOffset: 0, outputOffset: 0, activation: { min: -128, max: 127 } };
    expect(() => fullyConnectedSubByte(4, fc, q, dims, new Int8Array(3), dims, new Uint8Array(1), new Int32Array(1), { n: 1, h: 1, w: 1, c: 1 })).toThrow(RangeError);
    expect(() => fullyConnectedSubByte(2, fc, q, dims, new Int8Array(3), dims, packed, new Int32Array(1), { n: 1, h: 1, w: 1, c: 1 })).toThrow(RangeError);
  });
});

// ref: the portable kernels; dsp: the SXTB16/SMLAD kernels (firmware/kernels/dsp/*sub_byte*) with
// the portable C emulation of the SIMD32 instructions (the real instructions run in QEMU,
// test/integration/firmware-qemu-sub-byte.test.ts).
describe.each(['ref', 'dsp'] as const)('sub-byte weight kernels on the host, %s variant', (variant: KernelVariant) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function buildAndRun(cases: KernelTestCase[]): ReturnType<typeof runHostHarness> {
    const dir = writeVectors(cases, SEED);
    dirs.push(dir);
    return runHostHarness(buildHostHarness(dir, variant));
  }

  it('match the TypeScript reference on every case (alongside the int8 cases)', () => {
    const cases = [...generateKernelTestCases({ seed: SEED, casesPerKernel: 2 }), ...generateSubByteTestCases({ seed: SEED, casesPerKernel: 24 })];
    for (const kind of SUB_BYTE_KERNEL_KINDS) expect(cases.filter((c) => c.kind === kind)).toHaveLength(24);
    const r = buildAndRun(cases);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cases.length, mismatches: 0, failed: 0, exitCode: 0 });
  });

  it('reports exactly one mismatch when one expected value is perturbed', () => {
    // Case 9 of a kind: a wide layer, so the dsp word path produced the perturbed value.
    const cases = generateSubByteTestCases({ seed: SEED, casesPerKernel: 10 });
    const victim = cases.find((c) => c.name === 'pointwise_conv2d_s2_09') as KernelTestCase;
    const i = victim.expected.length - 1;
    victim.expected[i] = (victim.expected[i] as number) === 127 ? 126 : (victim.expected[i] as number) + 1;
    const r = buildAndRun(cases);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain(`MISMATCH ${victim.name} index=${i}`);
  });

  it('generates the same header for the same seed, with packed filters', () => {
    const a = emitKernelTestHeader(generateSubByteTestCases({ seed: 7, casesPerKernel: 2 }), { seed: 7 });
    expect(emitKernelTestHeader(generateSubByteTestCases({ seed: 7, casesPerKernel: 2 }), { seed: 7 })).toBe(a);
    expect(a).toContain('static const uint8_t conv2d_s4_00_packed_filter[');
    expect(a).toContain('.kind = TOPS_TEST_FULLY_CONNECTED_S2');
  });
});

describe('sub-byte wide cases', () => {
  it('include whole packed words, tails and rows that start mid-byte for every kind', () => {
    const cases = generateSubByteTestCases({ seed: SEED, casesPerKernel: 10 });
    for (const kind of SUB_BYTE_KERNEL_KINDS) {
      const wide = cases.filter((c) => c.kind === kind && Number(c.name.slice(-2)) >= 7);
      const len = (c: KernelTestCase): number => kind.startsWith('depthwise') ? c.filterDims!.c : c.filterDims!.h * c.filterDims!.w * c.filterDims!.c;
      expect(wide.some((c) => len(c) >= 32)).toBe(true); // at least one whole int2 word
      expect(wide.some((c) => len(c) % 2 === 1)).toBe(true); // odd: int4 rows start mid-byte
    }
  });
});
