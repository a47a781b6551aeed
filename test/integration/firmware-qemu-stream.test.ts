import { rmSync } from 'node:fs';
import { mfccConfigSchema, mfccParams } from '../../src/dsp/mfcc-config';
import { runStreamTestBoard, streamSignal, writeStreamTest } from '../helpers/stream-firmware';

// The streaming front end cross-built for stm32f446re (Cortex-M4, mps2-an386) and run in QEMU:
// 10 s of test signals hop by hop, every frame equal to the whole-signal front end's (C) and
// MfccQ15's; the instruction-count plugin measures every hop (tops_mark around each push).
const params = mfccParams(mfccConfigSchema.parse({}));

describe('streaming MFCC front end on mps2-an386 (QEMU)', () => {
  let dir = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is bit-exact hop by hop; the per-hop cost is one frame of the whole-clip front end', async () => {
    // Two clips: the board holds the signal, both whole-signal feature sets and the ring in 128 KB.
    const pcm = streamSignal('qemu-stream', 2, params);
    dir = writeStreamTest({ params, pcm });
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
    process.stdout.write(`streaming front end: median ${median} instructions per hop (min ${Math.min(...frames)}, max ${Math.max(...frames)})\n`);
    expect(Math.max(...frames) - Math.min(...frames)).toBeLessThan(0.1 * median);
  }, 180_000);
});
