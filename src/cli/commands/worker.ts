import type winston from 'winston';
import { stateDir } from '../../project';
import { resolveTemporal } from '../../temporal/connect';
import { createWorker } from '../../temporal/worker';

/** `tinyops worker --queue Q`: a standalone worker until SIGINT/SIGTERM (then a graceful drain). */
export async function workerCommand(queue: string, projectDir: string, log: winston.Logger): Promise<number> {
  const state = stateDir(projectDir);
  const target = await resolveTemporal(state);
  const worker = await createWorker({ address: target.address, namespace: target.namespace, taskQueue: queue, projectDir, stateDir: state });
  log.info(`worker polling task queue "${queue}" at ${target.address} (namespace ${target.namespace}); Ctrl-C to stop`);
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  log.info('worker stopped');
  return 0;
}
