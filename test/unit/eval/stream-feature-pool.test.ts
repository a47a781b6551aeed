import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeWav16 } from '../../../src/audio/wav';
import { whiteNoise } from '../../../src/audio/noise';
import { mfccConfigSchema, type MfccConfig } from '../../../src/dsp/mfcc-config';
import { StageInputError } from '../../../src/errors';
import { evalWorkerCount, StreamFeaturePool } from '../../../src/eval/stream-feature-pool';
import { streamFileFeatures, type StreamFileFeatures } from '../../../src/eval/stream-features';
import { Prng } from '../../../src/util/prng';

/**
 * The evaluate stage's stream front end in worker threads: the frames of every stream are the
 * same bytes with 0 (the calling thread), 1 or N workers, for both contracts and the float
 * front end, in the order asked; a bad stream is the same error as in the calling thread.
 */

jest.setTimeout(60_000);

const FRONT_ENDS: Record<string, MfccConfig> = {
  'q31-fast': mfccConfigSchema.parse({ contract: 'q31-fast' }),
  q30: mfccConfigSchema.parse({}),
  float: mfccConfigSchema.parse({ implementation: 'float' }),
};

let dir: string;
let files: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-feature-pool-'));
  // Five streams of different lengths (0.7–4.9 s), noise with a click and a silent stretch.
  files = [0, 1, 2, 3, 4].map((i) => {
    const n = 11200 + i * 16000;
    const x = whiteNoise(n, Prng.derive('stream-feature-pool', String(i))).map((v, j) =>
      j % 7919 === 0 ? 1 : j > n / 2 && j < n / 2 + 4000 ? 0 : v * (0.02 + 0.2 * i),
    );
    const f = path.join(dir, `s${i}.wav`);
    fs.writeFileSync(f, encodeWav16(x, 16000));
    return f;
  });
  fs.writeFileSync(path.join(dir, 'r8k.wav'), encodeWav16(new Float32Array(8000), 8000));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const digest = (rs: readonly StreamFileFeatures[]): string => {
  const h = createHash('sha256');
  for (const r of rs) {
    if (!r.ok) throw new Error(`unexpected sample rate ${r.sampleRate}`);
    h.update(String(r.count));
    h.update(new Uint8Array(r.frames.buffer, r.frames.byteOffset, r.frames.byteLength));
  }
  return h.digest('hex');
};

const viaPool = async (size: number, config: MfccConfig): Promise<StreamFileFeatures[]> => {
  const pool = StreamFeaturePool.start(size, config);
  try {
    expect(pool.size).toBe(size);
    const waits = files.map((f) => pool.request(f));
    const out: StreamFileFeatures[] = [];
    for (const w of waits) out.push(await w());
    return out;
  } finally {
    await pool.close();
  }
};

describe('stream features: the same bytes in the calling thread and in worker threads', () => {
  it.each(Object.keys(FRONT_ENDS))('%s: 0, 1, 2 and 3 workers give the calling thread’s frames', async (name) => {
    const config = FRONT_ENDS[name]!;
    const inline = files.map((f) => streamFileFeatures(config, f));
    // One frame per 20 ms hop after the first 30 ms window: the streams are really computed.
    expect(inline.map((r) => (r.ok ? r.count : -1))).toEqual([34, 84, 134, 184, 234]);
    const want = digest(inline);
    for (const size of [0, 1, 2, 3]) expect([size, digest(await viaPool(size, config))]).toEqual([size, want]);
  });

  it('reports a stream at another sample rate, and an unreadable one as a StageInputError', async () => {
    for (const size of [0, 2]) {
      const pool = StreamFeaturePool.start(size, FRONT_ENDS['q31-fast']!);
      try {
        expect(await pool.request(path.join(dir, 'r8k.wav'))()).toEqual({ ok: false, sampleRate: 8000 });
        const missing = pool.request(path.join(dir, 'missing.wav'));
        const next = pool.request(files[0]!);
        const err = await missing().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StageInputError);
        expect((err as Error).message).toContain('missing.wav: cannot read file (ENOENT)');
        // The pool keeps working after a job failed.
        expect((await next()).ok).toBe(true);
      } finally {
        await pool.close();
      }
    }
  });

  it('rejects what is still queued when it is closed, without unhandled rejections', async () => {
    const pool = StreamFeaturePool.start(1, FRONT_ENDS['q31-fast']!);
    const waits = files.map((f) => pool.request(f));
    await pool.close();
    await expect(waits[4]!()).rejects.toThrow('closed');
  });

  it('takes its size from TINYOPS_EVAL_WORKERS, else 2 on two or more cores', () => {
    const before = process.env.TINYOPS_EVAL_WORKERS;
    try {
      process.env.TINYOPS_EVAL_WORKERS = '0';
      expect(evalWorkerCount()).toBe(0);
      process.env.TINYOPS_EVAL_WORKERS = '3';
      expect(evalWorkerCount()).toBe(3);
      process.env.TINYOPS_EVAL_WORKERS = 'two';
      expect(() => evalWorkerCount()).toThrow(/TINYOPS_EVAL_WORKERS: "two"/);
      delete process.env.TINYOPS_EVAL_WORKERS;
      expect(evalWorkerCount()).toBe(os.availableParallelism() < 2 ? 0 : 2);
    } finally {
      if (before === undefined) delete process.env.TINYOPS_EVAL_WORKERS;
      else process.env.TINYOPS_EVAL_WORKERS = before;
    }
  });
});
