/**
 * stageWorkflow: one execution of one stage for one (store, cache key), shared by every run
 * that needs it (issue #15 "one computation per cache key").
 *
 * The pipeline workflow starts it as a child whose workflow id is the lookup's
 * `executionId` (a digest of store location and cache key). A second run that needs the
 * same stage while it runs finds that id taken and waits for this execution's result
 * instead of computing the stage again (workflows/pipeline.ts); Temporal's workflow-id
 * uniqueness does the deduplication, no lock files. Once it has finished, the id is free
 * again and a later run simply hits the cache entry it committed.
 *
 * It looks the cache up once more before running: between the parent's lookup and this
 * start another execution may have committed the entry. Deterministic: all I/O in activities.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Bookkeeping } from '../activities/bookkeeping';
import {
  stageActivityName,
  type StageActivityInput,
  type StageActivityResult,
  type StageWorkflowInput,
  type StageWorkflowResult,
} from './types';

const bookkeeping = proxyActivities<Bookkeeping>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s' },
});

export async function stageWorkflow(input: StageWorkflowInput): Promise<StageWorkflowResult> {
  const a = input.activity;
  const computedByRun = a.runId;
  const lookup = await bookkeeping.lookupStageCache.executeWithOptions(
    {
      startToCloseTimeout: '5 minutes',
      retry: { maximumAttempts: 5, initialInterval: '1s' },
      summary: `cache lookup: ${a.stage.name} (${a.stage.kind})`,
    },
    [{ pipeline: a.pipeline, store: a.store, seed: a.seed, stage: a.stage, inputs: a.inputs }],
  );
  if (lookup.hit) return { ...lookup.hit, cached: true, computedByRun };

  // Long stages: a generous start-to-close, a short heartbeat timeout so a dead worker is
  // noticed fast; the retry resumes from the stage's checkpoint. Which failures are final is
  // decided per failure (nonRetryable: user errors), src/temporal/stage-failure.ts.
  const stageActs = proxyActivities<Record<string, (i: StageActivityInput) => Promise<StageActivityResult>>>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: `${input.heartbeatTimeoutSec ?? 60} seconds`,
    retry: { maximumAttempts: 5, initialInterval: '1s' },
    ...(input.taskQueue !== undefined && { taskQueue: input.taskQueue }),
  });
  const act = stageActs[stageActivityName(a.stage.kind)] as (typeof stageActs)[string];
  const out = await act.executeWithOptions(
    { summary: `${a.stage.name} (${a.stage.kind}) ${lookup.cacheKey.slice(0, 12)} for run ${a.runId}` },
    [{ ...a, cacheKey: lookup.cacheKey }],
  );
  return { ...out, cached: false, computedByRun };
}
