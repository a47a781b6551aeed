import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { findTool } from '../../src/project';
import { installRuntime } from '../../src/temporal/worker';
import { pipelineWorkflow } from '../../workflows/pipeline';
import type {
  AwaitStageInput,
  AwaitStageResult,
  CacheLookupInput,
  CacheLookupResult,
  PipelineResult,
  RecordRunInput,
  ResolvedStage,
  StageActivityInput,
  StageActivityResult,
} from '../../workflows/types';

/**
 * The DAG walk of pipelineWorkflow (workflows/pipeline.ts) against mocked activities, on a
 * TestWorkflowEnvironment backed by the same Temporal CLI dev server tinyops embeds (the
 * time-skipping server would be downloaded from GitHub, which this machine cannot reach).
 * What is tested is the workflow code alone: which stages run, in what order, with which
 * inputs, what happens after a failure, and that independent stages overlap in time.
 */

installRuntime(); // quiet about the non-retryable failures these tests cause on purpose

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  const temporal = findTool('temporal');
  if (!temporal) throw new Error('the Temporal CLI is not installed (scripts/setup.sh links it into .tinyops/bin)');
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporal }, ip: '127.0.0.1', ui: false },
  });
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve(path.resolve(__dirname, '../../workflows')),
    logger: new DefaultLogger('WARN'),
  });
}, 180_000);

afterAll(async () => {
  await env?.teardown();
});

const stage = (name: string, needs: string[] = [], config: Record<string, unknown> = {}): ResolvedStage => ({
  name,
  kind: 'work',
  needs,
  config,
});
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Mock {
  /** Stage names in the order their activity started. */
  readonly started: string[];
  /** What each stage's activity received as inputs (stage → upstream stage names). */
  readonly inputsSeen: Record<string, string[]>;
  /** Most stage activities running at once. */
  maxConcurrent: number;
}

/**
 * Activities the workflows call, mocked: a cache with the given hits, a `workStage` that
 * fails the stages whose config says so and otherwise makes one artifact named after its
 * stage. Stages with `config.meet` wait (up to 20 s) until every stage naming the same
 * meeting point has started: they can only all finish if the workflow runs them together.
 */
function mockActivities(hits: ReadonlySet<string>, mock: Mock) {
  let running = 0;
  const meetings = new Map<string, { count: number; need: number; waiters: Array<() => void> }>();
  const runId = randomUUID().slice(0, 8);
  const result = (s: ResolvedStage, cacheKey: string): StageActivityResult => ({
    cacheKey,
    artifacts: [{ name: s.name, sha256: sha(s.name), bytes: 1, uri: `mem://${s.name}`, mediaType: 'text/plain' }],
    metrics: { [`${s.name}.done`]: true },
    summary: `${s.name} done`,
    durationMs: 1,
  });
  return {
    async lookupStageCache(input: CacheLookupInput): Promise<CacheLookupResult> {
      const cacheKey = sha(`${input.stage.name}:${JSON.stringify(input.inputs)}`);
      const executionId = `test-stage-${runId}-${input.stage.name}`;
      return hits.has(input.stage.name)
        ? { cacheKey, executionId, hit: { ...result(input.stage, cacheKey), producedByRun: 'earlier' } }
        : { cacheKey, executionId };
    },
    async awaitStageExecution(_input: AwaitStageInput): Promise<AwaitStageResult> {
      return { gone: 'not used in these tests' };
    },
    async recordRun(input: RecordRunInput): Promise<string> {
      return `mem://runs/${input.runId}.json`;
    },
    async promoteModel(): Promise<never> {
      throw new Error('not used in these tests');
    },
    async workStage(input: StageActivityInput): Promise<StageActivityResult> {
      const s = input.stage;
      mock.started.push(s.name);
      mock.inputsSeen[s.name] = Object.keys(input.inputs).sort();
      running++;
      mock.maxConcurrent = Math.max(mock.maxConcurrent, running);
      try {
        const meet = s.config.meet as { id: string; of: number } | undefined;
        if (meet) {
          const m = meetings.get(meet.id) ?? { count: 0, need: meet.of, waiters: [] };
          meetings.set(meet.id, m);
          m.count++;
          if (m.count >= m.need) m.waiters.splice(0).forEach((w) => w());
          else {
            let timer: NodeJS.Timeout | undefined;
            const met = await Promise.race([
              new Promise<boolean>((r) => m.waiters.push(() => r(true))),
              new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 20_000))),
            ]);
            clearTimeout(timer);
            if (!met)
              throw ApplicationFailure.nonRetryable(`${s.name} ran alone: its peers never started`, 'TestError');
          }
        }
        if (s.config.fail) throw ApplicationFailure.nonRetryable(`${s.name}: bad input`, 'StageInputError');
        return result(s, input.cacheKey);
      } finally {
        running--;
      }
    },
  };
}

async function runPipeline(
  stages: ResolvedStage[],
  hits: ReadonlySet<string> = new Set(),
): Promise<{ result: PipelineResult; mock: Mock }> {
  const mock: Mock = { started: [], inputsSeen: {}, maxConcurrent: 0 };
  const taskQueue = `dag-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: mockActivities(hits, mock),
    maxConcurrentActivityTaskExecutions: 4,
  });
  const result = await worker.runUntil(
    env.client.workflow.execute(pipelineWorkflow, {
      taskQueue,
      workflowId: `pipeline/test/${randomUUID()}`,
      args: [
        {
          pipeline: { name: 'test', seed: 1, stages, source: 'test.yaml' },
          store: 'mem://',
          configHash: 'h',
          searchAttributes: false,
          heartbeatTimeoutSec: 30,
        },
      ],
    }),
  );
  return { result, mock };
}

const statuses = (r: PipelineResult) => Object.fromEntries(Object.entries(r.stages).map(([k, s]) => [k, s.status]));

describe('pipelineWorkflow DAG walk (TestWorkflowEnvironment, mocked activities)', () => {
  it('runs every stage after its needs and hands each the outputs of exactly its needs', async () => {
    const { result, mock } = await runPipeline([
      stage('data'),
      stage('features', ['data']),
      stage('train', ['features']),
      stage('report', ['data', 'train']),
    ]);
    expect(result.status).toBe('completed');
    expect(statuses(result)).toEqual({ data: 'ran', features: 'ran', train: 'ran', report: 'ran' });
    expect(mock.started).toEqual(['data', 'features', 'train', 'report']);
    expect(mock.inputsSeen).toEqual({ data: [], features: ['data'], train: ['features'], report: ['data', 'train'] });
    expect(result.runRecord).toBe(`mem://runs/${result.run}.json`);
  });

  it('a failed stage fails the run, skips everything downstream with the reason, and lets independent branches finish', async () => {
    const { result, mock } = await runPipeline([
      stage('data'),
      stage('train', ['data'], { fail: true }),
      stage('evaluate', ['train']),
      stage('report', ['evaluate']),
      stage('side', ['data']),
    ]);
    expect(result.status).toBe('failed');
    expect(statuses(result)).toEqual({
      data: 'ran',
      train: 'failed',
      evaluate: 'skipped',
      report: 'skipped',
      side: 'ran',
    });
    expect(result.stages.train?.error).toBe('train: bad input');
    expect(result.stages.train?.errorType).toBe('StageInputError');
    expect(result.stages.evaluate?.error).toBe('needs train, which failed');
    expect(result.stages.report?.error).toBe('needs evaluate, which was skipped');
    expect(mock.started).not.toContain('evaluate');
    expect(mock.started).toContain('side');
  });

  it('a cache hit runs no activity and passes the recorded outputs on', async () => {
    const { result, mock } = await runPipeline([stage('data'), stage('features', ['data'])], new Set(['data']));
    expect(statuses(result)).toEqual({ data: 'cached', features: 'ran' });
    expect(result.stages.data?.producedByRun).toBe('earlier');
    expect(mock.started).toEqual(['features']);
    expect(mock.inputsSeen.features).toEqual(['data']);
  });

  it('runs independent stages at the same time', async () => {
    // b, c and d need only a; each waits until all three have started, so a sequential
    // walk would make them fail with "ran alone".
    const meet = { meet: { id: 'fan-out', of: 3 } };
    const { result, mock } = await runPipeline([
      stage('a'),
      stage('b', ['a'], meet),
      stage('c', ['a'], meet),
      stage('d', ['a'], meet),
      stage('e', ['b', 'c', 'd']),
    ]);
    expect(statuses(result)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'ran', e: 'ran' });
    expect(mock.maxConcurrent).toBe(3);
    expect(mock.started[0]).toBe('a');
    expect(mock.started[4]).toBe('e');
  });
});
