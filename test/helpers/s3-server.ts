import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3-protocol server for tests: moto in server mode, installed by scripts/setup.sh
 * as `.tinyops/bin/moto_server`. One per test file (it starts in ~1-2 s); state is in
 * memory and dies with the process. Nothing here touches process.env: tests pass the
 * endpoint and TEST_CREDENTIALS explicitly.
 */

/** moto accepts any credentials; these are only what the SDK needs to sign requests. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const TEST_REGION = 'us-east-1';

/**
 * The environment that points a tinyops process's `s3://` store at `endpoint`: the endpoint, the
 * test credentials (or `credentials`) and the region, the variables src/store/open-store.ts and
 * the SDK read.
 */
export function s3StoreEnv(
  endpoint: string,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = TEST_CREDENTIALS,
): Record<string, string> {
  return {
    TINYOPS_S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: TEST_REGION,
  };
}

export interface S3TestServer {
  /** e.g. `http://127.0.0.1:41234` (use with forcePathStyle). */
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3TestServer> {
  const bin = join(repoRoot(), '.tinyops', 'bin', 'moto_server');
  if (!existsSync(bin)) {
    throw new Error(`S3 test server not found at ${bin}: run \`bash scripts/setup.sh\` to install it`);
  }
  // A free port can be taken between probing and binding; retry on that race.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(endpoint, child, () => stderr);
    } catch (e) {
      lastError = e;
      await stopChild(child);
      continue;
    }
    return {
      endpoint,
      createBucket: (name) => createBucket(endpoint, name),
      stop: () => stopChild(child),
    };
  }
  throw lastError;
}

/** An S3 client for raw access in tests (e.g. to corrupt an object behind a store's back). */
export function testS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(endpoint: string, name: string): Promise<void> {
  const client = testS3Client(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
}

function repoRoot(): string {
  // Runs from test/helpers (ts) or dist/test/helpers (compiled): walk up to package.json.
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tinyops') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the tinyops repository root above ${__dirname}`);
    dir = up;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`moto_server exited during startup:\n${stderr()}`);
    if (await answers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 30 s:\n${stderr()}`);
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}/`, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true); // any HTTP status means the server is up
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
