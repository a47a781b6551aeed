/**
 * End to end through the real CLI, a real Temporal dev server and real stage code:
 * first run → every stage ran; rerun → every stage cached with identical digests;
 * one changed parameter → exactly the downstream stages re-run; bad input → clean error,
 * store untouched; the same pipeline against an S3-protocol server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { digests, parseRunJson, repoRoot, runCli, type RunJson } from '../helpers/cli';
import { s3StoreEnv, startS3Server, type S3TestServer } from '../helpers/s3-server';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { statusKey } from '../../src/temporal/search-attributes';

const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');
jest.setTimeout(300_000);

describe('tinyops run (real Temporal, local store)', () => {
  let temporal: TestTemporal;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let first: RunJson;

  beforeAll(async () => {
    temporal = await startTestTemporal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-run-'));
    store = path.join(home, 'store');
    env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state') };
    const r = await runCli(['run', pipeline, '--json', '--store', store, '--queue', `q-${process.pid}-a`], env);
    if (r.code !== 0) throw new Error(`first run failed (${r.code}):\n${r.stderr}`);
    first = parseRunJson(r.stdout);
  });
  afterAll(async () => {
    await temporal.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs every stage and reports artifacts and metrics in --json', () => {
    expect(first.status).toBe('completed');
    expect(first.workflowId).toBe(`pipeline/tiny-kws/${first.run}`);
    expect(Object.keys(first.stages)).toEqual(['data', 'features', 'train', 'evaluate', 'report']);
    for (const s of Object.values(first.stages)) {
      expect(s.status).toBe('ran');
      expect(s.cacheKey).toMatch(/^[0-9a-f]{64}$/);
      expect(s.durationMs).toBeGreaterThan(0);
      expect(s.artifacts.length).toBeGreaterThan(0);
      for (const a of s.artifacts) {
        expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(a.uri.startsWith('file://')).toBe(true);
        expect(fs.statSync(new URL(a.uri)).size).toBe(a.bytes);
      }
    }
    expect(first.stages.data?.artifacts.map((a) => a.name).sort()).toEqual(['dataset', 'streams']);
    expect(first.stages.data?.metrics.clips).toBeGreaterThan(0);
    expect(first.stages.train?.artifacts.map((a) => a.name)).toEqual(['model', 'history']);
    expect(first.stages.train?.metrics).toEqual(
      expect.objectContaining({ epochs: 2, valAccuracy: expect.any(Number), trainSamplesPerSec: expect.any(Number) }),
    );
    expect(fs.existsSync(path.join(home, 'state', 'reports', `${first.run}-report.html`))).toBe(true);
    expect(first.stages.evaluate?.metrics).toEqual(
      expect.objectContaining({
        accuracy: expect.any(Number),
        eventFrr: expect.any(Number),
        eventFaPerHour: expect.any(Number),
        threshold: expect.any(Number),
      }),
    );
  });

  it('writes runs/<run-id>.json with the resolved pipeline, git commit and tool versions', () => {
    const rec = JSON.parse(fs.readFileSync(path.join(store, 'runs', `${first.run}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(rec.status).toBe('completed');
    expect((rec.pipeline as { name: string }).name).toBe('tiny-kws');
    expect((rec.git as { commit: unknown }).commit).toEqual(expect.any(String));
    const tools = rec.tools as Record<string, string>;
    expect(tools.node).toBe(process.version);
    expect(tools['tfjs-node']).toBe('4.22.0');
    expect(tools['espeak-ng']).toMatch(/eSpeak NG/);
  });

  it('the recorded history replays against the current workflow code (determinism)', async () => {
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const history = await new Client({ connection }).workflow.getHandle(first.workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, first.workflowId);
    } finally {
      await connection.close();
    }
  });

  it('lineage: an artifact digest leads back to its stage, the stages it needs, git commit and tools', async () => {
    const features = first.stages.features?.artifacts[0];
    const r = await runCli(['lineage', (features?.sha256 as string).slice(0, 12), '--store', store], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`artifact ${features?.name} sha256:${features?.sha256} from stage features`);
    expect(r.stdout).toContain(`run ${first.run} (completed`);
    expect(r.stdout).toMatch(/stage features \(features\) ran/);
    expect(r.stdout).toMatch(/stage data \(synth-kws\) ran/);
    expect(r.stdout).toContain(
      `dataset sha256:${first.stages.data?.artifacts.find((a) => a.name === 'dataset')?.sha256}`,
    );
    expect(r.stdout).toMatch(/git [0-9a-f]{40}/);
    const unknown = await runCli(['lineage', 'deadbeefdeadbeef', '--store', store], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no run in');
  });

  it('a rerun reports every stage cached with identical digests', async () => {
    const r = await runCli(['run', pipeline, '--json', '--store', store, '--queue', `q-${process.pid}-b`], env);
    expect(r.code).toBe(0);
    const second = parseRunJson(r.stdout);
    expect(Object.values(second.stages).map((s) => s.status)).toEqual([
      'cached',
      'cached',
      'cached',
      'cached',
      'cached',
    ]);
    expect(digests(second)).toEqual(digests(first));
    expect(second.stages.features?.cacheKey).toBe(first.stages.features?.cacheKey);
    // A cached stage links to the run that produced it: in --json, the run record and lineage.
    expect(Object.values(second.stages).map((s) => s.producedByRun)).toEqual(
      Object.keys(second.stages).map(() => first.run),
    );
    const lineage = await runCli(['lineage', second.run, '--store', store], env);
    expect(lineage.stdout).toContain(`stage train (train) cached (produced by run ${first.run})`);
    const runs = await runCli(['runs', '--pipeline', 'tiny-kws', '--json', '--store', store], env);
    const listed = JSON.parse(runs.stdout) as Array<{ run: string; ran: number; cached: number; model: string | null }>;
    expect(listed.map((x) => x.run)).toEqual(expect.arrayContaining([first.run, second.run]));
    expect(listed.find((x) => x.run === second.run)).toMatchObject({
      ran: 0,
      cached: 5,
      model: first.stages.train?.artifacts.find((a) => a.name === 'model')?.sha256,
    });
    expect((await runCli(['runs', '--pipeline', 'no-such', '--store', store], env)).stdout).toContain(
      'no runs of pipeline no-such',
    );
  });

  it('changing a features parameter re-runs features and train only; changing data re-runs all', async () => {
    const r1 = await runCli(
      ['run', pipeline, '--json', '--store', store, '--set', 'stages.features.with.coefficients=8'],
      env,
    );
    expect(r1.code).toBe(0);
    const j1 = parseRunJson(r1.stdout);
    expect(j1.stages.data?.status).toBe('cached');
    expect(j1.stages.features?.status).toBe('ran');
    expect(j1.stages.train?.status).toBe('ran');
    expect(j1.stages.evaluate?.status).toBe('ran');
    expect(j1.stages.report?.status).toBe('ran');
    expect(j1.stages.features?.cacheKey).not.toBe(first.stages.features?.cacheKey);

    const r3 = await runCli(['run', pipeline, '--json', '--store', store, '--set', 'stages.train.with.epochs=1'], env);
    const j3 = parseRunJson(r3.stdout);
    expect(Object.values(j3.stages).map((x) => x.status)).toEqual(['cached', 'cached', 'ran', 'ran', 'ran']);

    const r4 = await runCli(
      ['run', pipeline, '--json', '--store', store, '--set', 'stages.evaluate.with.events.smoothingFrames=3'],
      env,
    );
    expect(Object.values(parseRunJson(r4.stdout).stages).map((x) => x.status)).toEqual([
      'cached',
      'cached',
      'cached',
      'ran',
      'ran',
    ]);

    const r2 = await runCli(
      ['run', pipeline, '--json', '--store', store, '--set', 'stages.data.with.perKeyword=10'],
      env,
    );
    expect(r2.code).toBe(0);
    const j2 = parseRunJson(r2.stdout);
    expect(j2.stages.data?.status).toBe('ran');
    expect(j2.stages.features?.status).toBe('ran');
    expect(j2.stages.train?.status).toBe('ran');
    expect(digests(j2).data?.dataset).not.toBe(digests(first).data?.dataset);
  });

  it('an invalid pipeline fails before anything runs: file:line:col message, exit 1, no stack, store untouched', async () => {
    const bad = path.join(home, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(pipeline, 'utf8').replace('perKeyword: 6', 'perKeyword: six'));
    const before = fs.readdirSync(path.join(store, 'cache')).sort();
    const r = await runCli(['run', bad, '--json', '--store', store], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:9:19: stages.data.with.perKeyword: expected`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(path.join(store, 'cache')).sort()).toEqual(before);
  });

  it('a stage failing on bad input reports the reason, fails the run and skips what needs it', async () => {
    const r = await runCli(
      ['run', pipeline, '--json', '--store', store, '--set', 'stages.data.with.voices=[no-such-voice]'],
      env,
    );
    expect(r.code).toBe(1);
    const j = parseRunJson(r.stdout);
    expect(j.status).toBe('failed');
    expect(j.stages.data?.status).toBe('failed');
    expect(j.stages.data?.error).toContain('no-such-voice');
    // A user error: typed by its class, failed at the first attempt (not retried).
    expect(j.stages.data?.errorType).toBe('StageInputError');
    expect(j.stages.features?.status).toBe('skipped');
    expect(j.stages.train?.status).toBe('skipped');
    expect(j.stages.evaluate?.status).toBe('skipped');
    expect(j.stages.report?.status).toBe('skipped');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection });
      // The stage activity runs in the stage's execution, a child workflow of the run.
      const history = await client.workflow.getHandle(j.workflowId).fetchHistory();
      const children = (history.events ?? []).flatMap(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? [],
      );
      expect(children).toHaveLength(1);
      const child = await client.workflow.getHandle(children[0]!).fetchHistory();
      const scheduled = (child.events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'synthKwsStage',
      );
      const started = (child.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
      expect(scheduled).toHaveLength(1);
      expect(started.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(false);
      // Failed runs can be filtered in the UI by the TinyopsStatus search attribute.
      const desc = await client.workflow.getHandle(j.workflowId).describe();
      expect(desc.typedSearchAttributes.get(statusKey)).toBe('failed');
      const good = await client.workflow.getHandle(first.workflowId).describe();
      expect(good.typedSearchAttributes.get(statusKey)).toBe('completed');
    } finally {
      await connection.close();
    }
  });
});

describe('tinyops run against an S3-protocol server', () => {
  let temporal: TestTemporal;
  let s3: S3TestServer;
  let home: string;

  beforeAll(async () => {
    [temporal, s3] = await Promise.all([startTestTemporal(), startS3Server()]);
    await s3.createBucket('tinyops-e2e');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-s3run-'));
  });
  afterAll(async () => {
    await Promise.all([temporal.stop(), s3.stop()]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('stores artifacts, cache entries and the run record in the bucket; rerun is cached', async () => {
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      TINYOPS_HOME: path.join(home, 'state'),
      ...s3StoreEnv(s3.endpoint),
    };
    const args = ['run', pipeline, '--json', '--store', 's3://tinyops-e2e/runs-test'];
    const r = await runCli(args, env);
    if (r.code !== 0) throw new Error(r.stderr);
    const j = parseRunJson(r.stdout);
    expect(j.status).toBe('completed');
    for (const s of Object.values(j.stages))
      for (const a of s.artifacts) expect(a.uri).toMatch(/^s3:\/\/tinyops-e2e\/runs-test\/objects\/sha256\//);
    const r2 = await runCli(args, env);
    const j2 = parseRunJson(r2.stdout);
    expect(Object.values(j2.stages).map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'cached', 'cached']);
    expect(digests(j2)).toEqual(digests(j));
  });
});
