import * as net from 'node:net';
import { freePort } from './temporal-server';

/**
 * A TCP proxy on loopback in front of a real server, for fault injection: `cutOnFirst`
 * drops every connection (ECONNRESET mid-request) the first time a client sends a request
 * starting with a given prefix (e.g. "PUT " to an S3 server: an outage during an upload),
 * then refuses connections for `downMs` before forwarding again.
 */
export interface TcpProxy {
  readonly port: number;
  readonly endpoint: string;
  /** Times the proxy cut connections. */
  readonly cuts: number;
  cutOnFirst(prefix: string, downMs: number): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let trigger: { prefix: string; downMs: number } | undefined;
  let cuts = 0;
  let server: net.Server;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const forget = (): void => {
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('data', (chunk: Buffer) => {
          if (trigger && chunk.subarray(0, trigger.prefix.length).toString('latin1') === trigger.prefix) {
            const { downMs } = trigger;
            trigger = undefined;
            void outage(downMs);
            return;
          }
          upstream.write(chunk);
        });
        upstream.on('data', (chunk: Buffer) => client.write(chunk));
        client.on('close', () => {
          upstream.destroy();
          forget();
        });
        upstream.on('close', () => {
          client.destroy();
          forget();
        });
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });

  const outage = async (downMs: number): Promise<void> => {
    cuts++;
    await new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
    await new Promise((r) => setTimeout(r, downMs));
    await listen();
  };

  await listen();
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    get cuts() {
      return cuts;
    },
    cutOnFirst(prefix, downMs) {
      trigger = { prefix, downMs };
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
