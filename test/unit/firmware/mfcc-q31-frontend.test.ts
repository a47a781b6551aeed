import { rmSync } from 'node:fs';
import { emitMfccTablesC } from '../../../src/codegen/mfcc-tables-c';
import { makeFixedMfcc } from '../../../src/dsp/fixed-mfcc';
import { mfccConfigSchema, mfccParams, type MfccParams } from '../../../src/dsp/mfcc-config';
import { MfccQ31 } from '../../../src/dsp/mfcc-q31';
import { mfccTestClips } from '../../helpers/mfcc-clips';
import { buildMfccHost, runMfccHost, writeMfccVectors, type MfccClip } from '../../helpers/mfcc-firmware';

// The q31-fast contract (src/dsp/mfcc-q31.ts, firmware/frontend/tops_mfcc_q31_impl.h) built with
// the host gcc against emitted tables: every output value of every clip must equal MfccQ31.
// Three configs: the KWS one (FFT 1024: log2 M odd, a radix-2 stage then four radix-4 stages), FFT
// 512 with a 480-sample window (log2 M even: radix-4 only) and a 641-sample window in FFT 1024 (the
// window's edge splits one radix-2 pair: the generic path of q31_window).

const q31 = (extra: object): MfccParams => mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast', ...extra }));
const kws = q31({});

function expectedClips(params: MfccParams, seed: string): MfccClip[] {
  const fe = makeFixedMfcc(params);
  return mfccTestClips(seed, params.clipSamples).map((c) => ({ pcm: c.pcm, expected: fe.compute(c.pcm) }));
}

describe('q31-fast MFCC front end in C on the host', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function buildAndRun(params: MfccParams, clips: MfccClip[]): ReturnType<typeof runMfccHost> {
    const dir = writeMfccVectors(params, clips);
    dirs.push(dir);
    return runMfccHost(buildMfccHost(dir), dir);
  }

  it.each([
    ['KWS (FFT 1024, 40 bands, 10 coefficients)', kws],
    ['FFT 512, 30 ms / 10 ms, 32 bands to 8 kHz, 13 coefficients', q31({ windowMs: 30, strideMs: 10, fftSize: 512, melBands: 32, coefficients: 13, highHz: 8000 })],
    ['641-sample window, FFT 1024', q31({ windowMs: 40.0625 })],
  ])('%s: C = TypeScript on every value of 20+ clips', (_name, params) => {
    expect(makeFixedMfcc(params)).toBeInstanceOf(MfccQ31);
    const clips = expectedClips(params, `q31-${params.fftSize}`);
    expect(clips.length).toBeGreaterThanOrEqual(20);
    const r = buildAndRun(params, clips);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r).toMatchObject({ clips: clips.length, values: params.frames * params.coefficients, mismatches: 0, failed: 0, exitCode: 0 });
  });

  it('reports exactly one mismatch when one expected value is perturbed', () => {
    const clips = expectedClips(kws, 'q31-perturbed').slice(0, 3);
    clips[2]!.expected[77]! -= 1;
    const r = buildAndRun(kws, clips);
    expect(r).toMatchObject({ mismatches: 1, failed: 1, exitCode: 1 });
    expect(r.stdout).toContain('MISMATCH clip=2 index=77');
  });

  it('emits the q31 tables (and no q30 window) only for contract q31-fast', () => {
    const fast = emitMfccTablesC(kws, { name: 'kws' }).source;
    expect(fast).toContain('TOPS_MFCC_CONTRACT_Q31_FAST, 13, kws_q31_window, kws_q31_twiddles, kws_q31_split');
    expect(fast).not.toContain('kws_window_q30');
    const old = emitMfccTablesC(mfccParams(mfccConfigSchema.parse({})), { name: 'kws' }).source;
    expect(old).toContain('TOPS_MFCC_CONTRACT_Q30, 0, 0, 0, 0');
    expect(old).not.toContain('q31');
  });
});
