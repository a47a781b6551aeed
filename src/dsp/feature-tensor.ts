import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { StageInputError } from '../errors';

/**
 * Feature tensor files (docs/stages/features.md: float32, little-endian, with a JSON
 * header), one file per split. Layout:
 *
 *   offset 0   8 bytes   magic "TOPSFEAT"
 *   offset 8   u32 LE    H = byte length of the header that follows
 *   offset 12  H bytes   UTF-8 JSON header, right-padded with spaces so 12 + H is a
 *                        multiple of 16 (data can be viewed in place as a Float32Array)
 *   12 + H     float32 LE values, row-major, prod(shape) of them; nothing after
 *
 * Header (version 1), keys written in this order so equal content gives equal bytes:
 *   format "tinyops-features", version 1, dtype "float32",
 *   shape [N, frames, coefficients]  (rows first; any rank ≥ 1 is accepted),
 *   split "train" | "validation" | "test" (or absent),
 *   labels     class names; row i has class labels[labelIndex[i]],
 *   frontEnd   the resolved front-end config (keys sorted), e.g. MFCC params + implementation,
 *   labelIndex per-row class index (length N),
 *   clips      per-row source clip, relative path in the dataset (length N).
 */

export const FEATURE_MEDIA_TYPE = 'application/x-tinyops-features';
const MAGIC = 'TOPSFEAT';
const ALIGN = 16;

const headerSchema = z.strictObject({
  format: z.literal('tinyops-features'),
  version: z.literal(1),
  dtype: z.literal('float32'),
  shape: z.array(z.number().int().nonnegative()).min(1),
  split: z.string().optional(),
  labels: z.array(z.string()),
  frontEnd: z.record(z.string(), z.unknown()),
  labelIndex: z.array(z.number().int().nonnegative()),
  clips: z.array(z.string()),
});

export type FeatureTensorHeader = z.infer<typeof headerSchema>;

export interface FeatureTensor {
  readonly header: FeatureTensorHeader;
  readonly data: Float32Array;
}

/** What a writer supplies; format/version/dtype are filled in. */
export type FeatureTensorInput = Omit<FeatureTensorHeader, 'format' | 'version' | 'dtype'>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Problems with a header/data pair, or [] (shared by writer and reader). */
function consistencyProblems(h: FeatureTensorHeader, values: number): string[] {
  const out: string[] = [];
  const rows = h.shape[0];
  if (product(h.shape) !== values)
    out.push(`shape [${h.shape.join(', ')}] needs ${product(h.shape)} values, have ${values}`);
  if (h.labelIndex.length !== rows) out.push(`labelIndex has ${h.labelIndex.length} entries for ${rows} rows`);
  if (h.clips.length !== rows) out.push(`clips has ${h.clips.length} entries for ${rows} rows`);
  const bad = h.labelIndex.find((i) => i >= h.labels.length);
  if (bad !== undefined) out.push(`labelIndex ${bad} out of range for ${h.labels.length} labels`);
  return out;
}

/** Encode to the file bytes. Throws RangeError on an inconsistent tensor (a caller bug). */
export function encodeFeatureTensor(input: FeatureTensorInput, data: Float32Array): Buffer {
  const header: FeatureTensorHeader = {
    format: 'tinyops-features',
    version: 1,
    dtype: 'float32',
    shape: [...input.shape],
    ...(input.split !== undefined ? { split: input.split } : {}),
    labels: [...input.labels],
    frontEnd: sortKeys(input.frontEnd) as Record<string, unknown>,
    labelIndex: [...input.labelIndex],
    clips: [...input.clips],
  };
  const problems = consistencyProblems(header, data.length);
  if (problems.length > 0) throw new RangeError(`invalid feature tensor: ${problems.join('; ')}`);
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (ALIGN - ((12 + json.length) % ALIGN)) % ALIGN;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(12 + json.length + 4 * data.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  const view = new DataView(out.buffer, out.byteOffset + 12 + json.length, 4 * data.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return out;
}

/** Decode file bytes; `name` appears in errors. Throws StageInputError if malformed. */
export function decodeFeatureTensor(buf: Buffer, name: string): FeatureTensor {
  const fail = (why: string): never => {
    throw new StageInputError(`${name}: not a valid tinyops feature file: ${why}`);
  };
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) fail('bad magic');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) fail(`header length ${hlen} exceeds file size ${buf.length}`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success)
    return fail(`header: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const header = parsed.data;
  const dataBytes = buf.length - 12 - hlen;
  if (dataBytes % 4 !== 0) fail(`data section of ${dataBytes} bytes is not whole float32 values`);
  const problems = consistencyProblems(header, dataBytes / 4);
  if (problems.length > 0) fail(problems.join('; '));
  const data = new Float32Array(dataBytes / 4);
  const view = new DataView(buf.buffer, buf.byteOffset + 12 + hlen, dataBytes);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(4 * i, true);
  return { header, data };
}

/** Write atomically (temp file + fsync + rename): a reader never sees a torn file. */
export function writeFeatureTensor(path: string, input: FeatureTensorInput, data: Float32Array): void {
  const bytes = encodeFeatureTensor(input, data);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readFeatureTensor(path: string): FeatureTensor {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new StageInputError(`${path}: cannot read feature file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return decodeFeatureTensor(buf, path);
}
