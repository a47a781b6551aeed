/**
 * Durability (issue #3): kill the worker process (SIGKILL) in the middle of a stage, start a
 * new one, and the run completes with the same digests as an uninterrupted run.
 */
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  digests,
  parseRunJson,
  pendingStageActivities,
  repoRoot,
  runCli,
  spawnCli,
  type CliResult,
} from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

jest.setTimeout(400_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');
// Big enough that the data stage takes a few seconds even with a warm render cache, so the kill
// lands mid-stage.
const sets = ['--set', 'stages.data.with.perKeyword=60'];

describe('worker crash mid-stage', () => {
  const t = useTemporalHome('tinyops-crash-');

  it('a new worker finishes the run with the digests of an uninterrupted run', async () => {
    const queue = `crash-${process.pid}`;
    const { temporal, home, env } = t;

    // The run is driven by `run --no-worker`; workers are separate processes we can kill.
    let killed = false;
    const runner = spawnCli(
      [
        'run',
        pipeline,
        '--json',
        '--no-worker',
        '--queue',
        queue,
        '--store',
        path.join(home, 'store-crash'),
        '--heartbeat-timeout',
        '3',
        ...sets,
      ],
      env,
    );
    const out: CliResult = await new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      runner.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      runner.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      runner.once('close', (code) => resolve({ code, stdout, stderr }));

      void (async () => {
        const worker1 = spawnCli(['worker', '--queue', queue], env);
        // Wait until a stage activity has started, then kill -9 the worker. (Not until
        // its first heartbeat reaches the server: heartbeats are throttled to 80% of the 3 s
        // heartbeat timeout, and with warm render caches the stage can finish before that.)
        const connection = await Connection.connect({ address: temporal.address });
        const client = new Client({ connection });
        for (let i = 0; i < 600 && !killed; i++) {
          await new Promise((r) => setTimeout(r, 250));
          const m = /workflow (pipeline\/tiny-kws\/\S+)/.exec(stderr);
          if (!m) continue;
          const pending = await pendingStageActivities(client, m[1] as string).catch(() => []);
          // Any started stage activity: on a fast machine with warm caches the data stage alone can
          // start and finish between two polls, and then the run ended before the kill.
          if (pending.some((p) => p.started)) {
            worker1.kill('SIGKILL');
            killed = true;
          }
        }
        await connection.close();
        if (!killed) worker1.kill('SIGKILL');
        const worker2 = spawnCli(['worker', '--queue', queue], env);
        runner.once('close', () => worker2.kill('SIGTERM'));
      })();
    });
    if (!killed || out.code !== 0)
      console.log(`run exit ${String(out.code)}; stderr tail:\n${out.stderr.slice(-3000)}`);
    expect(killed).toBe(true);
    expect(out.code).toBe(0);
    const crashed = parseRunJson(out.stdout);
    expect(crashed.status).toBe('completed');

    const clean = await runCli(['run', pipeline, '--json', '--store', path.join(home, 'store-clean'), ...sets], env);
    expect(clean.code).toBe(0);
    expect(digests(crashed)).toEqual(digests(parseRunJson(clean.stdout)));
  });
});
