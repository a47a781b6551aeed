import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav16, floatToInt16, readWav, writeWav16 } from '../../../src/audio/wav';
import { StageInputError } from '../../../src/errors';
import { encodeTestWav } from './wav-encoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wav-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('writeWav16 / readWav round trip', () => {
  it('writes a canonical 44-byte header and reads back the same int16 values', () => {
    const ints = [0, 1, -1, 32767, -32768, 1234, -4321, 16384];
    const samples = Float32Array.from(ints, (v) => v / 32768);
    const p = join(dir, 'rt.wav');
    writeWav16(p, samples, 16000);
    const bytes = readFileSync(p);
    expect(bytes.length).toBe(44 + 2 * ints.length);
    expect(bytes.toString('latin1', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(36 + 2 * ints.length);
    expect(bytes.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(bytes.readUInt32LE(16)).toBe(16);
    expect(bytes.readUInt16LE(20)).toBe(1); // PCM
    expect(bytes.readUInt16LE(22)).toBe(1); // mono
    expect(bytes.readUInt32LE(24)).toBe(16000);
    expect(bytes.readUInt32LE(28)).toBe(32000);
    expect(bytes.readUInt16LE(32)).toBe(2);
    expect(bytes.readUInt16LE(34)).toBe(16);
    expect(bytes.toString('latin1', 36, 40)).toBe('data');
    expect(bytes.readUInt32LE(40)).toBe(2 * ints.length);

    const back = readWav(p);
    expect(back).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm' });
    expect(Array.from(back.samples, (v) => Math.round(v * 32768))).toEqual(ints);
  });

  it('rounds half away from zero, clips, and maps NaN to 0', () => {
    expect(floatToInt16(0.5 / 32768)).toBe(1);
    expect(floatToInt16(-0.5 / 32768)).toBe(-1);
    expect(floatToInt16(0.49 / 32768)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(2)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32768);
    expect(floatToInt16(-3)).toBe(-32768);
    expect(floatToInt16(Number.NaN)).toBe(0);
  });

  it('is deterministic: same samples, same bytes', () => {
    const s = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.1) * 0.7);
    expect(encodeWav16(s, 16000).equals(encodeWav16(Float32Array.from(s), 16000))).toBe(true);
  });
});

describe('encodeWav16 / decodeWav16 byte coding', () => {
  it('writes every sample as Buffer.writeInt16LE(floatToInt16(x)) would, and reads each back exactly', () => {
    // Every int16 value, plus values that round, clip or are NaN.
    const xs = new Float32Array(65536 + 6);
    for (let v = -32768; v <= 32767; v++) xs[v + 32768] = v / 32768;
    xs.set([0.5 / 32768, -0.5 / 32768, 1.5, -1.5, NaN, -0], 65536);
    const buf = encodeWav16(xs, 16000);
    const ref = Buffer.alloc(2 * xs.length);
    xs.forEach((x, i) => ref.writeInt16LE(floatToInt16(x), 2 * i));
    expect(buf.subarray(44).equals(ref)).toBe(true);
    const back = decodeWav(buf, 'all-int16.wav').samples;
    for (let v = -32768; v <= 32767; v++) expect(back[v + 32768]).toBe(v / 32768);
  });
});

describe('readWav formats written by an independent encoder', () => {
  const ramp = [0, 0.25, -0.5, 0.75, -0.999];
  const cases: Array<{ name: string; bits: 8 | 16 | 24 | 32; float?: boolean; tol: number }> = [
    { name: '8-bit unsigned PCM', bits: 8, tol: 1 / 100 },
    { name: '16-bit PCM', bits: 16, tol: 1e-4 },
    { name: '24-bit PCM', bits: 24, tol: 1e-6 },
    { name: '32-bit PCM', bits: 32, tol: 1e-7 },
    { name: '32-bit float', bits: 32, float: true, tol: 1e-7 },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const p = file(
        `${c.bits}${c.float ? 'f' : ''}.wav`,
        encodeTestWav({ sampleRate: 22050, bits: c.bits, float: c.float, frames: ramp.map((v) => [v]) }),
      );
      const w = readWav(p);
      expect(w).toMatchObject({
        sampleRate: 22050,
        channels: 1,
        bitsPerSample: c.bits,
        format: c.float ? 'float' : 'pcm',
      });
      expect(w.samples.length).toBe(ramp.length);
      ramp.forEach((v, i) => expect(Math.abs(w.samples[i]! - v)).toBeLessThanOrEqual(c.tol));
    });
  }

  it('reads WAVE_FORMAT_EXTENSIBLE stereo 24-bit with an odd-sized extra chunk and mixes down to mono', () => {
    const frames = [
      [0.5, -0.5],
      [0.25, 0.75],
      [-1, -0.5],
    ];
    const p = file(
      'ext.wav',
      encodeTestWav({ sampleRate: 48000, bits: 24, frames, extensible: true, extraChunkBytes: 3 }),
    );
    const w = readWav(p);
    expect(w).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 24, format: 'pcm' });
    expect(Array.from(w.samples)).toEqual(frames.map(([a, b]) => expect.closeTo((a! + b!) / 2, 5)));
  });

  it('reads extensible float', () => {
    const p = file(
      'extf.wav',
      encodeTestWav({ sampleRate: 16000, bits: 32, float: true, frames: [[0.125], [-0.5]], extensible: true }),
    );
    expect(Array.from(readWav(p).samples)).toEqual([0.125, -0.5]);
  });
});

describe('readWav rejects unusable files with the path and the reason', () => {
  const expectError = (path: string, message: string): void => {
    let err: unknown;
    try {
      readWav(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StageInputError);
    expect((err as Error).message).toBe(message);
  };

  it('not RIFF', () => {
    const p = file('text.wav', Buffer.from('hello, this is not audio at all'));
    expectError(p, `${p}: not a RIFF/WAVE file`);
  });

  it('too short to be RIFF', () => {
    const p = file('short.wav', Buffer.from('RIFF'));
    expectError(p, `${p}: not a RIFF/WAVE file`);
  });

  it('truncated data chunk', () => {
    const full = encodeTestWav({ sampleRate: 16000, bits: 16, frames: Array.from({ length: 50 }, () => [0.1]) });
    const claimed = encodeTestWav({
      sampleRate: 16000,
      bits: 16,
      frames: Array.from({ length: 50 }, () => [0.1]),
      claimedDataBytes: 32000,
    });
    expect(claimed.length).toBe(full.length);
    const p = file('trunc.wav', claimed);
    expectError(p, `${p}: truncated data chunk (expected 32000 bytes, found 100)`);
  });

  it('unsupported format names the codec', () => {
    const p = file('mp3.wav', encodeTestWav({ sampleRate: 16000, bits: 16, frames: [[0]], formatCode: 0x0055 }));
    expectError(p, `${p}: unsupported format 0x0055 (MP3)`);
  });

  it('unsupported format inside WAVE_FORMAT_EXTENSIBLE', () => {
    const p = file(
      'ext-alaw.wav',
      encodeTestWav({ sampleRate: 8000, bits: 8, frames: [[0]], formatCode: 0x0006, extensible: true }),
    );
    expectError(p, `${p}: unsupported format 0x0006 (A-law)`);
  });

  it('unknown format code without a name', () => {
    const p = file('weird.wav', encodeTestWav({ sampleRate: 16000, bits: 16, frames: [[0]], formatCode: 0x1234 }));
    expectError(p, `${p}: unsupported format 0x1234`);
  });

  it('missing data chunk', () => {
    const whole = encodeTestWav({ sampleRate: 16000, bits: 16, frames: [[0]] });
    const p = file('nodata.wav', whole.subarray(0, 12 + 8 + 16));
    expectError(p, `${p}: no data chunk`);
  });

  it('missing file', () => {
    const p = join(dir, 'absent.wav');
    expectError(p, `${p}: cannot read file (ENOENT)`);
  });
});
