import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What the tests of the engines' long-lived processes share (espeak-ng and RHVoice fork
 * servers, Festival workers; test/unit/synth/*-server.test.ts, engines/festival-worker.test.ts):
 * a scratch folder, the byte comparison with the one-process-per-word command, and the checks
 * that no process outlives close() or the death of its parent.
 */

/** A temporary folder made before the file's tests and removed after them (`after` runs first). */
export function scratchDir(prefix: string, after?: () => unknown): { readonly path: string } {
  let path = '';
  beforeAll(() => {
    path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await after?.();
    rmSync(path, { recursive: true, force: true });
  });
  return {
    get path() {
      return path;
    },
  };
}

type Render<R> = (r: R, out: string) => Promise<void>;

/**
 * Render each request with the command (`ref-<i>.wav`) and the server (`server-<i>.wav`) in
 * `dir`, and expect the same bytes; the references stay for later tests.
 */
export async function expectServerBytesEqualCommand<R>(
  requests: readonly R[],
  dir: string,
  command: Render<R>,
  server: Render<R>,
): Promise<void> {
  for (const [i, r] of requests.entries()) {
    const ref = join(dir, `ref-${i}.wav`);
    const out = join(dir, `server-${i}.wav`);
    await command(r, ref);
    await server(r, out);
    expect({ i, same: readFileSync(out).equals(readFileSync(ref)) }).toEqual({ i, same: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait up to `ms` for process `pid` to be gone; true if it is. */
export async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms;) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * Run `script` in a fresh Node process (a fresh module instance, `env` as given) and return
 * what it printed, trimmed.
 */
export function printedByFreshNode(script: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 });
  return r.stdout.trim();
}

/**
 * Start `script` in a parent Node process that prints the comma-separated pids of the servers it
 * started and then idles; SIGKILL the parent (no exit hook runs) and report whether every server
 * went away by itself within `ms`.
 */
export async function orphansExit(script: string, ms = 10_000): Promise<{ pids: number[]; allGone: boolean }> {
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(String(d).trim().split(',').map(Number))),
  );
  parent.kill('SIGKILL');
  const gone = await Promise.all(pids.map((p) => waitGone(p, ms)));
  return { pids, allGone: gone.every(Boolean) };
}

/** After `busy()` (requests that start the servers), close() must leave no server process. */
export async function expectCloseEndsServers(
  busy: () => Promise<unknown>,
  pids: () => number[],
  close: () => unknown,
): Promise<void> {
  await busy();
  const running = pids();
  expect(running.length).toBeGreaterThan(0);
  await close();
  expect(pids()).toEqual([]);
  for (const pid of running) expect({ pid, gone: await waitGone(pid) }).toEqual({ pid, gone: true });
}

/**
 * A request that fails (`fail` rejects with `message`) leaves the servers usable: the next
 * render (`again`, of the first request of expectServerBytesEqualCommand) has the reference's
 * bytes and runs on a server that was already running.
 */
export async function expectFailureLeavesServersUsable(
  dir: string,
  fail: () => Promise<unknown>,
  message: RegExp,
  again: (out: string) => Promise<void>,
  pids: () => number[],
): Promise<void> {
  await expect(fail()).rejects.toThrow(message);
  const before = pids();
  await again(join(dir, 'after.wav'));
  expect(readFileSync(join(dir, 'after.wav')).equals(readFileSync(join(dir, 'ref-0.wav')))).toBe(true);
  expect(pids().filter((p) => before.includes(p)).length).toBeGreaterThan(0);
}
