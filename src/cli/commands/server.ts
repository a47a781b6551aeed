import * as path from 'node:path';
import type winston from 'winston';
import { ConfigError } from '../../errors';
import { isListening, stopDevServer } from '../../temporal/dev-server';
import { resolveTemporal } from '../../temporal/connect';

/** `tinyops server status|start|stop` for the embedded dev server under `.tinyops/temporal`. */
export async function serverCommand(action: string, state: string, log: winston.Logger): Promise<number> {
  const port = Number(process.env.TINYOPS_TEMPORAL_PORT ?? 7233);
  switch (action) {
    case 'status': {
      const up = await isListening('127.0.0.1', port);
      log.info(
        up
          ? `Temporal is listening on 127.0.0.1:${port} (UI http://127.0.0.1:${port + 1000})`
          : `no Temporal server on 127.0.0.1:${port}`,
      );
      return up ? 0 : 1;
    }
    case 'start': {
      const t = await resolveTemporal(state);
      log.info(`${t.startedServer ? 'started' : 'already running'}: ${t.address}${t.uiUrl ? ` (UI ${t.uiUrl})` : ''}`);
      return 0;
    }
    case 'stop':
      log.info(
        stopDevServer(path.join(state, 'temporal'))
          ? 'stopped the embedded Temporal dev server'
          : 'no embedded Temporal dev server recorded',
      );
      return 0;
    default:
      throw new ConfigError(`server: unknown action "${action}", expected status, start or stop`);
  }
}
