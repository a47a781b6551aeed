import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DigestMismatchError } from '../../../src/errors';
import { objectKey } from '../../../src/store/artifact-store';
import { LocalStore } from '../../../src/store/local-store';
import { describeStoreContract } from './store-contract';

const roots: string[] = [];
function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tinyops-local-store-'));
  roots.push(root);
  return root;
}
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

describeStoreContract('LocalStore', async () => {
  const root = freshRoot();
  const objectFile = (sha: string): string => join(root, 'store', objectKey(sha));
  return {
    store: new LocalStore(join(root, 'store')),
    overwriteObject: async (sha, data) => writeFileSync(objectFile(sha), data),
    deleteObject: async (sha) => unlinkSync(objectFile(sha)),
    writeRawDoc: async (key, text) => {
      mkdirSync(dirname(join(root, 'store', key)), { recursive: true });
      writeFileSync(join(root, 'store', key), text);
    },
  };
});

describe('LocalStore specifics', () => {
  let root: string;
  let store: LocalStore;
  beforeEach(() => {
    root = freshRoot();
    store = new LocalStore(join(root, 'store'));
  });

  it('lays objects out as objects/sha256/<2 hex>/<rest> with file:// URIs', async () => {
    const ref = await store.putBytes(Buffer.from('layout'));
    const path = join(root, 'store', 'objects', 'sha256', ref.sha256.slice(0, 2), ref.sha256.slice(2));
    expect(readFileSync(path, 'utf8')).toBe('layout');
    expect(ref.uri).toBe(`file://${path}`);
    expect(store.location).toBe(join(root, 'store'));
  });

  it('leaves nothing in tmp/ after writes', async () => {
    const src = join(root, 'f.bin');
    writeFileSync(src, 'x'.repeat(100_000));
    await store.putFile(src);
    await store.putFile(src);
    await store.putBytes(Buffer.from('y'));
    await store.putDoc('runs/r.json', { a: 1 });
    expect(readdirSync(join(root, 'store', 'tmp'))).toEqual([]);
  });

  it('does not rewrite an existing object', async () => {
    const src = join(root, 'f.bin');
    writeFileSync(src, 'stable');
    const ref = await store.putFile(src);
    const path = join(root, 'store', objectKey(ref.sha256));
    const before = statSync(path);
    await store.putFile(src);
    await store.putBytes(Buffer.from('stable'));
    const after = statSync(path);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('detects a single flipped byte in an object file', async () => {
    const data = Buffer.alloc(10_000, 7);
    const ref = await store.putBytes(data);
    const path = join(root, 'store', objectKey(ref.sha256));
    const onDisk = readFileSync(path);
    onDisk[5000] = (onDisk[5000] ?? 0) ^ 0x01;
    writeFileSync(path, onDisk);
    await expect(store.getBytes(ref.sha256)).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(store.getBytes(ref.sha256)).rejects.toThrow(`artifact ${ref.uri} is corrupt`);
  });

  it('writes documents as pretty JSON with a trailing newline', async () => {
    await store.putDoc('cache/k.json', { b: [1, 2], a: 'x' });
    expect(readFileSync(join(root, 'store', 'cache', 'k.json'), 'utf8')).toBe(
      '{\n  "b": [\n    1,\n    2\n  ],\n  "a": "x"\n}\n',
    );
  });

  it('document writes are atomic: concurrent readers see the old or the new document', async () => {
    const big = (tag: string): { tag: string; rows: string[] } => ({
      tag,
      rows: Array.from({ length: 5000 }, (_, i) => `${tag}-${i}`),
    });
    const a = big('a');
    const b = big('b');
    await store.putDoc('runs/atomic.json', a);
    const seen = new Set<string>();
    const writes = Array.from({ length: 10 }, (_, i) => store.putDoc('runs/atomic.json', i % 2 === 0 ? b : a));
    const reads = Array.from({ length: 30 }, async () => {
      const doc = (await store.getDoc('runs/atomic.json')) as { tag: string; rows: string[] };
      expect(doc.rows).toEqual(doc.tag === 'a' ? a.rows : b.rows); // never torn
      seen.add(doc.tag);
    });
    await Promise.all([...writes, ...reads]);
    expect(seen.size).toBeGreaterThan(0);
    expect(readdirSync(join(root, 'store', 'tmp'))).toEqual([]);
  });

  it('ignores stray files in tmp/ when listing documents', async () => {
    mkdirSync(join(root, 'store', 'tmp'), { recursive: true });
    writeFileSync(join(root, 'store', 'tmp', 'orphan'), 'crash leftover');
    await store.putDoc('runs/r.json', {});
    expect(await store.listDocs('')).toEqual(['runs/r.json']);
  });
});
