/**
 * Credentials never leak (issue #15 "security"): a run against an S3-protocol store with
 * distinctive credentials; neither the key id nor the secret appears in the CLI's output and
 * logs (--log-format json too), the run record, the cache entries, or the Temporal history of
 * the run and of its stage executions. They reach the SDK only through its provider chain
 * (the environment here).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseRunJson, repoRoot, runCli } from '../helpers/cli';
import { s3StoreEnv, startS3Server, type S3TestServer } from '../helpers/s3-server';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { S3Store } from '../../src/store/s3-store';

jest.setTimeout(300_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');
const KEY_ID = 'AKIATINYOPSLEAKCHECK7';
const SECRET = 'tinyops-secret-Zq9xW4vT1pL8sN2mK6';

describe('credentials', () => {
  let temporal: TestTemporal;
  let s3: S3TestServer;
  let home: string;
  beforeAll(async () => {
    [temporal, s3] = await Promise.all([startTestTemporal(), startS3Server()]);
    await s3.createBucket('secrets');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-secrets-'));
  });
  afterAll(async () => {
    await Promise.all([temporal.stop(), s3.stop()]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('appear nowhere in output, run record, cache entries or Temporal history', async () => {
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      TINYOPS_HOME: path.join(home, 'state'),
      ...s3StoreEnv(s3.endpoint, { accessKeyId: KEY_ID, secretAccessKey: SECRET }),
    };
    const r = await runCli(['run', pipeline, '--json', '--log-format', 'json', '--store', 's3://secrets/p'], env);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
    const run = parseRunJson(r.stdout);
    const texts: Array<[string, string]> = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
    ];

    const store = new S3Store({
      bucket: 'secrets',
      prefix: 'p',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    });
    for (const key of [...(await store.listDocs('runs/')), ...(await store.listDocs('cache/'))])
      texts.push([key, JSON.stringify(await store.getDoc(key))]);

    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      const parent = await client.workflow.getHandle(run.workflowId).fetchHistory();
      texts.push(['history', JSON.stringify(parent)]);
      for (const id of (parent.events ?? []).flatMap(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? [],
      )) {
        texts.push([`history ${id}`, JSON.stringify(await client.workflow.getHandle(id).fetchHistory())]);
      }
    } finally {
      await connection.close();
    }
    expect(texts.length).toBeGreaterThan(8);
    for (const [where, text] of texts) {
      expect({ where, leaksKeyId: text.includes(KEY_ID), leaksSecret: text.includes(SECRET) }).toEqual({
        where,
        leaksKeyId: false,
        leaksSecret: false,
      });
    }
  });
});
