/**
 * Workers per task queue (issue #15): three worker processes, one per queue (the run's
 * workflows, `cpu` stages, `train` stages), against one Temporal server and one shared
 * S3-protocol store; a pipeline run with --queues-by-kind completes across them, and each
 * stage's work ran on its queue, in the process serving it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { parseRunJson, repoRoot, runCli, spawnCli } from '../helpers/cli';
import { s3StoreEnv, startS3Server, type S3TestServer } from '../helpers/s3-server';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';

jest.setTimeout(400_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (pattern.test(err)) resolve();
    });
    child.once('close', (code) => reject(new Error(`worker exited (${code}) before "${pattern}":\n${err}`)));
  });
}

describe('stages routed to task queues by kind', () => {
  let temporal: TestTemporal;
  let s3: S3TestServer;
  let home: string;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    [temporal, s3] = await Promise.all([startTestTemporal(), startS3Server()]);
    await s3.createBucket('tinyops-queues');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-queues-'));
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all([temporal.stop(), s3.stop()]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('completes across three worker processes, each stage on its queue', async () => {
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      TINYOPS_HOME: path.join(home, 'state'),
      ...s3StoreEnv(s3.endpoint),
    };
    const queues = { workflows: `wf-${process.pid}`, cpu: 'cpu', train: 'train' };
    for (const q of Object.values(queues)) {
      const w = spawnCli(['worker', '--queue', q], { ...env, TINYOPS_HOME: path.join(home, `state-${q}`) });
      workers.push(w);
      await waitForLine(w, /worker polling task queue/);
    }
    const pidOf = Object.fromEntries(Object.keys(queues).map((k, i) => [k, workers[i]!.pid]));

    const r = await runCli(
      [
        'run',
        pipeline,
        '--json',
        '--no-worker',
        '--queue',
        queues.workflows,
        '--queues-by-kind',
        '--store',
        's3://tinyops-queues/p',
      ],
      env,
    );
    expect(r.code).toBe(0);
    const run = parseRunJson(r.stdout);
    expect(run.status).toBe('completed');
    expect(Object.values(run.stages).every((s) => s.status === 'ran')).toBe(true);
    for (const s of Object.values(run.stages))
      for (const a of s.artifacts) expect(a.uri).toMatch(/^s3:\/\/tinyops-queues\/p\//);

    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      const parent = await client.workflow.getHandle(run.workflowId).fetchHistory();
      const children = (parent.events ?? []).flatMap(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes ?? [],
      );
      expect(children).toHaveLength(Object.keys(run.stages).length);
      const seen: Record<string, { queue: string; identity: string }> = {};
      for (const c of children) {
        const memo = c.memo?.fields?.stage?.data;
        const stage = memo ? (JSON.parse(Buffer.from(memo).toString()) as string) : '?';
        const h = await client.workflow.getHandle(c.workflowId!).fetchHistory();
        const events = h.events ?? [];
        const scheduled = events.find((e) =>
          e.activityTaskScheduledEventAttributes?.activityType?.name?.endsWith('Stage'),
        )!;
        const started = events.find(
          (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
        );
        seen[stage] = {
          queue: scheduled.activityTaskScheduledEventAttributes!.taskQueue!.name!,
          identity: started?.activityTaskStartedEventAttributes?.identity ?? '',
        };
        // The stage's workflow itself runs on the run's queue, with the workflows.
        expect(c.taskQueue?.name).toBe(queues.workflows);
        // Lineage in the UI: each stage execution lists what it read, with digests.
        const details = await (await client.workflow.getHandle(c.workflowId!).describe()).staticDetails();
        const needs: Record<string, string[]> = {
          data: [],
          features: ['data'],
          train: ['features'],
          evaluate: ['data', 'features', 'train'],
          report: ['data', 'features', 'train', 'evaluate'],
        };
        if (needs[stage]!.length === 0) expect(details).toContain('no inputs');
        for (const n of needs[stage]!) {
          const first = run.stages[n]!.artifacts[0]!;
          expect(details).toContain(`- ${n}: `);
          expect(details).toContain(`${first.name} \`${first.sha256.slice(0, 12)}\``);
        }
      }
      expect(seen.train?.queue).toBe('train');
      expect(seen.train?.identity).toMatch(new RegExp(`^${pidOf.train}@`));
      for (const stage of ['data', 'features', 'evaluate', 'report']) {
        expect({ stage, queue: seen[stage]?.queue }).toEqual({ stage, queue: 'cpu' });
        expect(seen[stage]?.identity).toMatch(new RegExp(`^${pidOf.cpu}@`));
      }
    } finally {
      await connection.close();
    }
  });
});
