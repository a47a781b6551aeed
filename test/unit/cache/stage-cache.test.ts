import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cacheEntryDocKey,
  cacheEntrySchema,
  commitCacheEntry,
  lookupCacheEntry,
  type CacheEntry,
} from '../../../src/cache/stage-cache';
import { LocalStore } from '../../../src/store/local-store';

// The store-facing cache rules run against every store in test/unit/store/store-contract.ts;
// these cover the entry format itself.

const KEY = 'c'.repeat(64);
let root: string;
let store: LocalStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tinyops-stage-cache-'));
  store = new LocalStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function validEntry(): Promise<CacheEntry> {
  const ref = await store.putBytes(Buffer.from('weights'));
  return {
    key: KEY,
    kind: 'train',
    version: 2,
    stage: 'train',
    pipeline: 'kws',
    artifacts: [{ ...ref, name: 'weights', mediaType: 'application/octet-stream' }],
    metrics: { valAcc: 0.91, epochs: 30, converged: true, note: 'ok' },
    summary: 'val_acc 0.91',
    durationMs: 1500,
    createdAt: '2026-11-23T12:00:00.000Z',
    runId: 'kws-20261123-1200',
  };
}

describe('stage cache entries', () => {
  it('live at cache/<key>.json', () => {
    expect(cacheEntryDocKey(KEY)).toBe(`cache/${KEY}.json`);
    expect(() => cacheEntryDocKey('../../etc')).toThrow(/not a cache key/);
  });

  it('are stored as written and read back equal', async () => {
    const entry = await validEntry();
    await commitCacheEntry(store, entry);
    expect(await store.getDoc(`cache/${KEY}.json`)).toEqual(entry);
    expect(await lookupCacheEntry(store, KEY)).toEqual(entry);
  });

  it('commit rejects a malformed entry before writing anything', async () => {
    const entry = await validEntry();
    await expect(commitCacheEntry(store, { ...entry, createdAt: 'yesterday' })).rejects.toThrow(/invalid cache entry/);
    await expect(commitCacheEntry(store, { ...entry, metrics: { bad: null as unknown as number } })).rejects.toThrow(
      TypeError,
    );
    await expect(commitCacheEntry(store, { ...entry, key: 'short' })).rejects.toThrow(/key/);
    expect(await store.listDocs('cache/')).toEqual([]);
  });

  it('an entry stored under another key is a miss and removed', async () => {
    const entry = await validEntry();
    await store.putDoc(`cache/${KEY}.json`, { ...entry, key: 'd'.repeat(64) });
    const reasons: string[] = [];
    expect(await lookupCacheEntry(store, KEY, { onInvalid: (r) => reasons.push(r) })).toBeUndefined();
    expect(reasons[0]).toMatch(/names key d{64}/);
    expect(await store.listDocs('cache/')).toEqual([]);
  });

  it('tolerates fields added by a newer version (a hit, not a corrupt entry)', async () => {
    const entry = await validEntry();
    await store.putDoc(`cache/${KEY}.json`, { ...entry, addedLater: { x: 1 } });
    expect(await lookupCacheEntry(store, KEY)).toEqual(entry);
  });

  it('accepts createdAt with an offset and rejects negative durations', () => {
    const base = {
      key: KEY,
      kind: 'k',
      version: 0,
      stage: 's',
      pipeline: 'p',
      artifacts: [],
      metrics: {},
      summary: '',
      runId: 'r',
    };
    expect(cacheEntrySchema.safeParse({ ...base, durationMs: 0, createdAt: '2026-01-01T00:00:00+02:00' }).success).toBe(
      true,
    );
    expect(cacheEntrySchema.safeParse({ ...base, durationMs: -1, createdAt: '2026-01-01T00:00:00Z' }).success).toBe(
      false,
    );
  });

  it('lookup rejects a malformed key (a caller bug, not a miss)', async () => {
    await expect(lookupCacheEntry(store, 'cache/../x')).rejects.toThrow(/not a cache key/);
  });
});
