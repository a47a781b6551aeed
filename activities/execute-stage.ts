import { Context, log as activityLog } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { stageConfigFailure, toStageFailure } from '../src/temporal/stage-failure';
import { commitCacheEntry } from '../src/cache/stage-cache';
import type { StageActivityInput, StageActivityResult } from '../workflows/types';
import { cleanupStage, createStageContext } from './stage-context';
import type { AnyStageModule, StageProgress } from '../src/stage/stage-module';
import type { ActivityEnv } from './activity-env';

/** Milliseconds between heartbeats that repeat the last progress while the stage works on. */
const KEEPALIVE_MS = 2000;

/**
 * How long a stage may go without reporting progress before the keepalive stops and the
 * activity's heartbeat timeout fails the attempt (then Temporal retries it, on any worker,
 * from the checkpoint). Every stage reports at least once per unit of work (a clip, a
 * training step, a firmware run), and every child process has its own time limit, so a
 * silent stage is a hung stage. `TINYOPS_STALL_TIMEOUT_SEC` overrides (default 15 min).
 */
function stallTimeoutMs(): number {
  const sec = Number(process.env.TINYOPS_STALL_TIMEOUT_SEC ?? 900);
  return Number.isFinite(sec) && sec > 0 ? sec * 1000 : 900_000;
}

/**
 * Run one stage module as a Temporal activity: build its context, heartbeat progress,
 * store its artifacts and commit the cache entry LAST (docs/architecture.md#cache-key), so an interrupted
 * stage never leaves an entry that names missing artifacts.
 *
 * Heartbeats carry the stage's last progress and how long ago it came; the keepalive that
 * repeats it between reports stops once the stage has been silent for the stall limit, so a
 * hung stage fails its heartbeat timeout instead of running for 12 hours.
 *
 * Failures (src/temporal/stage-failure.ts): user errors non-retryable, environment errors
 * and bugs retried (resuming from the checkpoint), cancellation reported as cancellation;
 * the failure type is the error's class name.
 */
export async function executeStage(
  module: AnyStageModule,
  env: ActivityEnv,
  input: StageActivityInput,
): Promise<StageActivityResult> {
  const started = Date.now();
  const actx = Context.current();
  const store = env.openStore(input.store);
  let last: StageProgress | undefined;
  let lastProgressAt = Date.now();
  const stallMs = stallTimeoutMs();
  const beat = (): void =>
    actx.heartbeat({
      stage: input.stage.name,
      progress: last,
      attempt: actx.info.attempt,
      idleMs: Date.now() - lastProgressAt,
    });
  const keepalive = setInterval(() => {
    if (Date.now() - lastProgressAt < stallMs) beat();
  }, KEEPALIVE_MS);
  try {
    let config: unknown;
    try {
      config = module.configSchema.parse(input.stage.config);
    } catch (e) {
      throw stageConfigFailure(e, input.stage.name);
    }
    const ctx = createStageContext({
      pipelineName: input.pipeline,
      stageName: input.stage.name,
      runId: input.runId,
      seed: input.seed,
      config,
      inputs: input.inputs,
      // Only the artifacts the module declares it reads (all of them without `reads`): the
      // same view its cache key was computed from (activities/bookkeeping.ts).
      ...(module.reads !== undefined && { reads: module.reads }),
      cacheKey: input.cacheKey,
      store,
      stateDir: env.stateDir,
      onProgress: (p) => {
        last = p;
        lastProgressAt = Date.now();
        beat();
        if (actx.cancellationSignal.aborted) throw new CancelledFailure('stage cancelled');
      },
      onLog: (m) => activityLog.info(`${input.stage.name}: ${m}`),
    });
    const result = await module.run(ctx);
    const durationMs = Date.now() - started;
    await commitCacheEntry(store, {
      key: input.cacheKey,
      kind: module.kind,
      version: module.version,
      stage: input.stage.name,
      pipeline: input.pipeline,
      runId: input.runId,
      artifacts: [...result.artifacts],
      metrics: { ...result.metrics },
      summary: result.summary,
      durationMs,
      createdAt: new Date().toISOString(),
    });
    await cleanupStage(store, env.stateDir, input.stage.name, input.cacheKey);
    return {
      cacheKey: input.cacheKey,
      artifacts: result.artifacts,
      metrics: result.metrics,
      summary: result.summary,
      durationMs,
    };
  } catch (err) {
    throw toStageFailure(err);
  } finally {
    clearInterval(keepalive);
  }
}
