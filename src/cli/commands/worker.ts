import type winston from 'winston';
import { ConfigError } from '../../errors';
import { stateDir } from '../../project';
import { resolveTemporal } from '../../temporal/connect';
import { createWorkers } from '../../temporal/worker';

/**
 * `tinyops worker --queue a,b`: a standalone worker serving each named task queue (workflows
 * and stage activities on each) until SIGINT/SIGTERM, then a graceful drain. One process can
 * serve the run queue and a stage queue (`tinyops,cpu`); src/temporal/queues.ts says which
 * stage goes where.
 */
export async function workerCommand(
  queues: readonly string[],
  projectDir: string,
  log: winston.Logger,
): Promise<number> {
  if (queues.length === 0) throw new ConfigError('worker: --queue names no task queue');
  const state = stateDir(projectDir);
  const target = await resolveTemporal(state);
  const workers = await createWorkers({
    address: target.address,
    namespace: target.namespace,
    taskQueues: queues,
    projectDir,
    stateDir: state,
  });
  log.info(
    `worker polling task queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `"${q}"`).join(', ')} at ${target.address} (namespace ${target.namespace}); Ctrl-C to stop`,
  );
  await Promise.all(workers.map((w) => w.run())); // the SDK shuts down gracefully on SIGINT/SIGTERM
  log.info('worker stopped');
  return 0;
}
