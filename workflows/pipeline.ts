/**
 * pipelineWorkflow: walks the stage DAG from `needs:` (docs/architecture.md#flow-of-one-run).
 *
 *   data ──► features ──► train ──► evaluate ──► report
 *                 └──────────────────────┘
 *
 * Every stage is a memoised promise that first awaits its needs, so independent stages
 * run in parallel (as the samples' dsl-interpreter does with Promise.all). Per stage:
 * lookupStageCache → (hit: record `cached`) | (miss: `<kind>Stage` activity, which stores
 * artifacts and commits the cache entry last). Deterministic: no I/O, clock or randomness.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { Bookkeeping } from '../activities/bookkeeping';
import { progressQuery } from './messages';
import {
  configHashKey,
  datasetDigestKey,
  modelDigestKey,
  pipelineKey,
  statusKey,
} from '../src/temporal/search-attributes';
import { stageWorkflow } from './stage';
import { promotionExecutionId, promotionWorkflow } from './promotion';
import {
  runIdOf,
  type PipelineResult,
  type PromoteInput,
  type PromoteResult,
  type PipelineWorkflowInput,
  type ResolvedStage,
  type StageActivityInput,
  type StageOutputs,
  type StageState,
  type StageWorkflowResult,
} from './types';

const bookkeeping = proxyActivities<Bookkeeping>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s' },
});

export async function pipelineWorkflow(input: PipelineWorkflowInput): Promise<PipelineResult> {
  const { pipeline } = input;
  const runId = input.runId ?? runIdOf(workflowInfo().workflowId);
  const states = new Map<string, StageState>(
    pipeline.stages.map((s) => [s.name, { name: s.name, kind: s.kind, status: 'pending' }]),
  );
  let done = false;
  setHandler(progressQuery, () => ({ runId, pipeline: pipeline.name, stages: [...states.values()], done }));

  if (input.searchAttributes) {
    upsertSearchAttributes([
      { key: pipelineKey, value: pipeline.name },
      { key: configHashKey, value: input.configHash },
      { key: statusKey, value: 'running' },
    ] as SearchAttributeUpdatePair[]);
  }
  upsertMemo({
    pipeline: pipeline.name,
    runId,
    configHash: input.configHash,
    store: input.store,
    stages: pipeline.stages.map((s) => `${s.name} (${s.kind})`),
  });
  showDetails(pipeline.name, states);

  // Waiting for another run's execution of a stage: as long as that stage may take.
  const waiting = proxyActivities<Bookkeeping>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '60 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1s' },
  });

  const byName = new Map(pipeline.stages.map((s) => [s.name, s]));
  const running = new Map<string, Promise<StageState>>();

  const runStage = (stage: ResolvedStage): Promise<StageState> => {
    let p = running.get(stage.name);
    if (!p) {
      p = (async () => {
        const needs = await Promise.all(stage.needs.map((n) => runStage(byName.get(n) as ResolvedStage)));
        const state = states.get(stage.name) as StageState;
        const blocked = needs.find((n) => n.status === 'failed' || n.status === 'skipped');
        if (blocked) {
          state.status = 'skipped';
          state.error = `needs ${blocked.name}, which ${blocked.status === 'failed' ? 'failed' : 'was skipped'}`;
          return state;
        }
        const inputs: Record<string, StageOutputs> = {};
        for (const n of needs) inputs[n.name] = { artifacts: n.artifacts ?? [], metrics: n.metrics ?? {} };
        await executeStage(stage, state, inputs);
        showDetails(pipeline.name, states);
        return state;
      })();
      running.set(stage.name, p);
    }
    return p;
  };

  const executeStage = async (
    stage: ResolvedStage,
    state: StageState,
    inputs: Record<string, StageOutputs>,
  ): Promise<void> => {
    try {
      const lookup = await bookkeeping.lookupStageCache.executeWithOptions(
        {
          startToCloseTimeout: '5 minutes',
          retry: { maximumAttempts: 5, initialInterval: '1s' },
          summary: `cache lookup: ${stage.name} (${stage.kind})`,
        },
        [{ pipeline: pipeline.name, store: input.store, seed: pipeline.seed, stage, inputs }],
      );
      state.cacheKey = lookup.cacheKey;
      if (lookup.reads !== undefined) state.reads = lookup.reads;
      if (lookup.cacheKeyMaterial !== undefined) state.cacheKeyMaterial = lookup.cacheKeyMaterial;
      if (lookup.hit) {
        Object.assign(state, {
          status: 'cached',
          artifacts: lookup.hit.artifacts,
          metrics: lookup.hit.metrics,
          summary: lookup.hit.summary,
          durationMs: lookup.hit.durationMs,
          producedByRun: lookup.hit.producedByRun,
        });
        return;
      }
      state.status = 'running';
      const activity: StageActivityInput = {
        pipeline: pipeline.name,
        runId,
        store: input.store,
        seed: pipeline.seed,
        stage,
        cacheKey: lookup.cacheKey,
        inputs,
      };
      const out = await executeOnce(stage, activity, lookup.executionId);
      const status = out.cached || out.computedByRun !== runId ? 'cached' : 'ran';
      const summary =
        out.computedByRun !== runId && !out.cached
          ? `${out.summary} (computed by run ${out.computedByRun})`
          : out.summary;
      const producedByRun = out.cached ? out.producedByRun : out.computedByRun;
      Object.assign(state, {
        status,
        artifacts: out.artifacts,
        metrics: out.metrics,
        summary,
        durationMs: out.durationMs,
        producedByRun,
      });
    } catch (err) {
      state.status = 'failed';
      state.error = failureMessage(err);
      state.errorType = failureType(err);
    }
  };

  /**
   * Run the stage as the one shared execution for its (store, cache key), or wait for the
   * execution another run already started (workflows/stage.ts). If that one cannot be relied
   * on (failed, or its run's worker is gone), run a private execution instead.
   */
  const executeOnce = async (
    stage: ResolvedStage,
    activity: StageActivityInput,
    executionId: string,
  ): Promise<StageWorkflowResult> => {
    const { inputs } = activity;
    // Lineage shows what the key covers: with declared `reads`, only those artifacts.
    const reads = states.get(stage.name)?.reads;
    const shown = (n: string) =>
      (inputs[n]?.artifacts ?? []).filter((a) => reads === undefined || reads.includes(a.name));
    const start = (workflowId: string): Promise<StageWorkflowResult> =>
      executeChild(stageWorkflow, {
        workflowId,
        args: [
          {
            activity,
            heartbeatTimeoutSec: input.heartbeatTimeoutSec,
            ...(input.stageQueues?.[stage.name] !== undefined && { taskQueue: input.stageQueues[stage.name] }),
          },
        ],
        staticSummary: `stage ${stage.name} (${stage.kind}) · key ${activity.cacheKey.slice(0, 12)} · first asked for by run ${runId}`,
        // Lineage in the UI: what this execution read (inputs by stage, with digests).
        staticDetails: [
          `**${stage.name}** (${stage.kind}), cache key \`${activity.cacheKey}\``,
          '',
          ...(stage.needs.length === 0
            ? ['no inputs']
            : stage.needs.map(
                (n) =>
                  `- ${n}: ${
                    shown(n)
                      .map((a) => `${a.name} \`${a.sha256.slice(0, 12)}\``)
                      .join(', ') || '(none read)'
                  }`,
              )),
        ].join('\n'),
        memo: { pipeline: pipeline.name, stage: stage.name, kind: stage.kind, cacheKey: activity.cacheKey, runId },
      });
    const state = states.get(stage.name) as StageState;
    state.executionId = executionId;
    try {
      return await start(executionId);
    } catch (err) {
      if (
        !(err instanceof WorkflowExecutionAlreadyStartedError) &&
        (err as Error).name !== 'WorkflowExecutionAlreadyStartedError'
      )
        throw err;
    }
    const waited = await waiting.awaitStageExecution.executeWithOptions(
      {
        startToCloseTimeout: '12 hours',
        heartbeatTimeout: '60 seconds',
        summary: `${stage.name}: waiting for ${executionId}`,
      },
      [{ workflowId: executionId }],
    );
    if ('result' in waited) return waited.result;
    state.executionId = `${executionId}-${runId}`;
    return start(state.executionId);
  };

  const finals = await Promise.all(pipeline.stages.map(runStage));
  const status = finals.every((s) => s.status === 'ran' || s.status === 'cached') ? 'completed' : 'failed';
  const stages = Object.fromEntries([...states.entries()]);

  const dataset = findArtifact(finals, 'dataset');
  const model = findArtifact(finals, 'model');
  upsertMemo({ status, datasetDigest: dataset ?? null, modelDigest: model ?? null });
  if (input.searchAttributes) {
    const pairs: SearchAttributeUpdatePair[] = [{ key: statusKey, value: status } as SearchAttributeUpdatePair];
    if (dataset) pairs.push({ key: datasetDigestKey, value: dataset } as SearchAttributeUpdatePair);
    if (model) pairs.push({ key: modelDigestKey, value: model } as SearchAttributeUpdatePair);
    if (pairs.length) upsertSearchAttributes(pairs);
  }

  // Champion / challenger: only a completed run competes (a failed deploy, a model that does
  // not fit the board, never becomes the champion).
  let promotion: PromoteResult | undefined;
  if (pipeline.promotion !== undefined && status === 'completed') {
    promotion = await promoteInTurn({
      pipeline: pipeline.name,
      runId,
      workflowId: workflowInfo().workflowId,
      store: input.store,
      promotion: pipeline.promotion,
      stages,
    });
    upsertMemo({ promoted: promotion.promoted, previousChampion: promotion.previousChampion });
  }

  let runRecord: string | undefined;
  try {
    runRecord = await bookkeeping.recordRun({
      runId,
      workflowId: workflowInfo().workflowId,
      store: input.store,
      pipeline,
      configHash: input.configHash,
      status,
      stages,
    });
  } catch (err) {
    // The run's stages are committed either way; a missing record is reported, not fatal.
    upsertMemo({ runRecordError: failureMessage(err) });
  }
  done = true;
  showDetails(pipeline.name, states);
  return {
    run: runId,
    workflowId: workflowInfo().workflowId,
    status,
    stages,
    runRecord,
    ...(promotion !== undefined && { promotion }),
  };
}

/** How long a run waits for another run's promotion decision on the same pipeline and store. */
const PROMOTION_WAIT_ATTEMPTS = 150;

/**
 * Decide champion / challenger as the only decision in flight for this pipeline and store
 * (workflows/promotion.ts): if another run's decision holds the id, wait and try again.
 */
async function promoteInTurn(input: PromoteInput): Promise<PromoteResult> {
  const workflowId = promotionExecutionId(input.pipeline, input.store);
  for (let attempt = 1; ; attempt++) {
    try {
      return await executeChild(promotionWorkflow, {
        workflowId,
        args: [input],
        staticSummary: `champion / challenger decision for run ${input.runId}`,
      });
    } catch (err) {
      const taken =
        err instanceof WorkflowExecutionAlreadyStartedError ||
        (err as Error).name === 'WorkflowExecutionAlreadyStartedError';
      if (!taken || attempt >= PROMOTION_WAIT_ATTEMPTS) throw err;
      await sleep('2 seconds');
    }
  }
}

function findArtifact(stages: readonly StageState[], name: string): string | undefined {
  for (const s of stages) {
    const a = s.artifacts?.find((x) => x.name === name);
    if (a) return a.sha256;
  }
  return undefined;
}

/** The failure inside activity and child-workflow wrappers. */
function innermost(err: unknown): unknown {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  return e;
}

/** The innermost message of an activity failure: what the user needs to read. */
function failureMessage(err: unknown): string {
  const e = innermost(err);
  if (e instanceof ApplicationFailure) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The failure type (the error's class name, src/temporal/stage-failure.ts), when there is one. */
function failureType(err: unknown): string | undefined {
  const e = innermost(err);
  if (e instanceof ApplicationFailure) return e.type ?? undefined;
  return e instanceof Error ? e.name : undefined;
}

/** A markdown table for the Temporal UI's "current details" of the run. */
function showDetails(pipeline: string, states: ReadonlyMap<string, StageState>): void {
  const rows = [...states.values()].map((s) => {
    const arts = (s.artifacts ?? []).map((a) => `${a.name} \`${a.sha256.slice(0, 12)}\``).join(', ');
    const status =
      s.status === 'cached' && s.producedByRun !== undefined ? `cached (run ${s.producedByRun})` : s.status;
    return `| ${s.name} | ${s.kind} | ${status} | ${s.cacheKey ? `\`${s.cacheKey.slice(0, 12)}\`` : ''} | ${s.summary ?? s.error ?? ''} | ${arts} |`;
  });
  setCurrentDetails(
    [
      `**pipeline ${pipeline}**`,
      '',
      '| stage | kind | status | cache key | summary | artifacts |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}
