import { readFileSync, writeFileSync } from 'node:fs';
import { StageInputError } from '../errors';

/**
 * RIFF/WAVE reading and writing. Used by `synth-kws` (espeak-ng output, our own clips) and
 * by `import-audio` (user files), so the reader is strict: anything it cannot decode
 * exactly throws StageInputError naming the file and the reason, never a silent guess.
 */

/** A decoded WAV file. `samples` is the mono mixdown (channel mean) in [-1, 1]. */
export interface WavData {
  readonly sampleRate: number;
  /** Channels in the file (samples are already mixed down to mono). */
  readonly channels: number;
  readonly samples: Float32Array;
  readonly bitsPerSample: number;
  /** Integer PCM or IEEE float. */
  readonly format: 'pcm' | 'float';
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names of common codecs, so an error tells the user what they actually have. */
const KNOWN_FORMATS: Readonly<Record<number, string>> = {
  0x0002: 'MS ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0161: 'WMA',
  0x1610: 'AAC',
  0xf1ac: 'FLAC',
};

function hex4(code: number): string {
  return '0x' + code.toString(16).padStart(4, '0');
}

/** Read and decode a WAV file. Throws StageInputError `<path>: <reason>` if unusable. */
export function readWav(path: string): WavData {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StageInputError(`${path}: cannot read file (${code ?? String(e)})`);
  }
  return decodeWav(buf, path);
}

/** Decode WAV bytes; `name` is used in error messages (usually the file path). */
export function decodeWav(buf: Buffer, name: string): WavData {
  const fail = (reason: string): never => {
    throw new StageInputError(`${name}: ${reason}`);
  };
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    fail('not a RIFF/WAVE file');
  }

  let fmt: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > buf.length) fail(`truncated fmt chunk (${size} bytes)`);
      let code = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      const sampleRate = buf.readUInt32LE(body + 4);
      const blockAlign = buf.readUInt16LE(body + 12);
      const bits = buf.readUInt16LE(body + 14);
      if (code === WAVE_FORMAT_EXTENSIBLE) {
        // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) SubFormat GUID(16);
        // the GUID's first two bytes are the actual format code.
        if (size < 40) fail(`truncated WAVE_FORMAT_EXTENSIBLE fmt chunk (${size} bytes)`);
        code = buf.readUInt16LE(body + 24);
      }
      fmt = { code, channels, sampleRate, blockAlign, bits };
    } else if (id === 'data') {
      if (!fmt) fail('data chunk before fmt chunk');
      const f = fmt as NonNullable<typeof fmt>;
      const available = buf.length - body;
      if (size > available) fail(`truncated data chunk (expected ${size} bytes, found ${available})`);
      return decodeSamples(buf.subarray(body, body + size), f, fail);
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  return fail(fmt ? 'no data chunk' : 'no fmt chunk');
}

function decodeSamples(
  data: Buffer,
  f: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number },
  fail: (reason: string) => never,
): WavData {
  const { code, channels, sampleRate, bits } = f;
  if (code !== WAVE_FORMAT_PCM && code !== WAVE_FORMAT_IEEE_FLOAT) {
    const known = KNOWN_FORMATS[code];
    fail(`unsupported format ${hex4(code)}${known ? ` (${known})` : ''}`);
  }
  const isFloat = code === WAVE_FORMAT_IEEE_FLOAT;
  if (isFloat ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) {
    fail(`unsupported ${isFloat ? 'float' : 'PCM'} bit depth ${bits}`);
  }
  if (channels < 1) fail('zero channels');
  if (sampleRate < 1) fail('zero sample rate');
  const bytes = bits / 8;
  const frameBytes = bytes * channels;
  if (f.blockAlign !== frameBytes) fail(`block align ${f.blockAlign} does not match ${channels} x ${bits}-bit`);

  // A trailing partial frame (some writers pad) is ignored rather than misread.
  const frames = Math.floor(data.length / frameBytes);
  const out = new Float32Array(frames);
  if (!isFloat && bits === 16 && channels === 1) {
    // Every TTS render: 16-bit mono, read inline (same values as readInt16LE / 32768).
    for (let i = 0, o = 0; i < frames; i++, o += 2) out[i] = (((data[o + 1]! << 24) >> 16) | data[o]!) / 32768;
    return { sampleRate, channels, samples: out, bitsPerSample: bits, format: 'pcm' };
  }
  const read = sampleReader(data, bits, isFloat);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    const base = i * frameBytes;
    for (let c = 0; c < channels; c++) acc += read(base + c * bytes);
    out[i] = acc / channels;
  }
  return { sampleRate, channels, samples: out, bitsPerSample: bits, format: isFloat ? 'float' : 'pcm' };
}

/** Integer PCM scales by 2^(bits-1) (8-bit is unsigned, offset 128), as every WAV reader does. */
function sampleReader(d: Buffer, bits: number, isFloat: boolean): (offset: number) => number {
  if (isFloat) return bits === 32 ? (o) => d.readFloatLE(o) : (o) => d.readDoubleLE(o);
  switch (bits) {
    case 8:
      return (o) => (d[o]! - 128) / 128; // o < frames·frameBytes ≤ d.length (readWav)
    case 16:
      return (o) => d.readInt16LE(o) / 32768;
    case 24:
      return (o) => d.readIntLE(o, 3) / 8388608;
    default:
      return (o) => d.readInt32LE(o) / 2147483648;
  }
}

/**
 * Float sample → int16 with a fixed rule so the same floats always give the same bytes:
 * scale by 32768, round half away from zero, clip to [-32768, 32767]; NaN becomes 0.
 * Reading back divides by 32768, so int16 values round-trip exactly.
 */
export function floatToInt16(x: number): number {
  if (Number.isNaN(x)) return 0;
  const v = x * 32768;
  const r = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/**
 * floatToInt16 of every sample. A loop, not `Int16Array.from(samples, floatToInt16)`: a typed
 * array's `from` with a map function goes through the iterator protocol and costs ~40× more
 * (130 ms against 3 ms for a 60 s stream; most of evaluate's stream front-end time before).
 */
export function floatsToInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = floatToInt16(samples[i]!);
  return out;
}

/** Canonical 44-byte-header PCM16 mono WAV bytes. */
export function encodeWav16(samples: Float32Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  // Bytes by hand (little-endian, two's complement): Buffer.writeInt16LE's argument checks
  // cost more than the conversion in a dataset of thousands of clips.
  for (let i = 0, o = 44; i < samples.length; i++, o += 2) {
    const v = floatToInt16(samples[i]!);
    buf[o] = v & 0xff;
    buf[o + 1] = (v >> 8) & 0xff;
  }
  return buf;
}

/** Write a canonical PCM16 mono WAV (see encodeWav16). Not atomic: callers rename. */
export function writeWav16(path: string, samples: Float32Array, sampleRate: number): void {
  writeFileSync(path, encodeWav16(samples, sampleRate));
}

/** Size in bytes of the file encodeWav16 writes for `n` samples (used to verify resumed clips). */
export function wav16Bytes(n: number): number {
  return 44 + 2 * n;
}
