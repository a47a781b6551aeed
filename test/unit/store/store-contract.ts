import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitCacheEntry, lookupCacheEntry, type CacheEntry } from '../../../src/cache/stage-cache';
import { ArtifactNotFoundError, DigestMismatchError } from '../../../src/errors';
import type { ArtifactRef, ArtifactStore } from '../../../src/store/artifact-store';
import { sha256Bytes } from '../../../src/store/digest';

/**
 * The ArtifactStore contract, run against every implementation (LocalStore in
 * test/unit/store/local-store.test.ts, S3Store in test/integration/s3-store.test.ts), the
 * way tflite-micro runs one kernel test against both kernel variants. Includes the stage
 * cache rules, since "a corrupt entry is a miss" depends on what each store reports.
 */

/** A fresh, empty store plus back doors to damage it the way a disk or a person could. */
export interface StoreHarness {
  readonly store: ArtifactStore;
  /** Replace an object's bytes without going through the store. */
  overwriteObject(sha256: string, data: Uint8Array): Promise<void>;
  deleteObject(sha256: string): Promise<void>;
  /** Write raw text as a document (e.g. invalid JSON). */
  writeRawDoc(key: string, text: string): Promise<void>;
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${name}: ArtifactStore contract`, () => {
    let h: StoreHarness;
    let store: ArtifactStore;
    let scratch: string;

    beforeEach(async () => {
      h = await makeHarness();
      store = h.store;
      scratch = mkdtempSync(join(tmpdir(), 'tinyops-contract-'));
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    describe('objects', () => {
      it('round-trips bytes under their sha256', async () => {
        const data = Buffer.from('hello, tinyops\n');
        const ref = await store.putBytes(data);
        expect(ref.sha256).toBe(sha256Bytes(data));
        expect(ref.bytes).toBe(data.length);
        expect(ref.uri).toMatch(new RegExp(`/objects/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256.slice(2)}$`));
        expect(await store.getBytes(ref.sha256)).toEqual(data);
      });

      it('round-trips a multi-chunk file into a new directory, leaving no temp files', async () => {
        const data = randomBytes(3 * 1024 * 1024 + 17);
        const src = join(scratch, 'src.bin');
        writeFileSync(src, data);
        const ref = await store.putFile(src);
        expect(ref).toMatchObject({ sha256: sha256Bytes(data), bytes: data.length });
        const dest = join(scratch, 'out', 'deep', 'copy.bin');
        await store.getToFile(ref.sha256, dest);
        expect(readFileSync(dest).equals(data)).toBe(true);
        expect(readdirSync(join(scratch, 'out', 'deep'))).toEqual(['copy.bin']);
      });

      it('stores empty content', async () => {
        const src = join(scratch, 'empty');
        writeFileSync(src, '');
        const ref = await store.putFile(src);
        expect(ref.bytes).toBe(0);
        expect((await store.getBytes(ref.sha256)).length).toBe(0);
        expect(await store.putBytes(new Uint8Array(0))).toEqual(ref);
      });

      it('is idempotent: putting the same content again returns the same ref', async () => {
        const src = join(scratch, 'a.txt');
        writeFileSync(src, 'same bytes');
        const first = await store.putFile(src);
        expect(await store.putFile(src)).toEqual(first);
        expect(await store.putBytes(Buffer.from('same bytes'))).toEqual(first);
        expect(await store.getBytes(first.sha256)).toEqual(Buffer.from('same bytes'));
      });

      it('hasObject checks existence and size', async () => {
        const ref = await store.putBytes(Buffer.from('12345'));
        expect(await store.hasObject(ref.sha256)).toBe(true);
        expect(await store.hasObject(ref.sha256, 5)).toBe(true);
        expect(await store.hasObject(ref.sha256, 6)).toBe(false);
        expect(await store.hasObject(sha256Bytes('absent'))).toBe(false);
      });

      it('reports a missing object as ArtifactNotFoundError and creates no file', async () => {
        const sha = sha256Bytes('never stored');
        await expect(store.getBytes(sha)).rejects.toBeInstanceOf(ArtifactNotFoundError);
        const dest = join(scratch, 'missing.bin');
        await expect(store.getToFile(sha, dest)).rejects.toBeInstanceOf(ArtifactNotFoundError);
        expect(readdirSync(scratch)).toEqual([]);
      });

      it('detects a corrupt object on read (DigestMismatchError) and never writes it out', async () => {
        const ref = await store.putBytes(Buffer.from('original content'));
        await h.overwriteObject(ref.sha256, Buffer.from('tampered content'));
        const err = await store.getBytes(ref.sha256).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DigestMismatchError);
        expect((err as DigestMismatchError).expected).toBe(ref.sha256);
        expect((err as DigestMismatchError).actual).toBe(sha256Bytes('tampered content'));
        await expect(store.getToFile(ref.sha256, join(scratch, 'x.bin'))).rejects.toBeInstanceOf(DigestMismatchError);
        expect(readdirSync(scratch)).toEqual([]);
      });

      it('putFile replaces an object whose size is wrong (a damaged copy)', async () => {
        const src = join(scratch, 'model.bin');
        writeFileSync(src, 'the real model');
        const ref = await store.putFile(src);
        await h.overwriteObject(ref.sha256, Buffer.from('trunc'));
        expect(await store.hasObject(ref.sha256, ref.bytes)).toBe(false);
        await store.putFile(src);
        expect((await store.getBytes(ref.sha256)).toString()).toBe('the real model');
      });

      it('rejects a malformed digest', async () => {
        await expect(store.getBytes('ABC')).rejects.toThrow(/sha256/);
        await expect(store.hasObject('../../etc/passwd')).rejects.toThrow(/sha256/);
      });
    });

    describe('documents', () => {
      it('round-trips JSON, overwrites, deletes (idempotently)', async () => {
        const doc = { name: 'kws', n: [1, 2.5, -3], nested: { ok: true, text: 'ünïcødé ✓' } };
        expect(await store.getDoc('runs/r1.json')).toBeUndefined();
        await store.putDoc('runs/r1.json', doc);
        expect(await store.getDoc('runs/r1.json')).toEqual(doc);
        await store.putDoc('runs/r1.json', { v: 2 });
        expect(await store.getDoc('runs/r1.json')).toEqual({ v: 2 });
        await store.deleteDoc('runs/r1.json');
        expect(await store.getDoc('runs/r1.json')).toBeUndefined();
        await store.deleteDoc('runs/r1.json');
      });

      it('throws SyntaxError naming the document when its content is not JSON', async () => {
        await h.writeRawDoc('runs/bad.json', '{"truncated": ');
        await expect(store.getDoc('runs/bad.json')).rejects.toThrow(SyntaxError);
        await expect(store.getDoc('runs/bad.json')).rejects.toThrow(/runs\/bad\.json/);
      });

      it('lists documents under a prefix, sorted, never objects', async () => {
        await store.putBytes(Buffer.from('an object'));
        for (const k of ['runs/b.json', 'runs/a.json', 'runs/a2/x.json', 'cache/k.json', 'checkpoints/c.json']) {
          await store.putDoc(k, { k });
        }
        expect(await store.listDocs('runs/')).toEqual(['runs/a.json', 'runs/a2/x.json', 'runs/b.json']);
        expect(await store.listDocs('runs/a')).toEqual(['runs/a.json', 'runs/a2/x.json']);
        expect(await store.listDocs('cache/')).toEqual(['cache/k.json']);
        expect(await store.listDocs('nothing/')).toEqual([]);
        expect(await store.listDocs('')).toEqual([
          'cache/k.json',
          'checkpoints/c.json',
          'runs/a.json',
          'runs/a2/x.json',
          'runs/b.json',
        ]);
      });

      it('rejects keys that could escape the layout', async () => {
        const bad = [
          '../x.json',
          '/abs.json',
          'runs/../../x.json',
          'a//b.json',
          'runs/./x.json',
          '',
          'objects/x',
          'tmp/x',
          'a\\b',
          'sp ace',
        ];
        for (const key of bad) {
          await expect(store.putDoc(key, {})).rejects.toThrow(/invalid store document key/);
          await expect(store.getDoc(key)).rejects.toThrow(/invalid store document key/);
          await expect(store.deleteDoc(key)).rejects.toThrow(/invalid store document key/);
        }
        await expect(store.listDocs('../')).rejects.toThrow(/invalid store document key/);
      });

      it('rejects values that are not JSON', async () => {
        await expect(store.putDoc('runs/u.json', undefined)).rejects.toThrow(TypeError);
        expect(await store.getDoc('runs/u.json')).toBeUndefined();
      });
    });

    describe('stage cache on this store', () => {
      const key = 'a'.repeat(64);

      async function storeArtifact(name: string, content: string): Promise<ArtifactRef> {
        const ref = await store.putBytes(Buffer.from(content));
        return { ...ref, name, mediaType: 'application/octet-stream' };
      }

      function entryFor(artifacts: ArtifactRef[]): CacheEntry {
        return {
          key,
          kind: 'features',
          version: 1,
          stage: 'features',
          pipeline: 'kws',
          artifacts: artifacts.map((a) => ({ ...a })),
          metrics: { frames: 49, type: 'mfcc', ok: true },
          summary: '2 clips',
          durationMs: 12,
          createdAt: '2026-01-02T03:04:05.000Z',
          runId: 'run-1',
        };
      }

      it('commits and looks up an entry', async () => {
        const entry = entryFor([await storeArtifact('features', 'f32 data'), await storeArtifact('header', '{}')]);
        expect(await lookupCacheEntry(store, key)).toBeUndefined();
        await commitCacheEntry(store, entry);
        expect(await lookupCacheEntry(store, key)).toEqual(entry);
        expect(await store.listDocs('cache/')).toEqual([`cache/${key}.json`]);
      });

      it('an interrupted stage (artifact stored, then a throw before commit) leaves a miss', async () => {
        const runStage = async (): Promise<void> => {
          await storeArtifact('model', 'half of the outputs');
          throw new Error('worker killed before commit');
        };
        await expect(runStage()).rejects.toThrow('worker killed');
        expect(await lookupCacheEntry(store, key)).toBeUndefined();
        expect(await store.listDocs('cache/')).toEqual([]);
      });

      it('refuses to commit an entry naming an object that is not stored', async () => {
        const stored = await storeArtifact('a', 'stored');
        const ghost: ArtifactRef = { ...stored, name: 'b', sha256: sha256Bytes('ghost'), bytes: 5 };
        await expect(commitCacheEntry(store, entryFor([stored, ghost]))).rejects.toBeInstanceOf(ArtifactNotFoundError);
        const wrongSize: ArtifactRef = { ...stored, bytes: stored.bytes + 1 };
        await expect(commitCacheEntry(store, entryFor([wrongSize]))).rejects.toBeInstanceOf(ArtifactNotFoundError);
        expect(await store.listDocs('cache/')).toEqual([]);
      });

      it('an entry whose object was deleted is a miss, and the entry is removed', async () => {
        const a = await storeArtifact('dataset', 'dataset tar');
        await commitCacheEntry(store, entryFor([a]));
        await h.deleteObject(a.sha256);
        const reasons: string[] = [];
        expect(await lookupCacheEntry(store, key, { onInvalid: (r) => reasons.push(r) })).toBeUndefined();
        expect(reasons).toHaveLength(1);
        expect(reasons[0]).toMatch(/dataset.*missing/);
        expect(await store.listDocs('cache/')).toEqual([]);
      });

      it('an entry whose object has the wrong size is a miss', async () => {
        const a = await storeArtifact('dataset', 'dataset tar');
        await commitCacheEntry(store, entryFor([a]));
        await h.overwriteObject(a.sha256, Buffer.from('shorter'));
        expect(await lookupCacheEntry(store, key)).toBeUndefined();
        expect(await store.getDoc(`cache/${key}.json`)).toBeUndefined();
      });

      it('unparsable or malformed entries are misses and are removed', async () => {
        await h.writeRawDoc(`cache/${key}.json`, '{"key": "aaa');
        expect(await lookupCacheEntry(store, key)).toBeUndefined();
        expect(await store.listDocs('cache/')).toEqual([]);

        await store.putDoc(`cache/${key}.json`, { key, kind: 'features' });
        const reasons: string[] = [];
        expect(await lookupCacheEntry(store, key, { onInvalid: (r) => reasons.push(r) })).toBeUndefined();
        expect(reasons[0]).toMatch(/malformed/);
        expect(await store.listDocs('cache/')).toEqual([]);
      });
    });
  });
}
