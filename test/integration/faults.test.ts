/**
 * Fault injection (issue #15), each against real servers: a worker killed with SIGKILL in
 * the middle of training, the Temporal server killed and restarted mid-run, the S3-protocol
 * store cut off in the middle of an upload. Every run must complete with the digests of an
 * uninterrupted run, and no cache entry may name a missing or corrupt object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import {
  digests,
  parseRunJson,
  pendingStageActivities,
  repoRoot,
  runCli,
  spawnCli,
  type CliResult,
  type RunJson,
} from '../helpers/cli';
import { s3StoreEnv, startS3Server, TEST_CREDENTIALS, type S3TestServer } from '../helpers/s3-server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { S3Store } from '../../src/store/s3-store';
import { cacheEntrySchema } from '../../src/cache/stage-cache';

jest.setTimeout(600_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');

/** Collect a child's output until it exits. */
function collect(child: ChildProcess): Promise<CliResult> & { stderrSoFar(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const p = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  ) as Promise<CliResult> & { stderrSoFar(): string };
  p.stderrSoFar = () => stderr;
  return p;
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Max attempt of every stage activity of a run, from its stage executions' histories. */
async function attemptsByStage(client: Client, run: RunJson): Promise<Record<string, number>> {
  const parent = await client.workflow.getHandle(run.workflowId).fetchHistory();
  const out: Record<string, number> = {};
  for (const c of (parent.events ?? []).flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes ?? [])) {
    const memo = c.memo?.fields?.stage?.data;
    const stage = memo ? (JSON.parse(Buffer.from(memo).toString()) as string) : '?';
    const h = await client.workflow.getHandle(c.workflowId!).fetchHistory();
    for (const e of h.events ?? []) {
      const a = e.activityTaskStartedEventAttributes?.attempt;
      if (a) out[stage] = Math.max(out[stage] ?? 0, a);
    }
  }
  return out;
}

describe('faults', () => {
  let temporal: TestTemporal;
  let home: string;
  let client: Client;
  let connection: Connection;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    temporal = await startTestTemporal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-faults-'));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await connection?.close().catch(() => undefined);
    await temporal.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });
  const connect = async (): Promise<Client> => {
    await connection?.close().catch(() => undefined);
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
    return client;
  };

  // Training long enough (many small epochs) for the kill to land mid-stage.
  const trainSets = ['--set', 'stages.train.with.epochs=40', '--set', 'stages.data.with.perKeyword=12'];

  it('kill -9 of the worker mid-training: the retry resumes from the last epoch checkpoint, digests equal an uninterrupted run', async () => {
    const env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state-train') };
    const queue = `train-crash-${process.pid}`;
    const run = collect(
      spawnCli(
        [
          'run',
          pipeline,
          '--json',
          '--no-worker',
          '--queue',
          queue,
          '--store',
          path.join(home, 'store-train'),
          '--heartbeat-timeout',
          '3',
          ...trainSets,
        ],
        env,
      ),
    );
    const worker1 = spawnCli(['worker', '--queue', queue], env);
    children.push(worker1);
    await connect();
    let workflowId = '';
    let killedAtEpoch = 0;
    await waitFor('training at epoch ≥ 3', async () => {
      workflowId ||= /workflow (pipeline\/tiny-kws\/\S+)/.exec(run.stderrSoFar())?.[1] ?? '';
      if (!workflowId) return false;
      const train = (await pendingStageActivities(client, workflowId)).find((p) => p.activityType === 'trainStage');
      killedAtEpoch = train?.details?.progress?.epoch ?? 0;
      return killedAtEpoch >= 3;
    });
    worker1.kill('SIGKILL');
    // Debug logging shows the activity's own log lines ("train: resuming after epoch N").
    const worker2 = spawnCli(['worker', '--queue', queue], { ...env, TINYOPS_LOG_LEVEL: 'debug' });
    children.push(worker2);
    const worker2Log = collect(worker2);
    // The retried attempt resumed from the checkpoint (the epochs it did not redo are in its
    // metrics), rather than training from the first epoch again.
    const crashed = await run;
    worker2.kill('SIGTERM');
    expect(crashed.code).toBe(0);
    const clean = await runCli(
      ['run', pipeline, '--json', '--store', path.join(home, 'store-train-clean'), ...trainSets],
      env,
    );
    expect(clean.code).toBe(0);
    expect(digests(parseRunJson(crashed.stdout))).toEqual(digests(parseRunJson(clean.stdout)));
    expect((await attemptsByStage(client, parseRunJson(crashed.stdout))).train).toBeGreaterThanOrEqual(2);
    const resumedAfter = Number(/resuming after epoch (\d+)/.exec(worker2Log.stderrSoFar())?.[1] ?? 0);
    // A checkpoint was used (≥ 1 epoch not redone), and fewer than all 40: the retry trained the
    // rest. Not bounded by the epoch seen at the kill: heartbeats lag a fast tiny training.
    expect(resumedAfter).toBeGreaterThanOrEqual(1);
    expect(resumedAfter).toBeLessThan(40);
  });

  it('the Temporal server killed and restarted mid-run: the run completes with the same digests', async () => {
    const env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state-restart') };
    const sets = ['--set', 'stages.data.with.perKeyword=30'];
    const run = collect(
      spawnCli(['run', pipeline, '--json', '--store', path.join(home, 'store-restart'), ...sets], env),
    );
    await connect();
    await waitFor('the data stage heartbeating', async () => {
      const id = /workflow (pipeline\/tiny-kws\/\S+)/.exec(run.stderrSoFar())?.[1];
      return id !== undefined && (await pendingStageActivities(client, id)).some((p) => p.hasHeartbeat);
    });
    await temporal.restart(3000);
    const restarted = await run;
    expect({ code: restarted.code, stderr: restarted.code === 0 ? '' : restarted.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const clean = await runCli(
      ['run', pipeline, '--json', '--store', path.join(home, 'store-restart-clean'), ...sets],
      env,
    );
    expect(clean.code).toBe(0);
    expect(digests(parseRunJson(restarted.stdout))).toEqual(digests(parseRunJson(clean.stdout)));
  });

  describe('the S3-protocol store', () => {
    let s3: S3TestServer;
    let proxy: TcpProxy;
    beforeAll(async () => {
      s3 = await startS3Server();
      await s3.createBucket('faults');
      proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
    });
    afterAll(async () => {
      await proxy.stop();
      await s3.stop();
    });

    it('cut off during an upload and back 8 s later: the stage retries, every cache entry names complete objects', async () => {
      const env = {
        TEMPORAL_ADDRESS: temporal.address,
        TINYOPS_HOME: path.join(home, 'state-s3'),
        ...s3StoreEnv(proxy.endpoint),
      };
      // The first PUT (the first artifact or checkpoint any stage uploads) resets every
      // connection, then the server is unreachable for longer than the SDK's own retries.
      proxy.cutOnFirst('PUT ', 8000);
      const r = await runCli(['run', pipeline, '--json', '--store', 's3://faults/p'], env);
      expect(proxy.cuts).toBe(1);
      expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
      const run = parseRunJson(r.stdout);
      await connect();
      const attempts = await attemptsByStage(client, run);
      expect(Math.max(...Object.values(attempts))).toBeGreaterThanOrEqual(2);

      // Straight to the server (not through the proxy), with the test credentials.
      const store = new S3Store({
        bucket: 'faults',
        prefix: 'p',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: TEST_CREDENTIALS,
      });
      const keys = await store.listDocs('cache/');
      expect(keys.length).toBe(Object.keys(run.stages).length);
      for (const key of keys) {
        const entry = cacheEntrySchema.parse(await store.getDoc(key));
        for (const a of entry.artifacts) {
          // getBytes verifies the digest: a partial or corrupt object throws.
          expect((await store.getBytes(a.sha256)).length).toBe(a.bytes);
        }
      }
      const clean = await runCli(['run', pipeline, '--json', '--store', path.join(home, 'store-s3-clean')], {
        TEMPORAL_ADDRESS: temporal.address,
        TINYOPS_HOME: path.join(home, 'state-s3'),
      });
      expect(digests(run)).toEqual(digests(parseRunJson(clean.stdout)));
    });
  });
});
