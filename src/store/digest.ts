import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * sha256 helpers. Everything streams: dataset tars are hundreds of MB, so no helper here
 * holds a whole file in memory.
 */

/** Hex digest and length of some bytes. */
export interface Digest {
  readonly sha256: string;
  readonly bytes: number;
}

export function sha256Bytes(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A pass-through stream that hashes and counts what flows through it. Put it in a pipeline
 * to verify while copying, then read `digest()` once the pipeline has finished.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }

  /** Valid after the stream ended; call once. */
  digest(): Digest {
    return { sha256: this.hash.digest('hex'), bytes: this.count };
  }
}

/** Digest of a stream's bytes (consumes the stream). */
export async function sha256Stream(source: Readable): Promise<Digest> {
  const hasher = new DigestStream();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline(source, hasher, sink);
  return hasher.digest();
}

export function sha256File(path: string): Promise<Digest> {
  return sha256Stream(createReadStream(path));
}

/**
 * Copy a stream into `path` while hashing it, then fsync the file, so that a later rename
 * publishes durable bytes (write-temp, fsync, rename is the atomic-write recipe).
 * On failure the partial file is removed.
 */
export async function writeStreamHashed(source: Readable, path: string): Promise<Digest> {
  const hasher = new DigestStream();
  const out = createWriteStream(path, { flags: 'wx' });
  try {
    await pipeline(source, hasher, out);
    await fsyncPath(path);
  } catch (e) {
    // A source that fails at once (a missing object) can reject the pipeline before the write
    // stream has opened — and so created — the file; unlink only after the stream has closed, or
    // the temp file appears after its removal.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw e;
  }
  return hasher.digest();
}

/** fsync a file or directory by path (a directory fsync makes a rename in it durable). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A unique suffix for temp files: concurrent writers (workers, retries) never collide. */
export function tempSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}
