import { rmSync } from 'node:fs';
import { emitMfccTablesC } from '../../../src/codegen/mfcc-tables-c';
import { mfccConfigSchema, mfccParams, type MfccParams } from '../../../src/dsp/mfcc-config';
import { MfccQ15 } from '../../../src/dsp/mfcc-q15';
import { mfccTestClips } from '../../helpers/mfcc-clips';
import { buildMfccHost, runMfccHost, writeMfccVectors, type MfccClip } from '../../helpers/mfcc-firmware';

// firmware/frontend/tops_mfcc_q15.c, built with the host gcc (-Wall -Wextra -Werror) against
// tables emitted from the TypeScript, must reproduce MfccQ15 (src/dsp/mfcc-q15.ts) bit for bit
// on every output value of every clip.

const kws = mfccParams(mfccConfigSchema.parse({}));
// A second config (25 ms / 10 ms, FFT 512, 32 bands to 8 kHz, 13 coefficients): the emitter and
// the C are generic, not tuned to the MicroNets KWS numbers.
const other = mfccParams(mfccConfigSchema.parse({ windowMs: 25, strideMs: 10, fftSize: 512, melBands: 32, coefficients: 13, highHz: 8000 }));

function expectedClips(params: MfccParams, seed: string): MfccClip[] {
  const fe = new MfccQ15(params);
  return mfccTestClips(seed, params.clipSamples).map((c) => ({ pcm: c.pcm, expected: fe.compute(c.pcm) }));
}

describe('fixed-point MFCC front end in C on the host', () => {
  const dirs: string[] = [];
  const kwsClips = expectedClips(kws, 'host');
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function buildAndRun(params: MfccParams, clips: MfccClip[]): ReturnType<typeof runMfccHost> {
    const dir = writeMfccVectors(params, clips);
    dirs.push(dir);
    return runMfccHost(buildMfccHost(dir), dir);
  }

  it('matches MfccQ15 on every value of 20+ clips (KWS config, 49×10)', () => {
    const clips = kwsClips;
    expect(clips.length).toBeGreaterThanOrEqual(20);
    expect(clips[0]?.expected.length).toBe(49 * 10);
    const r = buildAndRun(kws, clips);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ clips: clips.length, values: 490, mismatches: 0, failed: 0, exitCode: 0 });
  });

  it('matches MfccQ15 for another config (FFT 512, 32 bands, 13 coefficients)', () => {
    const clips = expectedClips(other, 'host-other');
    const r = buildAndRun(other, clips);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ clips: clips.length, values: other.frames * 13, mismatches: 0, failed: 0, exitCode: 0 });
  });

  it('reports exactly one mismatch when one expected value is perturbed', () => {
    const clips = kwsClips.slice(0, 3).map((c) => ({ pcm: c.pcm, expected: Int16Array.from(c.expected) }));
    clips[1]!.expected[123]! += 1;
    const r = buildAndRun(kws, clips);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain('MISMATCH clip=1 index=123');
  });

  it('emits the same C for the same params, and tables taken from the TypeScript', () => {
    const a = emitMfccTablesC(kws, { name: 'kws' });
    expect(emitMfccTablesC(kws, { name: 'kws' })).toEqual(a);
    const fe = new MfccQ15(kws);
    expect(a.source).toContain(`static const int32_t kws_window_q30[640] = {\n    ${Array.from(fe.tables.windowQ30.subarray(0, 12)).join(', ')},`);
    expect(a.header).toContain('extern const tops_mfcc_q15_tables kws;');
    expect(() => emitMfccTablesC(kws, { name: 'not valid' })).toThrow(RangeError);
  });
});
