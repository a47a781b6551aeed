import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isSha256Hex, objectKey, assertDocKey, assertDocPrefix } from '../../../src/store/artifact-store';
import { sha256Bytes, sha256File, sha256Stream, writeStreamHashed } from '../../../src/store/digest';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinyops-digest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('digest helpers', () => {
  it('hash bytes, streams and files to the standard sha256', async () => {
    expect(sha256Bytes(new Uint8Array(0))).toBe(EMPTY);
    expect(sha256Bytes('abc')).toBe(ABC);
    expect(await sha256Stream(Readable.from([Buffer.from('a'), Buffer.from('bc')]))).toEqual({ sha256: ABC, bytes: 3 });
    writeFileSync(join(dir, 'abc'), 'abc');
    expect(await sha256File(join(dir, 'abc'))).toEqual({ sha256: ABC, bytes: 3 });
  });

  it('writeStreamHashed copies and hashes in one pass, and cleans up on failure', async () => {
    const out = join(dir, 'copy');
    expect(await writeStreamHashed(Readable.from([Buffer.from('ab'), Buffer.from('c')]), out)).toEqual({
      sha256: ABC,
      bytes: 3,
    });
    expect(readFileSync(out, 'utf8')).toBe('abc');
    const failing = new Readable({
      read() {
        this.destroy(new Error('network dropped'));
      },
    });
    await expect(writeStreamHashed(failing, join(dir, 'partial'))).rejects.toThrow('network dropped');
    expect(existsSync(join(dir, 'partial'))).toBe(false);
  });
});

describe('store layout helpers', () => {
  it('address objects by lowercase hex sha256 only', () => {
    expect(objectKey(ABC)).toBe(`objects/sha256/ba/${ABC.slice(2)}`);
    expect(isSha256Hex(ABC)).toBe(true);
    expect(isSha256Hex(ABC.toUpperCase())).toBe(false);
    expect(() => objectKey('../x')).toThrow(/not a lowercase hex sha256/);
  });

  it('accept document keys and prefixes of the layout', () => {
    for (const k of ['runs/abc.json', 'cache/' + ABC + '.json', 'checkpoints/train/k=1,v2.json', 'x']) {
      expect(() => assertDocKey(k)).not.toThrow();
    }
    for (const p of ['', 'runs/', 'runs/a', 'checkpoints/']) expect(() => assertDocPrefix(p)).not.toThrow();
    expect(() => assertDocPrefix('objects/')).toThrow();
  });
});
