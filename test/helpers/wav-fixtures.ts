import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeWav16 } from '../../src/audio/wav';

/**
 * Test inputs made at run time (no binaries in the repo): WAV encoders for formats
 * encodeWav16 does not write, a folder builder (the fake StageContext is test/helpers/fake-stage-context.ts).
 */

export interface RawWavSpec {
  readonly sampleRate: number;
  /** Per channel, equal lengths, in [-1, 1]. */
  readonly channels: readonly Float32Array[];
  readonly bits: 8 | 16 | 24 | 32;
  /** 1 = PCM, 3 = IEEE float, anything else is written as-is (for unsupported-format tests). */
  readonly formatCode?: number;
}

/** A plain RIFF/WAVE file (16-byte fmt chunk) with interleaved frames. */
export function encodeRawWav(spec: RawWavSpec): Buffer {
  const code = spec.formatCode ?? 1;
  const ch = spec.channels.length;
  const bytes = spec.bits / 8;
  const frames = spec.channels[0]!.length;
  const dataBytes = frames * ch * bytes;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(code, 20);
  buf.writeUInt16LE(ch, 22);
  buf.writeUInt32LE(spec.sampleRate, 24);
  buf.writeUInt32LE(spec.sampleRate * ch * bytes, 28);
  buf.writeUInt16LE(ch * bytes, 32);
  buf.writeUInt16LE(spec.bits, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < ch; c++) {
      const x = spec.channels[c]![i]!;
      if (code === 3 && spec.bits === 32) buf.writeFloatLE(x, o);
      else if (spec.bits === 8) buf.writeUInt8(Math.round(x * 127) + 128, o);
      else buf.writeIntLE(Math.round(x * (2 ** (spec.bits - 1) - 1)), o, bytes);
      o += bytes;
    }
  }
  return buf;
}

/** A sine of `seconds` at `hz`, amplitude `amp`. */
export function tone(seconds: number, sampleRate: number, hz = 440, amp = 0.5): Float32Array {
  const n = Math.round(seconds * sampleRate);
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

/** A 16 kHz PCM16 clip whose content is a function of `seed`, so distinct clips have distinct bytes. */
export function clip16k(seed: number, seconds = 1): Buffer {
  return encodeWav16(tone(seconds, 16000, 200 + 37 * seed, 0.3), 16000);
}

/** Write `files` (relative path → bytes or text) under `root`. */
export function writeTree(root: string, files: Readonly<Record<string, Buffer | string>>): void {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
}
