import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cacheKeyInputs, cacheKeyMaterial, cacheKeyOf } from '../src/cache/cache-key';
import { lookupCacheEntry } from '../src/cache/stage-cache';
import { installDir } from '../src/project';
import { promote } from '../src/promotion/model-registry';
import type {
  PromoteInput,
  PromoteResult,
  AwaitStageInput,
  AwaitStageResult,
  CacheLookupInput,
  CacheLookupResult,
  RecordRunInput,
  StageWorkflowResult,
} from '../workflows/types';
import type { ActivityEnv } from './activity-env';
import type { AnyStageModule } from '../src/stage/stage-module';
import { packageVersion, tfjsVersions, toolVersion } from '../src/util/tool-versions';

const run = promisify(execFile);

/**
 * Workflow bookkeeping activities: cache lookups and run records. Exported as a factory
 * so the workflow can `import type` the shape (docs/architecture.md#workflows-and-activities) while the worker binds env.
 */
export function createBookkeeping(env: ActivityEnv, modules: ReadonlyMap<string, AnyStageModule>) {
  return {
    /**
     * Compute the stage's cache key (docs/architecture.md#cache-key: kind + implementation version +
     * canonical config + input digests + seed + tool versions, and the stage's name, which
     * its random streams derive from) and look it up.
     */
    async lookupStageCache(input: CacheLookupInput): Promise<CacheLookupResult> {
      const module = modules.get(input.stage.kind);
      if (!module) throw new Error(`no stage module for kind "${input.stage.kind}" on this worker`);
      const material = cacheKeyMaterial({
        stage: input.stage.name,
        kind: module.kind,
        version: module.version,
        config: input.stage.config,
        // In `needs:` order: it decides which producer a shared artifact name resolves to. A
        // stage with declared `reads` is keyed on (and later sees) only those upstream artifacts.
        inputs: cacheKeyInputs(input.stage.needs, input.inputs, module.reads),
        seed: input.seed,
        tools: {
          ...(module.toolVersions ? await module.toolVersions(input.stage.config) : {}),
          ...(module.cacheInputs ? await module.cacheInputs(input.stage.config) : {}),
        },
      });
      const cacheKey = cacheKeyOf(material);
      const store = env.openStore(input.store);
      const executionId = stageExecutionId(store.location, cacheKey);
      const entry = await lookupCacheEntry(store, cacheKey);
      const found = {
        cacheKey,
        executionId,
        ...(module.reads === undefined ? {} : { reads: [...module.reads] }),
        cacheKeyMaterial: material,
      };
      if (!entry) return found;
      return {
        ...found,
        hit: {
          cacheKey,
          artifacts: entry.artifacts,
          metrics: entry.metrics,
          summary: entry.summary,
          durationMs: entry.durationMs,
          producedByRun: entry.runId,
        },
      };
    },

    /**
     * Wait for another run's execution of a stage (workflows/stage.ts) and return its result.
     * Heartbeats while waiting. Returns `gone` instead of waiting forever when that execution
     * failed or was terminated, or when no worker has polled its task queue for
     * OWNER_SILENCE_MS (the run that started it was killed: with per-run task queues nobody
     * else would pick its tasks up); the caller then computes the stage itself.
     */
    async awaitStageExecution(input: AwaitStageInput): Promise<AwaitStageResult> {
      const ctx = Context.current();
      const handle = ctx.client.workflow.getHandle(input.workflowId);
      const result = handle.result() as Promise<StageWorkflowResult>;
      const settled = result.then(
        (r): AwaitStageResult => ({ result: r }),
        (e: unknown): AwaitStageResult => ({
          gone:
            e instanceof WorkflowFailedError
              ? `it failed: ${e.cause?.message ?? e.message}`
              : `it ended: ${(e as Error).message}`,
        }),
      );
      let silentSince: number | undefined;
      for (;;) {
        const tick = new Promise<undefined>((r) => setTimeout(r, AWAIT_POLL_MS, undefined));
        const done = await Promise.race([settled, tick]);
        if (done !== undefined) return done;
        ctx.heartbeat({ waitingFor: input.workflowId });
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
        const desc = await handle.describe();
        const alive = await hasLivePoller(ctx.client, desc.taskQueue);
        if (alive) silentSince = undefined;
        else if (silentSince === undefined) silentSince = Date.now();
        else if (Date.now() - silentSince > OWNER_SILENCE_MS)
          return { gone: `no worker has polled task queue ${desc.taskQueue} for ${OWNER_SILENCE_MS / 1000} s` };
      }
    },

    /** Champion / challenger: decide on a completed run, record it, promote it if it wins (src/promotion). */
    async promoteModel(input: PromoteInput): Promise<PromoteResult> {
      const store = env.openStore(input.store);
      const model = input.stages[input.promotion.model];
      const d = await promote(
        store,
        {
          pipeline: input.pipeline,
          runId: input.runId,
          workflowId: input.workflowId,
          promotion: input.promotion,
          stageMetrics: Object.fromEntries(Object.entries(input.stages).map(([k, s]) => [k, s.metrics ?? {}])),
          modelArtifacts: model?.artifacts ?? [],
        },
        new Date(),
      );
      return {
        promoted: d.promoted,
        previousChampion: d.previousChampion,
        outcomes: d.outcomes.map((o) => `${o.passed ? 'pass' : 'FAIL'} ${o.rule}: ${o.detail}`),
        comparison: { sha256: d.comparisonPage.sha256, uri: d.comparisonPage.uri },
      };
    },

    /** Write `runs/<run-id>.json`: resolved pipeline, git commit, tool versions, stage outcomes. */
    async recordRun(input: RecordRunInput): Promise<string> {
      const key = `runs/${input.runId}.json`;
      const store = env.openStore(input.store);
      await store.putDoc(key, {
        runId: input.runId,
        workflowId: input.workflowId,
        status: input.status,
        createdAt: new Date().toISOString(),
        configHash: input.configHash,
        pipeline: input.pipeline,
        git: await gitState(env.projectDir),
        tools: await toolVersions(),
        stages: input.stages,
      });
      return `${store.location}/${key}`;
    },
  };
}

export type Bookkeeping = ReturnType<typeof createBookkeeping>;

const AWAIT_POLL_MS = 2000;
/** How long the task queue of a stage execution may have no poller before a waiting run gives up on it. */
const OWNER_SILENCE_MS = 60_000;

/** Workflow id of the single execution of a stage for one store and cache key. */
export function stageExecutionId(storeLocation: string, cacheKey: string): string {
  return `tinyops-stage-${createHash('sha256').update(storeLocation).update('\0').update(cacheKey).digest('hex').slice(0, 40)}`;
}

/** True if some worker polled `taskQueue` (workflow or activity tasks) within the last minute. */
async function hasLivePoller(client: Context['client'], taskQueue: string): Promise<boolean> {
  const recent = Date.now() - OWNER_SILENCE_MS;
  for (const taskQueueType of [1, 2]) {
    // 1 = TASK_QUEUE_TYPE_WORKFLOW, 2 = TASK_QUEUE_TYPE_ACTIVITY (temporal.api.enums.v1.TaskQueueType)
    const r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    for (const p of r.pollers ?? []) {
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      if (seconds * 1000 >= recent) return true;
    }
  }
  return false;
}

async function gitState(dir: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const { stdout: commit } = await run('git', ['-C', dir, 'rev-parse', 'HEAD']);
    const { stdout: status } = await run('git', ['-C', dir, 'status', '--porcelain']);
    return { commit: commit.trim(), dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Versions of everything that can change a stage's bytes (docs/architecture.md#runs-and-tool-versions). */
export async function toolVersions(): Promise<Record<string, string>> {
  const [gcc, qemu, espeak, temporal] = await Promise.all([
    toolVersion('arm-none-eabi-gcc'),
    toolVersion('qemu-system-arm'),
    toolVersion('espeak-ng'),
    toolVersion(path.join(installDir, '.tinyops', 'bin', 'temporal')),
  ]);
  return {
    tinyops: packageVersion('..'),
    node: process.version,
    ...tfjsVersions(),
    '@temporalio/worker': packageVersion('@temporalio/worker'),
    'arm-none-eabi-gcc': gcc,
    'qemu-system-arm': qemu,
    'espeak-ng': espeak,
    temporal,
  };
}
