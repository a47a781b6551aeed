import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireStartLock, STALE_AFTER_MS } from '../../../src/temporal/start-lock';

/**
 * The dev server's start lock (src/temporal/start-lock.ts) without a server: one holder at a
 * time, a waiter stops waiting when the server is up, a stale lock is broken, a live holder's
 * lock is not, and a waiter that gives up names the lock and its holder.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-start-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const lockFile = () => path.join(dir, 'temporal', 'start.lock');
const never = () => Promise.resolve(false);
/** A pid that ran and is gone. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString());

describe('start lock', () => {
  it('one holder at a time: a second taker waits until the first releases it', async () => {
    const first = await acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 10_000 });
    expect(first).not.toBe('up');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    let second: Awaited<ReturnType<typeof acquireStartLock>> | undefined;
    const waiting = acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 10_000 }).then((l) => (second = l));
    await new Promise((r) => setTimeout(r, 600));
    expect(second).toBeUndefined();
    if (first !== 'up') first.release();
    await waiting;
    expect(second).not.toBe('up');
    if (second !== undefined && second !== 'up') second.release();
    expect(fs.readdirSync(path.dirname(lockFile()))).toEqual([]); // no lock, no temporary file left
  });

  it('a waiter returns "up" once the server listens (the holder started it)', async () => {
    const first = await acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 10_000 });
    let up = false;
    setTimeout(() => (up = true), 300);
    expect(await acquireStartLock(lockFile(), { serverUp: () => Promise.resolve(up), timeoutMs: 10_000 })).toBe('up');
    if (first !== 'up') first.release();
  });

  it('breaks a lock whose holder and server are gone, or that is too old; keeps one whose server runs', async () => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    const dead = deadPid();
    const write = (content: object) => fs.writeFileSync(lockFile(), JSON.stringify(content));
    write({ pid: dead, token: 'old', at: new Date().toISOString() });
    const a = await acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 5_000 });
    expect(a).not.toBe('up');
    if (a !== 'up') a.release();
    // A live pid (this process) in a lock older than STALE_AFTER_MS: a reused pid, stale.
    write({ pid: process.pid, token: 'old', at: new Date(Date.now() - STALE_AFTER_MS - 1000).toISOString() });
    const b = await acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 5_000 });
    if (b !== 'up') b.release();
    // The holder is gone but the server it spawned still runs (this process stands for it): wait.
    write({ pid: dead, serverPid: process.pid, token: 'srv', at: new Date().toISOString() });
    await expect(acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 500 })).rejects.toThrow(
      `the Temporal dev server is being started by another tinyops (process ${dead}, server ${process.pid}; lock ${lockFile()}) and did not come up within 500 ms; if no tinyops is starting it, delete the lock`,
    );
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ token: 'srv' });
  });

  it('noteServer records the server pid; release leaves a lock that is no longer its own', async () => {
    const a = await acquireStartLock(lockFile(), { serverUp: never, timeoutMs: 5_000 });
    if (a === 'up') throw new Error('unexpected');
    a.noteServer(12345);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, serverPid: 12345 });
    // Someone broke it and took it (say it looked stale): ours to release no more.
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, token: 'other', at: new Date().toISOString() }));
    a.release();
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ token: 'other' });
  });
});
