import { rmSync } from 'node:fs';
import { generateKernelTestCases, generateSubByteTestCases, KernelTestCase } from '../../src/codegen/test-vectors';
import { buildBoardHarness, runBoardHarness, writeVectors } from '../helpers/firmware-build';

// The packed int4 / int2 weight kernels cross-built for mps2-an386 (Cortex-M4) and run in QEMU
// with the same kernel test program: bit-exact with the TypeScript reference.
const SEED = 'sub-byte-qemu';

describe('sub-byte weight kernels on mps2-an386 (QEMU)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function buildAndRun(cases: KernelTestCase[]): ReturnType<typeof runBoardHarness> {
    const dir = writeVectors(cases, SEED);
    dirs.push(dir);
    return runBoardHarness(await buildBoardHarness(dir), 60_000);
  }

  it('match the TypeScript reference on every case and exit 0', async () => {
    const cases = [...generateKernelTestCases({ seed: SEED, casesPerKernel: 2 }), ...generateSubByteTestCases({ seed: SEED, casesPerKernel: 24 })];
    const r = await buildAndRun(cases);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cases.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 60_000);

  it('report a perturbed expected value and exit non-zero', async () => {
    const cases = generateSubByteTestCases({ seed: SEED, casesPerKernel: 2 });
    const victim = cases.find((c) => c.kind === 'depthwise_conv2d_s4') as KernelTestCase;
    victim.expected[0] = (victim.expected[0] as number) === 127 ? 126 : (victim.expected[0] as number) + 1;
    const r = await buildAndRun(cases);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain(`MISMATCH ${victim.name} index=0`);
  }, 60_000);
});
