import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDevServer } from '../../src/temporal/dev-server';

/** A free TCP port on loopback (the OS picks; released before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestTemporal {
  readonly address: string;
  readonly dir: string;
  /** Kill the server (SIGKILL: a crash, not a shutdown) and start it again on the same ports and SQLite file. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Temporal dev server (the same `temporal server start-dev` tinyops embeds) on free
 * loopback ports with its own SQLite file, for one test file.
 */
export async function startTestTemporal(): Promise<TestTemporal> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-temporal-'));
  const port = await freePort();
  // The UI's port: free and not the frontend's.
  const freeUiPort = async (): Promise<number> => {
    let p = await freePort();
    while (p === port) p = await freePort();
    return p;
  };
  let uiPort = await freeUiPort();
  let info = await ensureDevServer({ dir, port, uiPort, attached: true, startTimeoutMs: 90_000 });
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Waits until the process is gone: on a loaded machine a SIGTERMed server went on writing
  // into `dir` for more than a fixed 300 ms, and removing it failed (ENOTEMPTY).
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const pid = info.pid;
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    for (let waited = 0; alive(pid) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
  };
  return {
    address: info.address,
    dir,
    async restart(downMs = 2000) {
      await kill('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      // A port picked free stays free only until something binds it: while the server was down, an
      // outgoing connection's local port or another test file's server can take one of its ports (CI
      // once: "listen tcp 127.0.0.1:<ui port>: bind: address already in use"). The clients only use the
      // frontend port, so the UI gets a fresh one; the frontend port must stay, so a taken one is retried.
      for (let attempt = 1; ; attempt++) {
        uiPort = await freeUiPort();
        try {
          info = await ensureDevServer({ dir, port, uiPort, attached: true, startTimeoutMs: 90_000 });
          return;
        } catch (e) {
          if (attempt >= 5 || !/address already in use/.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    },
    async stop() {
      await kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** What most CLI integration tests share: a Temporal server, a scratch home, and the CLI env for both. */
export interface TemporalHome {
  readonly temporal: TestTemporal;
  /** A fresh temp directory for stores, state and fixtures; removed after the file's tests. */
  readonly home: string;
  /** Environment for `runCli`: this server, state under `<home>/state`. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Register beforeAll/afterAll that start a test Temporal server and a temp home for one test
 * file; read the fields inside tests (they are set once beforeAll has run).
 */
export function useTemporalHome(prefix: string): TemporalHome {
  const h = {} as { temporal: TestTemporal; home: string; env: Record<string, string> };
  beforeAll(async () => {
    h.temporal = await startTestTemporal();
    h.home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    h.env = { TEMPORAL_ADDRESS: h.temporal.address, TINYOPS_HOME: path.join(h.home, 'state') };
  });
  afterAll(async () => {
    await h.temporal?.stop();
    if (h.home) fs.rmSync(h.home, { recursive: true, force: true });
  });
  return h;
}
