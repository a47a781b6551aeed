import { rmSync } from 'node:fs';
import { generateKernelTestCases, generateSubByteTestCases, KernelTestCase } from '../helpers/test-vectors';
import { buildBoardHarness, runBoardHarness, writeVectors, type KernelVariant } from '../helpers/firmware-build';

// The packed int4 / int2 weight kernels cross-built for the boards and run in QEMU with the same
// kernel test program: bit-exact with the TypeScript reference.
const SEED = 'sub-byte-qemu';

// ref on the M4; dsp (SXTB16/SMLAD, firmware/kernels/dsp/*sub_byte*) on the M4 and the M7.
describe.each([
  ['stm32f446re', 'ref'],
  ['stm32f446re', 'dsp'],
  ['stm32f746zg', 'dsp'],
] as const)('sub-byte weight kernels on %s (QEMU), %s variant', (board: string, variant: KernelVariant) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function buildAndRun(cases: KernelTestCase[]): ReturnType<typeof runBoardHarness> {
    const dir = writeVectors(cases, SEED);
    dirs.push(dir);
    return runBoardHarness(await buildBoardHarness(dir, variant, board), 60_000, board);
  }

  it('match the TypeScript reference on every case and exit 0', async () => {
    const cases = [
      ...generateKernelTestCases({ seed: SEED, casesPerKernel: 2 }),
      ...generateSubByteTestCases({ seed: SEED, casesPerKernel: 24 }),
    ];
    const r = await buildAndRun(cases);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cases.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 60_000);

  it('report a perturbed expected value and exit non-zero', async () => {
    const cases = generateSubByteTestCases({ seed: SEED, casesPerKernel: 10 });
    const victim = cases.find((c) => c.name === 'depthwise_conv2d_s4_09') as KernelTestCase;
    victim.expected[0] = (victim.expected[0] as number) === 127 ? 126 : (victim.expected[0] as number) + 1;
    const r = await buildAndRun(cases);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain(`MISMATCH ${victim.name} index=0`);
  }, 60_000);
});
