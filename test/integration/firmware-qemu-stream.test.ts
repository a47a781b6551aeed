import { rmSync } from 'node:fs';
import { mfccConfigSchema, mfccParams } from '../../src/dsp/mfcc-config';
import { detectOnInt8Posteriors, type StreamDetectorConfig } from '../../src/deploy/stream-detector';
import { Prng } from '../../src/util/prng';
import { runStreamTestBoard, STREAM_PHASES, streamSignal, writeStreamTest } from '../helpers/stream-firmware';

// The streaming front end cross-built for stm32f446re (Cortex-M4, mps2-an386) and run in QEMU:
// 10 s of test signals hop by hop, every frame equal to the whole-signal front end's (C) and
// MfccQ15's; the instruction-count plugin measures every hop (tops_mark around each push).
const params = mfccParams(mfccConfigSchema.parse({}));

describe('streaming MFCC front end on mps2-an386 (QEMU)', () => {
  // Two clips: the board holds the signal, both whole-signal feature sets and the ring in 128 KB.
  let dir = '';
  beforeAll(() => {
    dir = writeStreamTest({ params, pcm: streamSignal('qemu-stream', 2, params) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is bit-exact hop by hop; the per-hop cost is one frame of the whole-clip front end', async () => {
    const r = await runStreamTestBoard(dir);
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r.frontEnd).toEqual({ hops: 100, frames: 99, mismatches: 0 });
    expect(r.exitCode).toBe(0);
    const hops = r.hopInstructions!;
    expect(hops).toHaveLength(100);
    // Hop 0 only buffers (the first window needs two hops); every later hop makes one frame.
    expect(hops[0]!).toBeLessThan(1000);
    const frames = hops.slice(1);
    const median = [...frames].sort((a, b) => a - b)[Math.floor(frames.length / 2)]!;
    process.stdout.write(
      `streaming front end: median ${median} instructions per hop (min ${Math.min(...frames)}, max ${Math.max(...frames)})\n`,
    );
    expect(Math.max(...frames) - Math.min(...frames)).toBeLessThan(0.1 * median);
  }, 180_000);

  it('on the Cortex-M7 board too, and the profile build splits every hop into its steps', async () => {
    // The written-out Thumb-2 / DSP loops of tops_mfcc_q15.c also run on the M7 (mps2-an500);
    // the phase markers (-DTOPS_MFCC_PROFILE, used by test/bench/stream.bench.ts) cut each hop
    // that makes a frame into STREAM_PHASES, whose sum is the whole hop.
    const r = await runStreamTestBoard(dir, 'stm32f746zg', { profile: true });
    expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
    expect(r.frontEnd).toEqual({ hops: 100, frames: 99, mismatches: 0 });
    expect(r.exitCode).toBe(0);
    const phases = r.phases!;
    expect(phases).toHaveLength(99);
    phases.forEach((hop, i) => {
      expect(STREAM_PHASES.reduce((sum, p) => sum + hop[p], 0)).toBe(r.hopInstructions![i + 1]);
      for (const p of STREAM_PHASES) expect(hop[p]).toBeGreaterThan(0);
      // The FFT is the largest step and the ring copy the smallest.
      expect(Math.max(...STREAM_PHASES.map((p) => hop[p]))).toBe(hop.fft);
      expect(Math.min(...STREAM_PHASES.map((p) => hop[p]))).toBe(hop.ring);
    });
  }, 180_000);

  it('contract q31-fast: bit-exact hop by hop on the M4 and the M7, under the issue-13 target of 60 k instructions per hop', async () => {
    // src/dsp/mfcc-q31.ts / firmware/frontend/tops_mfcc_q31_impl.h: radix-4 FFT with SMMUL-style
    // products, 32-bit band powers. 50.9 k per hop on both boards when written (q30: 87.0 k).
    const fast = mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' }));
    const d = writeStreamTest({ params: fast, pcm: streamSignal('qemu-stream-q31', 2, fast) });
    try {
      for (const board of ['stm32f446re', 'stm32f746zg']) {
        const r = await runStreamTestBoard(d, board);
        expect(r.stdout).not.toMatch(/MISMATCH|FAIL/);
        expect(r.frontEnd).toEqual({ hops: 100, frames: 99, mismatches: 0 });
        expect(r.exitCode).toBe(0);
        const frames = r.hopInstructions!.slice(1);
        process.stdout.write(`q31-fast on ${board}: max ${Math.max(...frames)} instructions per hop\n`);
        expect(Math.max(...frames)).toBeLessThan(60_000);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('keyword detector with per-class thresholds on mps2-an500 (QEMU)', () => {
  // The board's tops_kws_detector_step with a Q16 threshold per class (evaluate's perKeyword
  // table, deploy's stream.thresholds) fires exactly where the host twin does.
  it('equals the host twin event for event', async () => {
    const nc = 12;
    const config: StreamDetectorConfig = {
      numClasses: nc,
      keywordClasses: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      smoothing: 3,
      thresholdQ16: 32768,
      // 0.3 … 255/256 across the ten keywords: several fire, some only at their own low θ.
      classThresholdsQ16: [0, 0, 19661, 26214, 32768, 39322, 45875, 52429, 58982, 62259, 64225, 65280],
      refractory: 5,
    };
    const rng = Prng.derive('qemu-per-class-detector', 'posteriors');
    const posteriors = new Int8Array(3000 * nc);
    let hot = 0;
    let left = 0;
    for (let t = 0; t < 3000; t++) {
      // Bursts of 2–10 posteriors on one keyword, silence between.
      if (left === 0) {
        hot = rng.next() < 0.2 ? rng.int(2, nc - 1) : 0;
        left = rng.int(2, 10);
      }
      left--;
      for (let c = 0; c < nc; c++) posteriors[t * nc + c] = (c === hot ? rng.int(80, 255) : rng.int(0, 12)) - 128;
    }
    const host = detectOnInt8Posteriors(posteriors, config);
    expect(new Set(host.map((d) => d.classIndex)).size).toBeGreaterThanOrEqual(5);
    const dir = writeStreamTest({ params, detector: { config, posteriors } });
    try {
      const r = await runStreamTestBoard(dir, 'stm32f746zg');
      expect(r.stdout).not.toMatch(/FAIL/);
      expect(r.stdout).toContain('TOPS_STREAM_DETECTOR posteriors=3000');
      expect(r.events).toEqual(host);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
