import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../../src/errors';
import {
  decodeFeatureTensor,
  encodeFeatureTensor,
  readFeatureTensor,
  writeFeatureTensor,
  type FeatureTensorInput,
} from '../../../src/dsp/feature-tensor';

const input: FeatureTensorInput = {
  shape: [3, 2, 2],
  split: 'validation',
  labels: ['yes', 'no', '_silence_'],
  frontEnd: { type: 'mfcc', windowMs: 40, coefficients: 2 },
  labelIndex: [0, 2, 1],
  clips: ['yes/a.wav', '_silence_/b.wav', 'no/c.wav'],
};
const data = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3);

describe('feature tensor files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tinyops-feat-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips header and float32 data exactly', () => {
    const p = join(dir, 'x.topsfeat');
    writeFeatureTensor(p, input, data);
    const t = readFeatureTensor(p);
    expect(t.header).toEqual({ format: 'tinyops-features', version: 1, dtype: 'float32', ...input });
    expect(Array.from(t.data)).toEqual(Array.from(data));
  });

  it('has the documented layout: magic, u32 LE header length, 16-byte aligned little-endian data', () => {
    const b = encodeFeatureTensor(input, data);
    expect(b.toString('latin1', 0, 8)).toBe('TOPSFEAT');
    const h = b.readUInt32LE(8);
    expect((12 + h) % 16).toBe(0);
    expect(JSON.parse(b.toString('utf8', 12, 12 + h)).shape).toEqual([3, 2, 2]);
    expect(b.length).toBe(12 + h + 4 * 12);
    expect(b.readFloatLE(12 + h + 4)).toBe(data[1]);
  });

  it('gives identical bytes for equal content regardless of frontEnd key order', () => {
    const a = encodeFeatureTensor(input, data);
    const b = encodeFeatureTensor({ ...input, frontEnd: { coefficients: 2, windowMs: 40, type: 'mfcc' } }, data);
    expect(a.equals(b)).toBe(true);
  });

  it('rejects inconsistent tensors when writing and corrupt files when reading', () => {
    expect(() => encodeFeatureTensor({ ...input, shape: [3, 2, 3] }, data)).toThrow(/needs 18 values/);
    expect(() => encodeFeatureTensor({ ...input, labelIndex: [0, 3, 1] }, data)).toThrow(/out of range/);
    const good = encodeFeatureTensor(input, data);
    expect(() => decodeFeatureTensor(good.subarray(0, good.length - 4), 'cut')).toThrow(StageInputError);
    const badMagic = Buffer.from(good);
    badMagic.write('XOPSFEAT', 0, 'latin1');
    expect(() => decodeFeatureTensor(badMagic, 'magic')).toThrow(/bad magic/);
    const p = join(dir, 'junk');
    writeFileSync(p, Buffer.concat([good.subarray(0, 12), Buffer.from('{not json')]));
    expect(() => readFeatureTensor(p)).toThrow(StageInputError);
  });

  it('handles an empty split (N = 0)', () => {
    const t = decodeFeatureTensor(
      encodeFeatureTensor({ ...input, shape: [0, 49, 10], labelIndex: [], clips: [] }, new Float32Array(0)),
      'empty',
    );
    expect(t.header.shape).toEqual([0, 49, 10]);
    expect(t.data.length).toBe(0);
  });
});
