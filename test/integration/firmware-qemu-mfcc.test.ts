import { rmSync } from 'node:fs';
import { mfccConfigSchema, mfccParams } from '../../src/dsp/mfcc-config';
import { MfccQ15 } from '../../src/dsp/mfcc-q15';
import { mfccTestClips } from '../helpers/mfcc-clips';
import { buildMfccBoard, runMfccBoard, writeMfccVectors, type MfccClip } from '../helpers/mfcc-firmware';

// The fixed-point MFCC front end cross-built with arm-none-eabi-gcc for mps2-an386 (Cortex-M4)
// and run in QEMU: every output value of every clip must equal MfccQ15 (src/dsp/mfcc-q15.ts).
// The clips (640 KB of PCM, more than the board's flash) are read over semihosting.
//
// Instruction count: with `-icount shift=0` QEMU advances virtual time 1 ns per instruction, so
// SysTick (clocked at the 25 MHz core clock) counts one tick per 40 instructions; the harness
// calibrates that ratio on a loop of known length. Measured (KWS config, 640-sample window,
// FFT 1024, 40 bands, 10 coefficients, -O2): 137–144 k instructions per frame (≈ 72 k in the
// FFT, 20 k split, 30 k bands + log, 13 k window), ≈ 7.0 M per 1 s clip (49 frames). At 180 MHz
// and ~1.2 cycles per instruction (STM32F446, code in flash with the ART accelerator; SMLAL is
// single-cycle on the M4) that is ≈ 1 ms per 20 ms frame, ~5 % of the core. QEMU does not model
// cycles, so the latency is an estimate.
const params = mfccParams(mfccConfigSchema.parse({}));

describe('fixed-point MFCC front end on mps2-an386 (QEMU)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const fe = new MfccQ15(params);
  const clips: MfccClip[] = mfccTestClips('qemu', params.clipSamples).map((c) => ({
    pcm: c.pcm,
    expected: fe.compute(c.pcm),
  }));

  async function build(cs: MfccClip[]): Promise<{ elf: string; dir: string }> {
    const dir = writeMfccVectors(params, cs);
    dirs.push(dir);
    return { elf: await buildMfccBoard(dir), dir };
  }

  it('matches MfccQ15 on every value of 20+ clips; instructions per frame measured', async () => {
    expect(clips.length).toBeGreaterThanOrEqual(20);
    const { elf, dir } = await build(clips);
    const r = runMfccBoard(elf, dir, { icount: true });
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ clips: clips.length, values: 490, mismatches: 0, failed: 0, exitCode: 0 });
    const cal = r.calibration as { instructions: number; ticks: number };
    const perTick = cal.instructions / cal.ticks;
    expect(perTick).toBeCloseTo(40, 1); // 1 GHz of virtual instructions / 25 MHz SysTick
    expect(r.ticks).toHaveLength(clips.length);
    const perFrame = r.ticks.map((t) => (t.ticks * perTick) / t.frames);
    const summary = {
      instructionsPerTick: perTick,
      perFrameMin: Math.min(...perFrame),
      perFrameMax: Math.max(...perFrame),
    };
    console.log(`MFCC on Cortex-M4 (QEMU -icount): ${JSON.stringify(summary)}`);
    expect(summary.perFrameMin).toBeGreaterThan(10_000);
    expect(summary.perFrameMax).toBeLessThan(1_000_000);
  }, 120_000);

  it('reports a perturbed expected value and exits non-zero', async () => {
    const few = clips.slice(0, 2).map((c) => ({ pcm: c.pcm, expected: Int16Array.from(c.expected) }));
    few[0]!.expected[0]! += 1;
    const { elf, dir } = await build(few);
    const r = runMfccBoard(elf, dir);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain('MISMATCH clip=0 index=0');
  }, 120_000);
});
