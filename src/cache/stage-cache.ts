import { z } from 'zod';
import { ArtifactNotFoundError } from '../errors';
import { isSha256Hex, type ArtifactStore } from '../store/artifact-store';

/**
 * Stage cache entries: `cache/<key>.json` in the store = the manifest of a finished stage
 * (docs/architecture.md#cache-key). Modeled on DVC's stage cache (dvc/stage/cache.py): an entry is only
 * ever written after every object it names is in the store, and an entry that does not
 * check out (unparsable, wrong shape, object missing or the wrong size) is deleted and
 * counts as a miss — the stage re-runs; it never returns a wrong result.
 */

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

export const artifactRefSchema = z.object({
  name: z.string().min(1),
  uri: z.string().min(1),
  sha256: sha256Schema,
  bytes: z.number().int().nonnegative(),
  mediaType: z.string().min(1),
});

// Not strict: an entry written by a newer tinyops with extra fields is still a valid hit
// for an older worker (extra fields are dropped), rather than "corrupt" and deleted.
export const cacheEntrySchema = z.object({
  key: sha256Schema,
  kind: z.string().min(1),
  version: z.number().int().nonnegative(),
  stage: z.string().min(1),
  pipeline: z.string().min(1),
  artifacts: z.array(artifactRefSchema),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  summary: z.string(),
  durationMs: z.number().nonnegative(),
  createdAt: z.iso.datetime({ offset: true }),
  runId: z.string().min(1),
});

export type CacheEntry = z.infer<typeof cacheEntrySchema>;

/** Store key of the entry for a cache key. */
export function cacheEntryDocKey(key: string): string {
  if (!isSha256Hex(key)) throw new TypeError(`not a cache key (hex sha256): ${JSON.stringify(key)}`);
  return `cache/${key}.json`;
}

export interface LookupOptions {
  /** Told why an existing entry was discarded (for a log line); the lookup is then a miss. */
  readonly onInvalid?: (reason: string) => void;
}

/**
 * The committed entry for `key`, or undefined on a miss. Errors reaching the store
 * (network, permissions) propagate: only a bad entry is a miss, an unreachable store is not.
 */
export async function lookupCacheEntry(
  store: ArtifactStore,
  key: string,
  opts: LookupOptions = {},
): Promise<CacheEntry | undefined> {
  const docKey = cacheEntryDocKey(key);
  let doc: unknown;
  try {
    doc = await store.getDoc(docKey);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return discard(store, docKey, e.message, opts);
  }
  if (doc === undefined) return undefined;

  const parsed = cacheEntrySchema.safeParse(doc);
  if (!parsed.success) return discard(store, docKey, `malformed entry: ${z.prettifyError(parsed.error)}`, opts);
  const entry = parsed.data;
  if (entry.key !== key) return discard(store, docKey, `entry names key ${entry.key}`, opts);
  const present = await Promise.all(entry.artifacts.map((a) => store.hasObject(a.sha256, a.bytes)));
  const lost = entry.artifacts.find((_, i) => present[i] !== true);
  if (lost !== undefined) {
    return discard(store, docKey, `artifact ${lost.name} (${lost.sha256}, ${lost.bytes} bytes) is missing`, opts);
  }
  return entry;
}

/**
 * Commit a stage's result. Checks first that every artifact object is in the store with
 * its size (ArtifactNotFoundError otherwise), then writes the entry — last, so a crash or
 * error at any earlier point leaves no entry and the next run is a clean miss.
 */
export async function commitCacheEntry(store: ArtifactStore, entry: CacheEntry): Promise<void> {
  const parsed = cacheEntrySchema.safeParse(entry);
  if (!parsed.success) throw new TypeError(`invalid cache entry: ${z.prettifyError(parsed.error)}`);
  const docKey = cacheEntryDocKey(parsed.data.key);
  for (const a of parsed.data.artifacts) {
    if (!(await store.hasObject(a.sha256, a.bytes))) throw new ArtifactNotFoundError(a.uri);
  }
  await store.putDoc(docKey, parsed.data);
}

async function discard(store: ArtifactStore, docKey: string, reason: string, opts: LookupOptions): Promise<undefined> {
  // Best effort: if the delete fails the entry stays invalid and the next commit for this
  // key overwrites it; either way this lookup is a miss.
  let note = '';
  await store.deleteDoc(docKey).catch((e: unknown) => {
    note = ` (could not delete it: ${(e as Error).message})`;
  });
  opts.onInvalid?.(`cache entry ${docKey} discarded: ${reason}${note}`);
  return undefined;
}
