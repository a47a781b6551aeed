import { rmSync } from 'node:fs';
import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { runStreamTestHost, streamSignal, writeStreamTest } from '../../helpers/stream-firmware';

// The streaming front end (firmware/stream/tops_stream.c, tops_mfcc_stream) built with the host
// gcc: pushed one 20 ms hop at a time, every frame it makes must equal the same frame of the
// whole-signal front end (tops_mfcc_q15_compute, C) and of MfccQ15 / MfccQ31 (TypeScript), and the ring
// window the model reads must be the last `frames` whole-signal frames, oldest first.

describe('streaming MFCC front end in C on the host', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.each([
    ['KWS: 40 ms window, 20 ms hop, 10 coefficients', mfccParams(mfccConfigSchema.parse({})), 4],
    ['30 ms window, 10 ms hop, FFT 512, 32 bands, 13 coefficients', mfccParams(mfccConfigSchema.parse({ windowMs: 30, strideMs: 10, fftSize: 512, melBands: 32, coefficients: 13, highHz: 8000 })), 2],
    ['KWS with contract q31-fast (src/dsp/mfcc-q31.ts)', mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' })), 4],
  ])('%s: every streamed frame equals the whole-signal frame (C and TypeScript)', (_name, params, clips) => {
    const pcm = streamSignal(`stream-${params.strideSamples}`, clips, params);
    // A tail shorter than a hop is never pushed (the device only sees whole hops).
    const signal = Int16Array.from([...pcm, ...new Int16Array(params.strideSamples - 1)]);
    const dir = writeStreamTest({ params, pcm: signal.subarray(0, Math.floor(signal.length / params.strideSamples) * params.strideSamples) });
    dirs.push(dir);
    const r = runStreamTestHost(dir);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    const hops = Math.floor(signal.length / params.strideSamples);
    expect(r.frontEnd).toEqual({ hops, frames: hops - params.windowSamples / params.strideSamples + 1, mismatches: 0 });
    expect(r.exitCode).toBe(0);
  });
});
