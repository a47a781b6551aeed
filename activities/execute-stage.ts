import { Context, log as activityLog } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isTinyopsError } from '../src/errors';
import { commitCacheEntry } from '../src/cache/stage-cache';
import type { StageActivityInput, StageActivityResult } from '../workflows/types';
import { cleanupStage, createStageContext } from './stage-context';
import type { AnyStageModule, StageProgress } from './stage-module';
import type { ActivityEnv } from './activity-env';

/** Milliseconds between automatic heartbeats while a stage reports no progress of its own. */
const KEEPALIVE_MS = 2000;

/**
 * Run one stage module as a Temporal activity: build its context, heartbeat progress,
 * store its artifacts and commit the cache entry LAST (DESIGN.md §4), so an interrupted
 * stage never leaves an entry that names missing artifacts.
 *
 * User mistakes (TinyopsError) become non-retryable failures carrying the clean message;
 * anything else is retried by Temporal and resumes from the stage's checkpoint.
 */
export async function executeStage(module: AnyStageModule, env: ActivityEnv, input: StageActivityInput): Promise<StageActivityResult> {
  const started = Date.now();
  const actx = Context.current();
  const store = env.openStore(input.store);
  let last: StageProgress | undefined;
  const beat = (): void => actx.heartbeat({ stage: input.stage.name, progress: last, attempt: actx.info.attempt });
  const keepalive = setInterval(beat, KEEPALIVE_MS);
  try {
    const config = module.configSchema.parse(input.stage.config);
    const ctx = createStageContext({
      pipelineName: input.pipeline,
      stageName: input.stage.name,
      runId: input.runId,
      seed: input.seed,
      config,
      inputs: input.inputs,
      cacheKey: input.cacheKey,
      store,
      stateDir: env.stateDir,
      onProgress: (p) => {
        last = p;
        beat();
        if (actx.cancellationSignal.aborted) throw new Error('stage cancelled');
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
    return { cacheKey: input.cacheKey, artifacts: result.artifacts, metrics: result.metrics, summary: result.summary, durationMs };
  } catch (err) {
    if (isTinyopsError(err)) throw ApplicationFailure.create({ message: err.message, type: 'TinyopsError', nonRetryable: true });
    if (err instanceof Error && err.name === 'ZodError') {
      throw ApplicationFailure.create({ message: `stages.${input.stage.name}.with: ${err.message}`, type: 'TinyopsError', nonRetryable: true });
    }
    throw err;
  } finally {
    clearInterval(keepalive);
  }
}
