import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * The lock that makes starting the embedded dev server exclusive
 * (docs/architecture.md#components-embedded-and-scaled-out): `start.lock` beside its SQLite
 * file. Two `tinyops run` started at the same moment both find no server; without the lock both
 * run `temporal server start-dev` on the same SQLite file and one dies ("database is locked",
 * "SaveClusterMetadata encountered version mismatch"). With it, one starts the server and the
 * others wait until it listens, then use it.
 *
 * - Taken atomically with its content (written to a file of its own, then hard-linked to the
 *   lock's name, which fails if the lock exists): a reader never sees a half-written lock.
 * - It names its holder (pid) and, once spawned, the server's pid. It is stale when neither
 *   runs any more (a tinyops killed while starting; its server gone too) or when it is older
 *   than STALE_AFTER_MS (a pid reused by another program); a stale lock is broken and taking
 *   it is tried again. A holder whose server still runs keeps the lock: the others wait for
 *   that server rather than starting a second one on the same file.
 * - Released (removed) by its holder when the server listens or its start failed, only if the
 *   lock is still the holder's own (a unique token).
 */

/** No start of the dev server takes this long: an older lock is stale whoever it names. */
export const STALE_AFTER_MS = 10 * 60_000;
const POLL_MS = 200;

const lockSchema = z.object({
  pid: z.number().int().positive(),
  serverPid: z.number().int().positive().optional(),
  token: z.string(),
  at: z.string(),
});
type LockContent = z.infer<typeof lockSchema>;

/** A lock this process holds. */
export interface StartLock {
  /** Record the pid of the server the holder spawned (so a waiter does not take the lock while it starts). */
  noteServer(pid: number | undefined): void;
  /** Remove the lock if it is still this holder's. */
  release(): void;
}

export interface AcquireOptions {
  /** True once the server listens: a waiter then stops waiting (the other process started it). */
  readonly serverUp: () => Promise<boolean>;
  /** Give up waiting for another holder after this long. */
  readonly timeoutMs: number;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // runs, as another user
  }
}

/** The lock's content, `null` when there is no lock, `undefined` when it cannot be read as one. */
function readLock(file: string): LockContent | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return lockSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function isStale(file: string, content: LockContent | undefined, now: number): boolean {
  const age = now - (content ? Date.parse(content.at) : (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? now));
  if (!(age < STALE_AFTER_MS)) return true;
  if (!content) return false; // unreadable but recent: not ours to judge yet (it never is half-written)
  return !isRunning(content.pid) && (content.serverPid === undefined || !isRunning(content.serverPid));
}

/** Write `content` to a file of its own beside `file` and return its path. */
function writeBeside(file: string, content: LockContent): string {
  const tmp = `${file}.${content.token}`;
  fs.writeFileSync(tmp, JSON.stringify(content) + '\n', { flag: 'wx' });
  return tmp;
}

/**
 * Break a stale lock without breaking a fresh one taken meanwhile: move it aside (atomic), and
 * if what was moved is not the lock judged stale, put it back (link: never over a newer lock).
 */
function breakStale(file: string, judged: LockContent | undefined): void {
  const aside = `${file}.stale-${randomUUID()}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke it
    throw e;
  }
  const moved = readLock(aside);
  if (judged !== undefined && moved?.token !== judged.token) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* a newer lock is there already */
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Take the start lock `file`, or return 'up' when the server came up while waiting for another
 * holder. A ConfigError names the lock and its holder when that holder does not finish in time.
 */
export async function acquireStartLock(file: string, o: AcquireOptions): Promise<StartLock | 'up'> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + o.timeoutMs;
  const token = randomUUID();
  for (;;) {
    const mine: LockContent = { pid: process.pid, token, at: new Date().toISOString() };
    const tmp = writeBeside(file, mine);
    try {
      fs.linkSync(tmp, file);
      return held(file, mine);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    if (await o.serverUp()) return 'up';
    const holder = readLock(file);
    if (holder === null) continue; // released meanwhile
    if (isStale(file, holder, Date.now())) {
      breakStale(file, holder);
      continue;
    }
    if (Date.now() > deadline) {
      const who = holder ? `process ${holder.pid}${holder.serverPid ? `, server ${holder.serverPid}` : ''}` : 'unknown';
      throw new ConfigError(
        `the Temporal dev server is being started by another tinyops (${who}; lock ${file}) and did not come up within ${o.timeoutMs} ms; if no tinyops is starting it, delete the lock`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function held(file: string, mine: LockContent): StartLock {
  let content = mine;
  const stillMine = (): boolean => readLock(file)?.token === mine.token;
  return {
    noteServer(pid) {
      if (pid === undefined || !stillMine()) return;
      content = { ...content, serverPid: pid };
      // Replace the content atomically (a reader sees the old or the new lock).
      fs.renameSync(writeBeside(file, content), file);
    },
    release() {
      if (stillMine()) fs.rmSync(file, { force: true });
    },
  };
}
