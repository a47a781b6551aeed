import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type winston from 'winston';
import { ConfigError, InterruptedError } from '../../errors';
import { stateDir } from '../../project';
import type { ArtifactStore } from '../../store/artifact-store';
import { openStore } from '../../store/open-store';
import { connectTemporal, ensureSearchAttributes, resolveTemporal } from '../../temporal/connect';
import { stageTaskQueues } from '../../temporal/queues';
import { createWorkers, DEFAULT_TASK_QUEUE, runWorkersUntil } from '../../temporal/worker';
import { progressQuery } from '../../../workflows/messages';
import { pipelineWorkflow } from '../../../workflows/pipeline';
import { pipelineWorkflowId, type PipelineResult, type PipelineWorkflowInput } from '../../../workflows/types';
import { ProgressView, type LiveProgress } from '../progress-view';
import { toJsonSummary } from '../run-summary';
import { preparePipelineRun } from './prepare-run';

export interface RunOptions {
  readonly set: readonly string[];
  readonly json: boolean;
  readonly store?: string;
  /** Task queue; default: the run's own queue with the in-process worker, else DEFAULT_TASK_QUEUE. */
  readonly queue?: string;
  /** Start an in-process worker (default true). */
  readonly worker: boolean;
  readonly projectDir: string;
  readonly heartbeatTimeoutSec?: number;
  /** Route stage activities to the cpu / train / arm queues by kind (src/temporal/queues.ts). */
  readonly queuesByKind?: boolean;
}

/** `<utc yyyymmdd-hhmmss>-<6 hex>`: sortable, unique, readable in the Temporal UI. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** `tinyops run FILE`: validate, start the workflow, run a worker, render progress. */
export async function runCommand(file: string, opts: RunOptions, log: winston.Logger): Promise<number> {
  const state = stateDir(opts.projectDir);
  const { pipeline, storeSpec, configHash } = preparePipelineRun(file, opts.set, opts.store, opts.projectDir);

  const target = await resolveTemporal(state);
  if (target.startedServer)
    log.info(
      `started embedded Temporal dev server at ${target.address} (UI ${target.uiUrl}, data ${path.join(state, 'temporal')})`,
    );
  const connection = await connectTemporal(target);
  try {
    const searchAttributes = await ensureSearchAttributes(connection, target.namespace);
    const client = new Client({ connection, namespace: target.namespace });
    const runId = newRunId();
    const workflowId = pipelineWorkflowId(pipeline.name, runId);
    // The in-process worker gets a queue of its own, so a concurrent run (possibly of other
    // tinyops code) never executes this run's tasks; shared queues are opt-in via --queue.
    const queue = opts.queue ?? (opts.worker ? `${DEFAULT_TASK_QUEUE}-${runId}` : DEFAULT_TASK_QUEUE);
    const stageQueues = stageTaskQueues(pipeline, opts.queuesByKind ?? false);
    const input: PipelineWorkflowInput = {
      runId,
      pipeline,
      store: storeSpec,
      configHash,
      searchAttributes,
      heartbeatTimeoutSec: opts.heartbeatTimeoutSec,
      ...(Object.keys(stageQueues).length > 0 && { stageQueues }),
    };

    // The in-process worker serves the run's queue and every stage queue the run routes to.
    let workers: Worker[] = [];
    if (opts.worker) {
      const queues = [queue, ...new Set(Object.values(stageQueues))].filter((q, i, all) => all.indexOf(q) === i);
      workers = await createWorkers({
        address: target.address,
        namespace: target.namespace,
        taskQueues: queues,
        projectDir: opts.projectDir,
        stateDir: state,
        // Ctrl-C: running stages get 10 s to notice the cancellation, then the process leaves
        // (the workflow stays open on the server: untilDoneOrInterrupted says how to finish it).
        shutdownForceMs: 10_000,
      });
    } else if (Object.keys(stageQueues).length > 0) {
      log.info(
        `  stage queues: ${Object.entries(stageQueues)
          .map(([st, q]) => `${st} → ${q}`)
          .join(', ')}`,
      );
    }
    const handle = await client.workflow.start(pipelineWorkflow, {
      taskQueue: queue,
      workflowId,
      args: [input],
      staticSummary: `tinyops ${pipeline.name} · run ${runId}`,
      staticDetails: `Pipeline \`${pipeline.source}\`, ${pipeline.stages.length} stages: ${pipeline.stages.map((s) => `${s.name} (${s.kind})`).join(' → ')}. Config sha256 \`${configHash.slice(0, 16)}\`, store \`${storeSpec}\`.`,
    });
    log.info(`run ${runId}: workflow ${workflowId}`);
    if (target.uiUrl)
      log.info(`  ${target.uiUrl}/namespaces/${target.namespace}/workflows/${encodeURIComponent(workflowId)}`);
    if (!opts.worker) log.info(`  no in-process worker: waiting for a worker on task queue "${queue}"`);

    const view = new ProgressView(process.stderr);
    const watch = watchProgress(client, handle, view);
    // Stop watching before the worker shuts down: a query needs a live worker to answer.
    const finish = async (): Promise<PipelineResult> => {
      try {
        return await resultOf(handle);
      } finally {
        await watch.stop();
      }
    };
    const result = await untilDoneOrInterrupted(runWorkersUntil(workers, finish()), workflowId, queue);
    view.update({ runId, pipeline: pipeline.name, stages: Object.values(result.stages), done: true }, new Map());

    for (const [name, s] of Object.entries(result.stages)) {
      if (s.status === 'failed') log.error(`stage ${name} failed: ${s.error ?? 'unknown error'}`);
    }
    const ran = Object.values(result.stages).filter((s) => s.status === 'ran').length;
    const cached = Object.values(result.stages).filter((s) => s.status === 'cached').length;
    log.info(
      `run ${runId} ${result.status}: ${ran} ran, ${cached} cached${result.runRecord ? `; record ${result.runRecord}` : ''}`,
    );
    if (result.promotion !== undefined) {
      const p = result.promotion;
      log.info(
        `promotion: ${p.promoted ? `run ${result.run} is the new champion of ${pipeline.name}` : `not promoted; the champion stays ${p.previousChampion ?? '(none)'}`}`,
      );
      for (const line of p.outcomes) log.info(`  ${line}`);
    }
    await exportReports(result, openStore(storeSpec, opts.projectDir), path.join(state, 'reports'), log);
    if (opts.json) process.stdout.write(JSON.stringify(toJsonSummary(result)) + '\n');
    return result.status === 'completed' ? 0 : 1;
  } finally {
    await connection.close();
  }
}

/**
 * The in-process worker's runtime stops the worker on SIGINT / SIGTERM, after which its
 * `runUntil` rejects with a timeout error (the workflow never finished). That is the user's
 * Ctrl-C, not a bug: say what happened to the run and how to finish it, without a stack.
 */
async function untilDoneOrInterrupted<T>(running: Promise<T>, workflowId: string, queue: string): Promise<T> {
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    signal ??= s;
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    return await running;
  } catch (e) {
    if (signal === undefined) throw e;
    throw new InterruptedError(
      `interrupted (${signal}): this process's worker stopped; workflow ${workflowId} stays open on the Temporal ` +
        `server. Run the same command again (stages that finished are cache hits), or let this run finish with ` +
        `\`tinyops worker --queue ${queue}\`.`,
    );
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function resultOf(handle: WorkflowHandle<typeof pipelineWorkflow>): Promise<PipelineResult> {
  try {
    return await handle.result();
  } catch (e) {
    if (e instanceof WorkflowFailedError)
      throw new ConfigError(`workflow ${handle.workflowId} failed: ${e.cause?.message ?? e.message}`);
    throw e;
  }
}

/** Poll the progress query and pending activities' heartbeats until stopped. */
function watchProgress(
  client: Client,
  handle: WorkflowHandle<typeof pipelineWorkflow>,
  view: ProgressView,
): { stop(): Promise<void> } {
  let stopped = false;
  const interval = process.stderr.isTTY ? 250 : 1000;
  const poll = async (): Promise<void> => {
    const progress = await handle.query(progressQuery);
    // Stage activities run inside the stage executions (workflows/stage.ts): child workflows,
    // or another run's execution this run waits for. Their heartbeats carry the progress.
    const running = progress.stages.filter((s) => s.status === 'running' && s.executionId !== undefined);
    const descs = await Promise.all(
      running.map((s) =>
        client.workflow
          .getHandle(s.executionId!)
          .describe()
          .catch(() => undefined),
      ),
    );
    const live = new Map<string, LiveProgress>();
    running.forEach((s, i) => {
      for (const pa of descs[i]?.raw.pendingActivities ?? []) {
        const payload = pa.heartbeatDetails?.payloads?.[0];
        if (!payload) continue;
        const d = defaultPayloadConverter.fromPayload<{
          stage?: string;
          progress?: LiveProgress['progress'];
          attempt?: number;
        }>(payload);
        if (d?.progress) live.set(s.name, { progress: d.progress, attempt: pa.attempt ?? d.attempt });
      }
    });
    view.update(progress, live);
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await poll();
      } catch {
        /* the workflow may not have run its first task yet */
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * HTML artifacts (the report) are content-addressed objects without an extension, which a
 * browser would show as text: copy each to `<state>/reports/<run>-<stage>.html` and say where.
 */
async function exportReports(
  result: PipelineResult,
  store: ArtifactStore,
  dir: string,
  log: winston.Logger,
): Promise<void> {
  for (const [stage, s] of Object.entries(result.stages)) {
    for (const a of s.artifacts ?? []) {
      if (a.mediaType !== 'text/html') continue;
      const file = path.join(dir, `${result.run}-${stage}.html`);
      fs.mkdirSync(dir, { recursive: true });
      await store.getToFile(a.sha256, file);
      log.info(`${stage}: ${a.name} at ${file}`);
    }
  }
  const digest = result.promotion?.comparison?.sha256;
  if (digest !== undefined) {
    const file = path.join(dir, `${result.run}-vs-champion.html`);
    fs.mkdirSync(dir, { recursive: true });
    await store.getToFile(digest, file);
    log.info(`promotion: challenger vs champion at ${file}`);
  }
}
