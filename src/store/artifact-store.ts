/**
 * The artifact store interface (docs/architecture.md#store-layout). Two implementations share it:
 * LocalStore (a directory, the embedded default) and S3Store (any S3-protocol server).
 *
 * Layout under the store root / prefix:
 *   objects/sha256/<ab>/<cdef...>   content-addressed blobs, immutable once written
 *   cache/<key>.json                stage cache entries (written last, after their objects)
 *   runs/<run-id>.json              run records
 *   checkpoints/<...>.json          activity checkpoints (resumable work)
 *   tmp/                            LocalStore only: writes in flight (temp + fsync + rename)
 *
 * Document keys follow `assertDocKey` below; `getDoc` throws SyntaxError for a document
 * that is not JSON (the stage cache treats that as a corrupt entry, i.e. a miss).
 *
 * Objects are addressed by sha256 of their bytes; `put*` verifies and is idempotent, reads
 * verify the digest and throw DigestMismatchError on corruption. Documents (JSON under a
 * key) are written atomically: readers see the old or the new document, never a torn one.
 */

/** A stored blob: enough to fetch and verify it. */
export interface ObjectRef {
  /** Hex sha256 of the bytes. */
  readonly sha256: string;
  readonly bytes: number;
  /** Where it lives, e.g. `file:///…/objects/sha256/ab/cd…` or `s3://bucket/prefix/objects/…`. */
  readonly uri: string;
}

/** A named stage output. Stages exchange these (never data) through workflow history. */
export interface ArtifactRef extends ObjectRef {
  /** Stable name within its stage, e.g. `dataset`, `streams`, `model`. */
  readonly name: string;
  /** e.g. `application/x-tar`, `application/json`, `application/octet-stream`. */
  readonly mediaType: string;
}

export interface ArtifactStore {
  /** Human-readable root: `/abs/path/.tinyops/store` or `s3://bucket/prefix`. */
  readonly location: string;

  /** Store a file's bytes; returns its ref. Idempotent: an existing object is not rewritten. */
  putFile(localPath: string): Promise<ObjectRef>;
  /** Store bytes; returns its ref. */
  putBytes(data: Uint8Array): Promise<ObjectRef>;
  /** Read an object, verifying its digest. */
  getBytes(sha256: string): Promise<Buffer>;
  /** Copy an object to a local file (atomically), verifying its digest. */
  getToFile(sha256: string, destPath: string): Promise<void>;
  /** True if the object exists with the given size (no digest check: cheap). */
  hasObject(sha256: string, bytes?: number): Promise<boolean>;

  /** Write a JSON document atomically under `key` (e.g. `cache/abc.json`). */
  putDoc(key: string, doc: unknown): Promise<void>;
  /** Read a JSON document; undefined if absent. Throws on unparsable content. */
  getDoc(key: string): Promise<unknown | undefined>;
  deleteDoc(key: string): Promise<void>;
  /** Keys of documents under a prefix (e.g. `runs/`), sorted. */
  listDocs(prefix: string): Promise<string[]>;
}

/*
 * Layout helpers shared by both implementations, so a key means the same object in a
 * directory and in a bucket.
 */

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lowercase hex sha256, the only form objects are addressed by. */
export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s);
}

/** Key of an object relative to the store root: `objects/sha256/ab/cdef…`. */
export function objectKey(sha256: string): string {
  if (!isSha256Hex(sha256)) throw new Error(`not a lowercase hex sha256: ${JSON.stringify(sha256)}`);
  return `objects/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

// A conservative character set: the same key must be a safe file name and a plain S3 key,
// and with ASCII only, JS string order is byte order (listDocs sorts the same on both).
const KEY_SEGMENT = /^[A-Za-z0-9._~@=+,:-]+$/;
// Documents never live where objects or temp files do.
const RESERVED_TOP = new Set(['objects', 'tmp']);

/**
 * Throws unless `key` is a relative document key such as `runs/abc.json`: `/`-separated
 * segments of [A-Za-z0-9._~@=+,:-], no empty, `.` or `..` segment, not under `objects/` or
 * `tmp/`. Keys come from code (run ids, cache keys), so a bad one is a bug, not user input.
 */
export function assertDocKey(key: string): void {
  const segments = key.split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || !KEY_SEGMENT.test(s));
  if (bad !== undefined || RESERVED_TOP.has(segments[0] ?? '')) {
    throw new Error(`invalid store document key ${JSON.stringify(key)}`);
  }
}

/** Like assertDocKey for a listing prefix: `''`, `runs/`, `checkpoints/abc` are valid. */
export function assertDocPrefix(prefix: string): void {
  if (prefix === '') return;
  assertDocKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
