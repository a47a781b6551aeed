import { createReadStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, ConfigError, DigestMismatchError, StoreUnavailableError } from '../errors';
import { assertDocKey, assertDocPrefix, objectKey, type ArtifactStore, type ObjectRef } from './artifact-store';
import { DigestStream, sha256Bytes, sha256File, tempSuffix, writeStreamHashed, type Digest } from './digest';
import { parseDoc } from './local-store';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket (`team/tinyops`); '' or absent = bucket root. */
  readonly prefix?: string;
  /** e.g. `http://127.0.0.1:9000` for MinIO; absent = AWS. */
  readonly endpoint?: string;
  /** Default `us-east-1` (MinIO and moto ignore it, but SigV4 needs one). */
  readonly region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO and moto need. */
  readonly forcePathStyle?: boolean;
  /** Absent = the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, ...). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** MaxKeys per ListObjectsV2 page (S3's maximum and default is 1000); tests use small pages. */
  readonly listPageSize?: number;
}

/**
 * The scaled-out store (docs/architecture.md#store-layout): the same layout as LocalStore under `prefix` in a
 * bucket of any S3-protocol server.
 *
 * Atomicity comes from S3 itself: a single PUT is visible whole or not at all, so objects
 * and documents need no temp keys. Objects are sent with their sha256 as
 * `x-amz-checksum-sha256`, which AWS and MinIO verify server-side; the client also hashes
 * what it sends, so a file that changes during upload is never stored under a wrong digest.
 * Reads hash while streaming. Single PUTs cap objects at 5 GB (S3's limit), far above the
 * largest artifact tinyops writes.
 */
export class S3Store implements ArtifactStore {
  readonly location: string;
  readonly bucket: string;
  readonly endpoint: string;
  private readonly keyPrefix: string;
  private readonly client: S3Client;
  private readonly pageSize: number;

  constructor(opts: S3StoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.bucket)) {
      throw new ConfigError(
        `invalid S3 bucket name "${opts.bucket}": 3-63 characters of lowercase letters, digits, '.' and '-'`,
      );
    }
    const prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix.split('/').some((s) => s === '.' || s === '..' || (s === '' && prefix !== ''))) {
      throw new ConfigError(`invalid S3 key prefix "${opts.prefix ?? ''}"`);
    }
    const region = opts.region ?? 'us-east-1';
    this.bucket = opts.bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.location = `s3://${opts.bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.endpoint = opts.endpoint ?? `https://s3.${region}.amazonaws.com`;
    this.pageSize = opts.listPageSize ?? 1000;
    this.client = new S3Client({
      region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.credentials,
      // The SDK's default CRC32 trailers (aws-chunked uploads, response validation) are not
      // implemented by every S3-compatible server; we send/verify sha256 ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Fail fast on a wrong endpoint instead of hanging on an unroutable address.
      requestHandler: { connectionTimeout: 10_000 },
    });
  }

  /** Close pooled connections (a process that only used the store can then exit). */
  destroy(): void {
    this.client.destroy();
  }

  objectUri(sha256: string): string {
    return `s3://${this.bucket}/${this.keyPrefix}${objectKey(sha256)}`;
  }

  async putFile(localPath: string): Promise<ObjectRef> {
    // Hash first so an object that is already there costs one read and one HEAD, no upload.
    const digest = await sha256File(localPath);
    if (await this.hasObject(digest.sha256, digest.bytes)) return this.ref(digest);
    const sent = new DigestStream();
    const body = pipeline(createReadStream(localPath), sent, () => undefined);
    try {
      await this.putObject(digest, body);
    } finally {
      body.destroy(); // a rejected request may leave the file stream paused and open
    }
    const actual = sent.digest();
    if (actual.sha256 !== digest.sha256 || actual.bytes !== digest.bytes) {
      await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(digest) })));
      throw new Error(`${localPath} changed while it was being uploaded to ${this.location}; store it again`);
    }
    return this.ref(digest);
  }

  async putBytes(data: Uint8Array): Promise<ObjectRef> {
    const digest: Digest = { sha256: sha256Bytes(data), bytes: data.byteLength };
    if (!(await this.hasObject(digest.sha256, digest.bytes))) await this.putObject(digest, Buffer.from(data));
    return this.ref(digest);
  }

  async getBytes(sha256: string): Promise<Buffer> {
    const uri = this.objectUri(sha256);
    return this.call(async () => {
      const body = await this.getBody(this.keyPrefix + objectKey(sha256));
      if (body === undefined) throw new ArtifactNotFoundError(uri);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      const actual = sha256Bytes(data);
      if (actual !== sha256) throw new DigestMismatchError(uri, sha256, actual);
      return data;
    });
  }

  async getToFile(sha256: string, destPath: string): Promise<void> {
    const uri = this.objectUri(sha256);
    const dest = resolve(destPath);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${tempSuffix()}`;
    const digest = await this.call(async () => {
      const body = await this.getBody(this.keyPrefix + objectKey(sha256));
      if (body === undefined) throw new ArtifactNotFoundError(uri);
      return writeStreamHashed(body, tmp);
    });
    // Only bytes that match their digest ever reach destPath.
    if (digest.sha256 !== sha256) {
      await unlink(tmp).catch(() => undefined);
      throw new DigestMismatchError(uri, sha256, digest.sha256);
    }
    await rename(tmp, dest);
  }

  async hasObject(sha256: string, bytes?: number): Promise<boolean> {
    const key = this.keyPrefix + objectKey(sha256);
    return this.call(async () => {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        return bytes === undefined || head.ContentLength === bytes;
      } catch (e) {
        // HEAD responses have no body, so a missing key and a missing bucket both arrive as
        // a bare 404; a missing bucket surfaces on the next GET/PUT with a clear message.
        if (httpStatus(e) === 404) return false;
        throw e;
      }
    });
  }

  async putDoc(key: string, doc: unknown): Promise<void> {
    assertDocKey(key);
    const text = JSON.stringify(doc, null, 2) as string | undefined;
    if (text === undefined) throw new TypeError(`store document ${key}: value is not JSON-serializable`);
    const body = Buffer.from(text + '\n', 'utf8');
    await this.call(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyPrefix + key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json',
        }),
      ),
    );
  }

  async getDoc(key: string): Promise<unknown | undefined> {
    assertDocKey(key);
    const text = await this.call(async () => {
      const body = await this.getBody(this.keyPrefix + key);
      if (body === undefined) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    return text === undefined ? undefined : parseDoc(text, `s3://${this.bucket}/${this.keyPrefix}${key}`);
  }

  async deleteDoc(key: string): Promise<void> {
    assertDocKey(key);
    // DeleteObject of an absent key succeeds: deleting is idempotent, as on LocalStore.
    await this.call(() =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key })),
    );
  }

  async listDocs(prefix: string): Promise<string[]> {
    assertDocPrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyPrefix + prefix,
            MaxKeys: this.pageSize,
            ContinuationToken: token,
          }),
        ),
      );
      for (const obj of page.Contents ?? []) {
        const key = (obj.Key ?? '').slice(this.keyPrefix.length);
        const top = key.split('/')[0];
        if (key !== '' && top !== 'objects' && top !== 'tmp') keys.push(key);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  private key(d: Digest): string {
    return this.keyPrefix + objectKey(d.sha256);
  }

  private ref(d: Digest): ObjectRef {
    return { sha256: d.sha256, bytes: d.bytes, uri: this.objectUri(d.sha256) };
  }

  private async putObject(d: Digest, body: Buffer | Readable): Promise<void> {
    await this.call(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(d),
          Body: body,
          ContentLength: d.bytes,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(d.sha256, 'hex').toString('base64'),
        }),
      ),
    );
  }

  /** The body of a key as a Node stream, or undefined if the key does not exist. */
  private async getBody(key: string): Promise<Readable | undefined> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      if (errorName(e) === 'NoSuchKey') return undefined;
      throw e;
    }
    if (!(out.Body instanceof Readable)) throw new Error(`S3 GetObject ${key}: expected a Node.js stream body`);
    return out.Body;
  }

  /** Run an SDK call, turning configuration failures into ConfigError and connectivity failures into StoreUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e);
    }
  }

  private explain(e: unknown): unknown {
    const name = errorName(e);
    const code = networkErrorCode(e);
    const where = `bucket "${this.bucket}" at ${this.endpoint}`;
    if (name === 'NoSuchBucket') return new ConfigError(`S3 bucket "${this.bucket}" not found at ${this.endpoint}`);
    if (name === 'CredentialsProviderError') {
      return new ConfigError(
        `no AWS credentials for the S3 store ${this.location}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      );
    }
    if (
      ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name) ||
      httpStatus(e) === 403
    ) {
      return new ConfigError(`access denied to S3 ${where} (${name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY`);
    }
    if (code !== undefined || name === 'TimeoutError') {
      // Transient by nature (a restarting server, a dropped connection): retryable.
      return new StoreUnavailableError(`cannot reach S3 endpoint ${this.endpoint} (${where}): ${code ?? name}`);
    }
    return e;
  }
}

// Duck-typed, not `instanceof Error`: errors from Node's net module can come from another
// realm (jest's sandbox), and the SDK then re-wraps them as "AWS SDK error wrapper for
// Error: connect ECONNREFUSED ..." without `code` — hence the message fallback below.
function errorName(e: unknown): string {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '';
}

const NET_CODES = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/;

function networkErrorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; message?: unknown } | null;
  const text = `${typeof err?.code === 'string' ? err.code : ''} ${typeof err?.message === 'string' ? err.message : ''}`;
  return NET_CODES.exec(text)?.[1];
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}
