/**
 * A deliberately separate WAV encoder for tests, so the reader is checked against bytes it
 * did not produce: any integer depth, float32, multi-channel, WAVE_FORMAT_EXTENSIBLE,
 * extra chunks, odd sizes.
 */
export interface TestWavSpec {
  readonly sampleRate: number;
  readonly bits: 8 | 16 | 24 | 32;
  readonly float?: boolean;
  /** frames[i][c]: sample of channel c at frame i, in [-1, 1]. */
  readonly frames: readonly (readonly number[])[];
  readonly extensible?: boolean;
  /** Format code to write instead (for unsupported-format tests). */
  readonly formatCode?: number;
  /** Insert a `LIST` chunk of this many bytes before `data` (odd sizes test padding). */
  readonly extraChunkBytes?: number;
  /** Claim this data size in the header instead of the real one. */
  readonly claimedDataBytes?: number;
}

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export function encodeTestWav(spec: TestWavSpec): Buffer {
  const channels = spec.frames[0]?.length ?? 1;
  const bytes = spec.bits / 8;
  const code = spec.formatCode ?? (spec.float ? 3 : 1);
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : code, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(spec.sampleRate, 4);
  fmt.writeUInt32LE(spec.sampleRate * channels * bytes, 8);
  fmt.writeUInt16LE(channels * bytes, 12);
  fmt.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16); // cbSize
    fmt.writeUInt16LE(spec.bits, 18); // valid bits
    fmt.writeUInt32LE(channels === 1 ? 0x4 : 0x3, 20); // channel mask
    // KSDATAFORMAT_SUBTYPE_xxx GUID: {0000xxxx-0000-0010-8000-00aa00389b71}
    Buffer.from([code & 0xff, code >> 8, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 24);
  }
  const data = Buffer.alloc(spec.frames.length * channels * bytes);
  let o = 0;
  for (const frame of spec.frames) {
    for (const x of frame) {
      if (spec.float) data.writeFloatLE(x, o);
      else if (spec.bits === 8) data.writeUInt8(Math.round(x * 127) + 128, o);
      else if (spec.bits === 16) data.writeInt16LE(Math.round(x * 32767), o);
      else if (spec.bits === 24) data.writeIntLE(Math.round(x * 8388607), o, 3);
      else data.writeInt32LE(Math.round(x * 2147483647), o);
      o += bytes;
    }
  }
  const parts = [chunk('fmt ', fmt)];
  if (spec.extraChunkBytes !== undefined) parts.push(chunk('LIST', Buffer.alloc(spec.extraChunkBytes, 0x41)));
  const dataChunk = chunk('data', data);
  if (spec.claimedDataBytes !== undefined) dataChunk.writeUInt32LE(spec.claimedDataBytes, 4);
  parts.push(dataChunk);
  const body = Buffer.concat(parts);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, body]);
}
