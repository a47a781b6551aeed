import { rmSync } from 'node:fs';
import { generateKernelTestCases, generateRequantizeCases, KernelTestCase } from '../../src/codegen/test-vectors';
import { buildBoardHarness, runBoardHarness, writeVectors } from '../helpers/firmware-build';

// The same kernel test program and vectors as test/unit/firmware/kernels.test.ts, cross-built
// with arm-none-eabi-gcc for mps2-an386 (Cortex-M4) and run in QEMU with semihosting: the board
// build must be bit-exact with the TypeScript integer reference too.
const SEED = 'kernels-qemu';

describe('int8 reference kernels on mps2-an386 (QEMU)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function buildAndRun(cases: KernelTestCase[], requantizeCount = 0): ReturnType<typeof runBoardHarness> {
    const dir = writeVectors(cases, SEED, generateRequantizeCases(SEED, requantizeCount));
    dirs.push(dir);
    return runBoardHarness(buildBoardHarness(dir), 60_000);
  }

  it('match the TypeScript reference on every case and exit 0', () => {
    const cases = generateKernelTestCases({ seed: SEED, casesPerKernel: 24 });
    const r = buildAndRun(cases, 2000);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ cases: cases.length, mismatches: 0, failed: 0, exitCode: 0 });
  }, 60_000);

  it('report a perturbed expected value and exit non-zero', () => {
    const cases = generateKernelTestCases({ seed: SEED, casesPerKernel: 2 });
    const victim = cases.find((c) => c.kind === 'depthwise_conv2d') as KernelTestCase;
    victim.expected[0] = (victim.expected[0] as number) === 127 ? 126 : (victim.expected[0] as number) + 1;
    const r = buildAndRun(cases);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain(`MISMATCH ${victim.name} index=0`);
  }, 60_000);
});
