import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArtifactNotFoundError, DigestMismatchError } from '../errors';
import { assertDocKey, assertDocPrefix, objectKey, type ArtifactStore, type ObjectRef } from './artifact-store';
import { fsyncPath, sha256Bytes, tempSuffix, writeStreamHashed, type Digest } from './digest';

/**
 * The embedded default store: a directory (docs/architecture.md#store-layout), layout as in artifact-store.ts
 * plus `tmp/` for writes in flight.
 *
 * Every write goes to `tmp/` first, is fsynced, then renamed into place: rename within one
 * file system is atomic, so a reader (or a crash) sees either no file or the whole file.
 * A crash can leave orphans in `tmp/`; they are never read and can be deleted at any time.
 */
export class LocalStore implements ArtifactStore {
  readonly location: string;

  constructor(rootDir: string) {
    this.location = resolve(rootDir);
  }

  /** `file://` URI of an object (percent-encoded like any file URL). */
  objectUri(sha256: string): string {
    return pathToFileURL(this.objectPath(sha256)).href;
  }

  async putFile(localPath: string): Promise<ObjectRef> {
    // One pass: copy into tmp/ while hashing, so a file that changes while we read it can
    // only ever be stored under the digest of the bytes actually written.
    const tmp = await this.tempPath();
    const digest = await writeStreamHashed(createReadStream(localPath), tmp);
    return this.publish(tmp, digest);
  }

  async putBytes(data: Uint8Array): Promise<ObjectRef> {
    const digest: Digest = { sha256: sha256Bytes(data), bytes: data.byteLength };
    if (await this.hasObject(digest.sha256, digest.bytes)) return this.ref(digest);
    const tmp = await this.tempPath();
    await writeFile(tmp, data, { flag: 'wx' });
    await fsyncPath(tmp);
    return this.publish(tmp, digest);
  }

  async getBytes(sha256: string): Promise<Buffer> {
    const data = await readFile(this.objectPath(sha256)).catch((e: unknown) => {
      throw isNotFound(e) ? new ArtifactNotFoundError(this.objectUri(sha256)) : e;
    });
    const actual = sha256Bytes(data);
    if (actual !== sha256) throw new DigestMismatchError(this.objectUri(sha256), sha256, actual);
    return data;
  }

  async getToFile(sha256: string, destPath: string): Promise<void> {
    const dest = resolve(destPath);
    await mkdir(dirname(dest), { recursive: true });
    // Temp file beside the destination: same file system, so the final rename is atomic.
    const tmp = `${dest}.tmp-${tempSuffix()}`;
    let digest: Digest;
    try {
      digest = await writeStreamHashed(createReadStream(this.objectPath(sha256)), tmp);
    } catch (e) {
      throw isNotFound(e) ? new ArtifactNotFoundError(this.objectUri(sha256)) : e;
    }
    if (digest.sha256 !== sha256) {
      await unlink(tmp).catch(() => undefined);
      throw new DigestMismatchError(this.objectUri(sha256), sha256, digest.sha256);
    }
    await rename(tmp, dest);
  }

  async hasObject(sha256: string, bytes?: number): Promise<boolean> {
    try {
      const st = await stat(this.objectPath(sha256));
      return st.isFile() && (bytes === undefined || st.size === bytes);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async putDoc(key: string, doc: unknown): Promise<void> {
    const dest = this.docPath(key);
    const text = JSON.stringify(doc, null, 2) as string | undefined;
    if (text === undefined) throw new TypeError(`store document ${key}: value is not JSON-serializable`);
    const tmp = await this.tempPath();
    await writeFile(tmp, text + '\n', { flag: 'wx' });
    await fsyncPath(tmp);
    await mkdir(dirname(dest), { recursive: true });
    await rename(tmp, dest);
    await fsyncPath(dirname(dest));
  }

  async getDoc(key: string): Promise<unknown | undefined> {
    const path = this.docPath(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    return parseDoc(text, pathToFileURL(path).href);
  }

  async deleteDoc(key: string): Promise<void> {
    await unlink(this.docPath(key)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  async listDocs(prefix: string): Promise<string[]> {
    assertDocPrefix(prefix);
    // Walk only the directory the prefix names, then filter by the partial last segment.
    const baseDir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.location, rel), { withFileTypes: true });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      for (const ent of entries) {
        const key = rel + ent.name;
        if (rel === '' && (ent.name === 'objects' || ent.name === 'tmp')) continue;
        if (ent.isDirectory()) await walk(key + '/');
        else if (ent.isFile() && key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(baseDir);
    return keys.sort();
  }

  private ref(d: Digest): ObjectRef {
    return { sha256: d.sha256, bytes: d.bytes, uri: this.objectUri(d.sha256) };
  }

  /** Move a verified temp file to its content address, unless an intact copy is there. */
  private async publish(tmp: string, d: Digest): Promise<ObjectRef> {
    if (await this.hasObject(d.sha256, d.bytes)) {
      await unlink(tmp);
    } else {
      // A same-name object with the wrong size is damaged: replacing it heals the store.
      const dest = this.objectPath(d.sha256);
      await mkdir(dirname(dest), { recursive: true });
      await rename(tmp, dest);
      await fsyncPath(dirname(dest));
    }
    return this.ref(d);
  }

  private objectPath(sha256: string): string {
    return join(this.location, objectKey(sha256));
  }

  private docPath(key: string): string {
    assertDocKey(key);
    return join(this.location, key);
  }

  private async tempPath(): Promise<string> {
    const dir = join(this.location, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, tempSuffix());
  }
}

/** JSON.parse with a message naming the document; SyntaxError marks "corrupt content". */
export function parseDoc(text: string, uri: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SyntaxError(`store document ${uri} is not valid JSON: ${(e as Error).message}`);
  }
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
