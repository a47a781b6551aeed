import { rmSync } from 'node:fs';
import { generateKernelTestCases, generateRequantizeCases, KernelTestCase } from '../helpers/test-vectors';
import { buildBoardHarness, KernelVariant, runBoardHarness, writeVectors } from '../helpers/firmware-build';

// The same kernel test program and vectors as test/unit/firmware/kernels.test.ts, cross-built
// with src/deploy (arm-none-eabi-gcc, generated linker script) for a Cortex-M4 board
// (QEMU mps2-an386) and a Cortex-M7 board (mps2-an500), with the ref and the dsp kernels: every
// build must be bit-exact with the TypeScript integer reference.
const SEED = 'kernels-qemu';

describe.each([
  ['stm32f446re', 'ref'],
  ['stm32f446re', 'dsp'],
  ['stm32f746zg', 'ref'],
  ['stm32f746zg', 'dsp'],
] as const)('int8 kernels on %s (QEMU), %s variant', (board: string, variant: KernelVariant) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function buildAndRun(cases: KernelTestCase[], requantizeCount = 0): ReturnType<typeof runBoardHarness> {
    const dir = writeVectors(cases, SEED, generateRequantizeCases(SEED, requantizeCount));
    dirs.push(dir);
    return runBoardHarness(await buildBoardHarness(dir, variant, board), 60_000, board);
  }

  it('match the TypeScript reference on every case and exit 0', async () => {
    const cases = generateKernelTestCases({ seed: SEED, casesPerKernel: 24 });
    const r = await buildAndRun(cases, 2000);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cases.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 90_000);

  it('report a perturbed expected value and exit non-zero', async () => {
    const cases = generateKernelTestCases({ seed: SEED, casesPerKernel: 2 });
    // Perturb a case of a kernel the dsp variant replaces, so the check covers the dsp code path.
    const victim = cases.find((c) => c.kind === 'depthwise_conv2d') as KernelTestCase;
    victim.expected[0] = (victim.expected[0] as number) === 127 ? 126 : (victim.expected[0] as number) + 1;
    const r = await buildAndRun(cases);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain(`MISMATCH ${victim.name} index=0`);
  }, 90_000);
});
