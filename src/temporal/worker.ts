import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  DefaultLogger,
  Worker,
  type LogLevel,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createActivityEnv } from '../../activities/activity-env';

export const DEFAULT_TASK_QUEUE = 'tinyops';

let runtimeInstalled = false;
/**
 * Route the SDK's own logs through a level filter so the CLI output stays readable.
 * A stage failing on a user mistake (a non-retryable TinyopsError failure, see
 * src/temporal/stage-failure.ts) is reported by the CLI with its clean message, so the SDK's
 * "Activity failed" line with a stack is dropped for those; every
 * other warning is printed as one line (its metadata only with TINYOPS_LOG_LEVEL=debug).
 */
export function installRuntime(level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  const verbose = process.env.TINYOPS_LOG_LEVEL === 'debug';
  Runtime.install({
    logger: new DefaultLogger(verbose ? 'DEBUG' : level, ({ level: l, message, meta }) => {
      const error = meta?.error as { type?: string; message?: string; nonRetryable?: boolean } | undefined;
      if (!verbose && error?.nonRetryable === true) return;
      const detail = verbose && meta ? ` ${JSON.stringify(meta)}` : error?.message ? `: ${error.message}` : '';
      process.stderr.write(`temporal ${l.toLowerCase()}: ${message}${detail}\n`);
    }),
    // The native core prints its own logs straight to stdout unless forwarded; under load its
    // "Workflow task duration exceeded 5 seconds" warning landed in front of `run --json`'s
    // JSON object. Forwarded, it goes through the logger above to stderr like every other line.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
  runtimeInstalled = true;
}

/**
 * The workflow bundle (webpack, several seconds) is cached by a digest of the compiled
 * workflow sources, so a second `tinyops run` starts its worker in well under a second.
 */
async function workflowBundle(stateDir: string): Promise<{ code: string }> {
  const workflowsDir = path.resolve(__dirname, '..', '..', 'workflows');
  const h = createHash('sha256');
  const addTree = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) addTree(p);
      else if (name.endsWith('.js')) h.update(p).update(fs.readFileSync(p));
    }
  };
  addTree(workflowsDir);
  // Workflow code may import only workflows/ and these pure modules (docs/architecture.md#workflows-and-activities).
  for (const f of ['search-attributes.js']) h.update(fs.readFileSync(path.join(__dirname, f)));
  h.update(require('@temporalio/workflow/package.json').version as string);
  const file = path.join(stateDir, 'cache', `workflow-bundle-${h.digest('hex').slice(0, 16)}.js`);
  if (fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(workflowsDir),
    logger: new DefaultLogger('WARN'),
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, file);
  return { code };
}

export interface WorkerOptions {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly projectDir: string;
  readonly stateDir: string;
  /** Concurrent stage activities; default 2 (one per core on the reference machine). */
  readonly maxConcurrentActivities?: number;
  /**
   * After a shutdown signal, how long to wait for running stage activities to confirm their
   * cancellation before the worker stops anyway (milliseconds). Unset: wait for them (a
   * standalone worker lets its activities end cleanly). `tinyops run` sets it: a stage in a long
   * stretch between progress reports would otherwise keep Ctrl-C waiting for minutes.
   */
  readonly shutdownForceMs?: number;
}

/** A worker that runs pipeline workflows and every stage activity. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  return createWorkerOn(connection, opts);
}

/**
 * Workers for several task queues in one process (Temporal polls one queue per Worker), on
 * one connection and one activity environment. Run them together: `Promise.all(w.run())`,
 * or `runWorkersUntil`.
 */
export async function createWorkers(
  opts: Omit<WorkerOptions, 'taskQueue'> & { readonly taskQueues: readonly string[] },
): Promise<Worker[]> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  return Promise.all(opts.taskQueues.map((taskQueue) => createWorkerOn(connection, { ...opts, taskQueue })));
}

/** Run `workers` until `promise` settles, then shut them all down; resolves/rejects like `promise`. */
export async function runWorkersUntil<T>(workers: readonly Worker[], promise: Promise<T>): Promise<T> {
  const [first, ...rest] = workers;
  if (first === undefined) return promise;
  if (rest.length === 0) return first.runUntil(promise);
  // Nest runUntil so every worker runs while `promise` is pending and all shut down after.
  return rest.reduce<Promise<T>>((inner, w) => w.runUntil(inner), first.runUntil(promise));
}

async function createWorkerOn(connection: NativeConnection, opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(opts.stateDir),
    activities: createActivities(createActivityEnv(opts.projectDir, opts.stateDir)),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 2,
    ...(opts.shutdownForceMs !== undefined ? { shutdownForceTime: opts.shutdownForceMs } : {}),
    // Heartbeats carry the progress the CLI shows; the SDK's default throttle (0.8 ×
    // heartbeat timeout) would leave the progress bar tens of seconds behind.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
}
