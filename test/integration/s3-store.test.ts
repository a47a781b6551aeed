import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { computeCacheKey } from '../../src/cache/cache-key';
import { commitCacheEntry, lookupCacheEntry } from '../../src/cache/stage-cache';
import { ConfigError, StoreUnavailableError } from '../../src/errors';
import { objectKey } from '../../src/store/artifact-store';
import { openStore } from '../../src/store/open-store';
import { S3Store, type S3StoreOptions } from '../../src/store/s3-store';
import { startS3Server, testS3Client, TEST_CREDENTIALS, type S3TestServer } from '../helpers/s3-server';
import { describeStoreContract } from '../unit/store/store-contract';

const BUCKET = 'tinyops-test';
let server: S3TestServer;
let raw: S3Client;
const stores: S3Store[] = [];
let n = 0;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket(BUCKET);
  raw = testS3Client(server.endpoint);
});
afterAll(async () => {
  stores.forEach((s) => s.destroy());
  raw?.destroy();
  await server?.stop();
});

/** A store on the test server; each call gets its own prefix, i.e. an empty store. */
function newStore(extra: Partial<S3StoreOptions> = {}): S3Store {
  const store = new S3Store({
    bucket: BUCKET,
    prefix: `t${++n}/store`,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    ...extra,
  });
  stores.push(store);
  return store;
}

const prefixOf = (s: S3Store): string => s.location.slice(`s3://${BUCKET}/`.length) + '/';

describeStoreContract('S3Store', async () => {
  const store = newStore();
  const put = (key: string, body: Uint8Array | string): Promise<unknown> =>
    raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefixOf(store) + key, Body: body }));
  return {
    store,
    overwriteObject: async (sha, data) => void (await put(objectKey(sha), data)),
    deleteObject: async (sha) =>
      void (await raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: prefixOf(store) + objectKey(sha) }))),
    writeRawDoc: async (key, text) => void (await put(key, text)),
  };
});

describe('S3Store specifics', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tinyops-s3-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('keeps the store layout under its prefix and names objects by s3:// URI', async () => {
    const store = newStore();
    const ref = await store.putBytes(Buffer.from('layout'));
    await store.putDoc('runs/r1.json', { ok: true });
    expect(ref.uri).toBe(`${store.location}/${objectKey(ref.sha256)}`);
    expect(store.location).toMatch(new RegExp(`^s3://${BUCKET}/t\\d+/store$`));
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefixOf(store) }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      [`${prefixOf(store)}${objectKey(ref.sha256)}`, `${prefixOf(store)}runs/r1.json`].sort(),
    );
  });

  it('pages through listDocs results', async () => {
    const store = newStore({ listPageSize: 3 });
    const keys = Array.from({ length: 11 }, (_, i) => `runs/r${String(i).padStart(2, '0')}.json`);
    await Promise.all([...keys].reverse().map((k) => store.putDoc(k, { k })));
    await store.putDoc('cache/other.json', {});
    expect(await store.listDocs('runs/')).toEqual(keys);
  });

  it('stores do not see each other across prefixes', async () => {
    const a = newStore();
    const b = newStore();
    await a.putDoc('runs/only-a.json', {});
    const ref = await a.putBytes(Buffer.from('only in a'));
    expect(await b.listDocs('runs/')).toEqual([]);
    expect(await b.hasObject(ref.sha256)).toBe(false);
  });

  it('uploads a larger file as one streamed PUT and reads it back verified', async () => {
    const store = newStore();
    const data = randomBytes(8 * 1024 * 1024);
    const src = join(scratch, 'big.bin');
    writeFileSync(src, data);
    const ref = await store.putFile(src);
    expect(await store.hasObject(ref.sha256, data.length)).toBe(true);
    expect((await store.getBytes(ref.sha256)).equals(data)).toBe(true);
  });

  it('reports a missing bucket as a clean ConfigError naming bucket and endpoint', async () => {
    const store = newStore({ bucket: 'no-such-bucket' });
    const expected = `S3 bucket "no-such-bucket" not found at ${server.endpoint}`;
    await expect(store.getDoc('runs/x.json')).rejects.toThrow(new ConfigError(expected));
    await expect(store.putBytes(Buffer.from('x'))).rejects.toThrow(expected);
    await expect(store.listDocs('runs/')).rejects.toThrow(expected);
    await expect(lookupCacheEntry(store, 'b'.repeat(64))).rejects.toBeInstanceOf(ConfigError);
    // A wrong bucket name is the user's to fix: another attempt cannot help.
    expect(((await store.getDoc('runs/x.json').catch((e: unknown) => e)) as ConfigError).retryable).toBe(false);
  });

  it('reports an unreachable endpoint as a retryable StoreUnavailableError naming it', async () => {
    // Port 9 (discard) has no listener on this loopback: connection refused.
    const deadEndpoint = 'http://127.0.0.1:9';
    const store = newStore({ endpoint: deadEndpoint, bucket: BUCKET });
    const err = await store.getDoc('runs/x.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).retryable).toBe(true);
    expect((err as Error).message).toContain(`cannot reach S3 endpoint ${deadEndpoint}`);
    expect((err as Error).message).toContain(BUCKET);
  });

  it('openStore builds an S3Store from s3://bucket/prefix and the environment', async () => {
    const env = {
      TINYOPS_S3_ENDPOINT: server.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    };
    // The SDK reads credentials from process.env; set them only around this call.
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = env.AWS_ACCESS_KEY_ID;
    process.env['AWS_SECRET_ACCESS_KEY'] = env.AWS_SECRET_ACCESS_KEY;
    try {
      const store = openStore(`s3://${BUCKET}/via-open-store`, scratch, env);
      expect(store).toBeInstanceOf(S3Store);
      stores.push(store as S3Store);
      await store.putDoc('runs/x.json', { via: 'openStore' });
      expect(await store.getDoc('runs/x.json')).toEqual({ via: 'openStore' });
    } finally {
      restore('AWS_ACCESS_KEY_ID', saved.id);
      restore('AWS_SECRET_ACCESS_KEY', saved.secret);
    }
  });

  it('a full stage cycle: key, artifacts, commit last, hit; deleted object turns it into a miss', async () => {
    const store = newStore();
    const key = computeCacheKey({
      stage: 'codegen',
      kind: 'codegen',
      version: 1,
      config: { arena: 'static' },
      inputs: [],
      seed: 1,
    });
    const src = join(scratch, 'model.c');
    writeFileSync(src, 'int main(void) { return 0; }\n');
    const ref = await store.putFile(src);
    const artifact = { ...ref, name: 'model.c', mediaType: 'text/x-c' };
    await commitCacheEntry(store, {
      key,
      kind: 'codegen',
      version: 1,
      stage: 'codegen',
      pipeline: 'kws',
      artifacts: [artifact],
      metrics: { flashBytes: 1234 },
      summary: 'model.c',
      durationMs: 5,
      createdAt: new Date(0).toISOString(),
      runId: 'r',
    });
    expect((await lookupCacheEntry(store, key))?.artifacts).toEqual([artifact]);
    await raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: prefixOf(store) + objectKey(ref.sha256) }));
    expect(await lookupCacheEntry(store, key)).toBeUndefined();
    expect(await store.listDocs('cache/')).toEqual([]);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
