/**
 * Scheduled retraining (issue #15): `tinyops schedule create|list|describe|pause|unpause|
 * trigger|delete` on a real Temporal server's Schedules, runs executed by a standalone
 * worker; a scheduled run after the imported folder changed re-runs exactly the import and
 * what depends on it, one after no change is all cache hits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { repoRoot, runCli, spawnCli } from '../helpers/cli';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { clip16k, writeTree } from '../helpers/wav-fixtures';
import type { PipelineResult } from '../../workflows/types';

jest.setTimeout(400_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-import.yaml');
const scheduledById = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

describe('tinyops schedule', () => {
  let temporal: TestTemporal;
  let home: string;
  let worker: ChildProcess;
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    temporal = await startTestTemporal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-schedule-'));
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await connection.close();
    await temporal.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('creates, lists, triggers (picking up new data), pauses and deletes a schedule', async () => {
    const env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state') };
    const folder = path.join(home, 'recordings');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) {
      files[`yes/s${i}_nohash_0.wav`] = clip16k(i);
      files[`no/s${i}_nohash_0.wav`] = clip16k(20 + i);
      files[`bed/s${i}_nohash_0.wav`] = clip16k(40 + i);
    }
    writeTree(folder, files);
    const queue = `sched-${process.pid}`;
    worker = spawnCli(['worker', '--queue', queue], env);
    const id = 'tinyops-test-retrain';
    const cli = (args: string[]) => runCli(args, env);

    const created = await cli([
      'schedule',
      'create',
      pipeline,
      '--id',
      id,
      '--queue',
      queue,
      '--store',
      path.join(home, 'store'),
      '--set',
      `stages.recordings.with.path=${folder}`,
      '--paused',
    ]);
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(created.stdout.trim()).toBe(id);
    expect(created.stderr).toContain('every 1d'); // from the file's schedule:

    const listed = await cli(['schedule', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id, pipeline: 'tiny-import', paused: true, spec: 'every 86400 s' }),
    ]);

    expect((await cli(['schedule', 'unpause', id])).code).toBe(0);
    /** Trigger a run and wait for its result. */
    const triggerAndWait = async (n: number): Promise<PipelineResult> => {
      expect((await cli(['schedule', 'trigger', id])).code).toBe(0);
      let workflowId = '';
      for (let i = 0; i < 600 && !workflowId; i++) {
        const d = JSON.parse((await cli(['schedule', 'describe', id])).stdout) as {
          recentRuns: Array<{ workflowId: string }>;
        };
        if (d.recentRuns.length >= n) workflowId = d.recentRuns[n - 1]!.workflowId;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(workflowId).toMatch(/^pipeline\/tiny-import\/sched-tinyops-test-retrain-/);
      const handle = client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as PipelineResult;
      // The UI links the run to its schedule.
      expect((await handle.describe()).typedSearchAttributes.get(scheduledById)).toBe(id);
      return result;
    };
    const statuses = (r: PipelineResult) => Object.fromEntries(Object.entries(r.stages).map(([k, s]) => [k, s.status]));

    const first = await triggerAndWait(1);
    expect(first.status).toBe('completed');
    expect(statuses(first)).toEqual({ recordings: 'ran', features: 'ran' });
    expect(first.run).toMatch(/^sched-tinyops-test-retrain-\d{8}T\d{6}Z$/);
    expect(fs.existsSync(path.join(home, 'store', 'runs', `${first.run}.json`))).toBe(true);

    expect(statuses(await triggerAndWait(2))).toEqual({ recordings: 'cached', features: 'cached' });

    writeTree(folder, { 'yes/s9_nohash_0.wav': clip16k(99), 'no/s9_nohash_0.wav': clip16k(98) });
    const third = await triggerAndWait(3);
    expect(statuses(third)).toEqual({ recordings: 'ran', features: 'ran' });

    expect((await cli(['schedule', 'pause', id, '--note', 'maintenance'])).code).toBe(0);
    const described = JSON.parse((await cli(['schedule', 'describe', id])).stdout) as {
      paused: boolean;
      note: string;
      actionsTaken: number;
      recentRuns: Array<{ status: string }>;
    };
    expect(described).toMatchObject({ paused: true, note: 'maintenance', actionsTaken: 3 });
    expect(described.recentRuns.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    expect((await cli(['schedule', 'delete', id])).code).toBe(0);
    const gone = await cli(['schedule', 'describe', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`schedule "${id}" not found`);
    expect(gone.stderr).not.toMatch(/\n\s+at /);
  });
});
