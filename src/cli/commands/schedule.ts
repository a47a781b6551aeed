import type winston from 'winston';
import { Client, ScheduleNotFoundError, type ScheduleSummary } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { ConfigError } from '../../errors';
import { stateDir } from '../../project';
import { DURATION_PATTERN } from '../../spec/pipeline-schema';
import { connectTemporal, ensureSearchAttributes, resolveTemporal } from '../../temporal/connect';
import { stageTaskQueues } from '../../temporal/queues';
import { DEFAULT_TASK_QUEUE } from '../../temporal/worker';
import { pipelineWorkflow } from '../../../workflows/pipeline';
import { pipelineWorkflowId, type PipelineWorkflowInput } from '../../../workflows/types';
import { preparePipelineRun } from './prepare-run';

/**
 * `tinyops schedule …`: scheduled retraining on Temporal Schedules (docs/operations.md#schedules).
 *
 * A schedule starts the pipeline workflow with the pipeline as resolved at `create` (file +
 * `--set`), on a shared task queue that standalone workers serve (`tinyops worker`).
 * Each scheduled run looks its stages up in the cache like any run: a stage whose inputs did
 * not change is a cache hit, and an `import-audio` folder that changed (its fingerprint is
 * part of the key) re-runs the import and whatever depends on it. Editing the pipeline file
 * needs `schedule create` again (with the same id it replaces the old schedule).
 * Scheduled runs carry Temporal's `TemporalScheduledById` search attribute: the UI links
 * each run to its schedule.
 */

export interface ScheduleCreateOptions {
  readonly set: readonly string[];
  readonly cron?: string;
  readonly every?: string;
  readonly id?: string;
  readonly store?: string;
  readonly queue?: string;
  readonly paused: boolean;
  readonly queuesByKind: boolean;
  readonly projectDir: string;
}

async function withClient<T>(
  projectDir: string,
  fn: (client: Client, searchAttributes: boolean) => Promise<T>,
): Promise<T> {
  const target = await resolveTemporal(stateDir(projectDir));
  const connection = await connectTemporal(target);
  try {
    const searchAttributes = await ensureSearchAttributes(connection, target.namespace);
    return await fn(new Client({ connection, namespace: target.namespace }), searchAttributes);
  } finally {
    await connection.close();
  }
}

/** Temporal's "not found" as a user-level message. */
async function existing<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError)
      throw new ConfigError(`schedule "${id}" not found (tinyops schedule list shows the schedules)`);
    throw e;
  }
}

export async function scheduleCreate(file: string, opts: ScheduleCreateOptions, log: winston.Logger): Promise<number> {
  const { pipeline, storeSpec, configHash } = preparePipelineRun(file, opts.set, opts.store, opts.projectDir);
  const cron = opts.cron ?? (opts.every === undefined ? pipeline.schedule?.cron : undefined);
  const every = opts.every ?? (opts.cron === undefined ? pipeline.schedule?.every : undefined);
  if (cron === undefined && every === undefined) {
    throw new ConfigError(`schedule create: ${file} has no "schedule:" and neither --cron nor --every was given`);
  }
  if (cron !== undefined && every !== undefined)
    throw new ConfigError('schedule create: give --cron or --every, not both');
  if (every !== undefined && !DURATION_PATTERN.test(every))
    throw new ConfigError(`schedule create: --every "${every}": expected an interval like "30m", "6h" or "1d"`);
  const id = opts.id ?? `tinyops-${pipeline.name}`;
  const queue = opts.queue ?? DEFAULT_TASK_QUEUE;
  const stageQueues = stageTaskQueues(pipeline, opts.queuesByKind);
  return withClient(opts.projectDir, async (client, searchAttributes) => {
    const input: PipelineWorkflowInput = {
      pipeline,
      store: storeSpec,
      configHash,
      searchAttributes,
      ...(Object.keys(stageQueues).length > 0 && { stageQueues }),
    };
    // Same id again = replace (a changed pipeline file or spec).
    await client.schedule
      .getHandle(id)
      .delete()
      .catch((e: unknown) => {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      });
    await client.schedule.create({
      scheduleId: id,
      spec: cron !== undefined ? { cronExpressions: [cron] } : { intervals: [{ every: every as Duration }] },
      action: {
        type: 'startWorkflow',
        workflowType: pipelineWorkflow,
        args: [input],
        taskQueue: queue,
        // Temporal appends the start time: pipeline/<name>/sched-<id>-<time> (runIdOf).
        workflowId: pipelineWorkflowId(pipeline.name, `sched-${id}`),
        staticSummary: `tinyops ${pipeline.name} · schedule ${id}`,
      },
      // One retraining at a time; a run still going when the next is due delays it.
      policies: { overlap: 'BUFFER_ONE' },
      state: { paused: opts.paused, note: `tinyops schedule create ${file}` },
      memo: { pipeline: pipeline.name, source: pipeline.source, configHash, store: storeSpec },
    });
    log.info(
      `schedule ${id}: ${cron !== undefined ? `cron "${cron}"` : `every ${every}`}, pipeline ${pipeline.name} (${file}), store ${storeSpec}, task queue "${queue}"${opts.paused ? ', paused' : ''}`,
    );
    log.info(
      `  runs need a worker on "${queue}"${Object.keys(stageQueues).length ? ` and ${[...new Set(Object.values(stageQueues))].join(', ')}` : ''}: tinyops worker --queue ${[queue, ...new Set(Object.values(stageQueues))].join(',')}`,
    );
    process.stdout.write(`${id}\n`);
    return 0;
  });
}

function specText(s: Pick<ScheduleSummary, 'spec'>): string {
  const cron = s.spec?.calendars?.length ? 'calendar' : undefined;
  const every = s.spec?.intervals?.map((i) => `every ${Math.round(Number(i.every) / 1000)} s`).join(', ');
  return every || cron || '';
}

export async function scheduleList(projectDir: string, json: boolean): Promise<number> {
  return withClient(projectDir, async (client) => {
    const rows: Array<Record<string, unknown>> = [];
    for await (const s of client.schedule.list()) {
      if (!s.scheduleId.startsWith('tinyops-') && s.memo?.pipeline === undefined) continue;
      rows.push({
        id: s.scheduleId,
        pipeline: s.memo?.pipeline ?? null,
        spec: specText(s),
        paused: s.state.paused,
        next: s.info.nextActionTimes[0]?.toISOString() ?? null,
        lastRun: s.info.recentActions.at(-1)?.action.workflow.workflowId ?? null,
      });
    }
    rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    if (json) process.stdout.write(JSON.stringify(rows) + '\n');
    else if (rows.length === 0) process.stdout.write('no tinyops schedules\n');
    else
      for (const r of rows)
        process.stdout.write(
          `${r.id}\t${r.pipeline}\t${r.spec}\t${r.paused ? 'paused' : 'active'}\tnext ${r.next ?? '-'}\tlast ${r.lastRun ?? '-'}\n`,
        );
    return 0;
  });
}

export async function scheduleDescribe(id: string, projectDir: string): Promise<number> {
  return withClient(projectDir, async (client) => {
    const d = await existing(id, () => client.schedule.getHandle(id).describe());
    const recent = await Promise.all(
      d.info.recentActions.map(async (a) => {
        const wf = a.action.workflow.workflowId;
        const status = await client.workflow
          .getHandle(wf)
          .describe()
          .then(
            (x) => x.status.name,
            () => 'UNKNOWN',
          );
        return { workflowId: wf, takenAt: a.takenAt.toISOString(), status };
      }),
    );
    const out = {
      id: d.scheduleId,
      pipeline: d.memo?.pipeline ?? null,
      source: d.memo?.source ?? null,
      store: d.memo?.store ?? null,
      spec: {
        cron: d.spec.calendars?.length ? 'calendar (cron)' : undefined,
        intervalsSec: d.spec.intervals?.map((i) => Number(i.every) / 1000),
      },
      paused: d.state.paused,
      note: d.state.note ?? null,
      taskQueue: d.action.type === 'startWorkflow' ? d.action.taskQueue : null,
      actionsTaken: d.info.numActionsTaken,
      nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
      recentRuns: recent,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  });
}

export type ScheduleAction = 'pause' | 'unpause' | 'trigger' | 'delete';

export async function scheduleAct(
  action: ScheduleAction,
  id: string,
  projectDir: string,
  note: string | undefined,
  log: winston.Logger,
): Promise<number> {
  return withClient(projectDir, async (client) => {
    const h = client.schedule.getHandle(id);
    await existing(id, async () => {
      if (action === 'pause') await h.pause(note ?? 'paused with tinyops schedule pause');
      else if (action === 'unpause') await h.unpause(note ?? 'unpaused with tinyops schedule unpause');
      else if (action === 'trigger') await h.trigger('ALLOW_ALL');
      else await h.delete();
    });
    const done: Record<ScheduleAction, string> = {
      pause: 'paused',
      unpause: 'unpaused',
      trigger: 'triggered a run now',
      delete: 'deleted',
    };
    log.info(`schedule ${id}: ${done[action]}`);
    return 0;
  });
}
