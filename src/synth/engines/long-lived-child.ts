import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ToolMissingError } from '../../errors';
import { SETUP_HINT } from './run-process';

/**
 * The lifecycle of a long-lived helper process that renders many requests, whatever its
 * protocol: the Python render and fork servers (python-server.ts) and the Festival workers
 * (festival-worker.ts) extend it and add only how a request is written and how an answer is
 * recognised.
 *
 * - Started lazily by the first request (a missing command is a ToolMissingError naming the
 *   engine and scripts/setup.sh); concurrent first requests share one start.
 * - One request at a time (`serialized`): each engine decides how many processes it runs.
 * - Each request has a timeout (a longer one when it starts the process, e.g. a model load)
 *   after which the process is killed; the next request starts a fresh one.
 * - The last 2,000 characters of the process's stderr (what the subclass passes to
 *   `noteStderr`) go into the messages of a timeout and of an exit, which name the process.
 * - Processes are unref'd (an idle one does not keep Node alive; a pending request's timer
 *   does), killed when this process exits, and expected to exit by themselves at the end of
 *   their stdin when this process dies without running the hook.
 */

/** How to start the process. */
export interface ChildCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** What a ToolMissingError names when the command is not there (ENOENT). */
  readonly tool: string;
}

export interface LongLivedChildOptions {
  /** Names the process in error messages: `festival`, `kokoro render server`. */
  readonly label: string;
  /** Per request, once the process runs. */
  readonly timeoutMs: number;
  /** For the request that starts the process (default: timeoutMs). */
  readonly startTimeoutMs?: number;
}

interface Pending<A> {
  resolve(a: A): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** How much of the stderr tail an error message quotes. */
const TAIL_IN_MESSAGE = 800;
/** How long an exit's message waits for the rest of the process's stderr. */
const EXIT_GRACE_MS = 500;

const live = new Set<LongLivedChild<unknown>>();
process.once('exit', () => {
  for (const c of live) c.kill();
});

/**
 * The helper processes of every kind running now in this thread, with their labels (tests:
 * what a stage's cleanup left behind; engines' own `pids()` cover one engine each).
 */
export function liveChildren(): Array<{ label: string; pid: number }> {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [{ label: c.label, pid: c.pid }]));
}

export abstract class LongLivedChild<A> {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly pending = new Map<number, Pending<A>>();
  private nextId = 1;
  /** Serializes requests: one in flight per process. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The end of the running process's stderr (subclasses reset it where their protocol says). */
  protected stderrTail = '';

  protected constructor(private readonly options: LongLivedChildOptions) {}

  /** The command to start, resolved at each start (the environment may have changed). */
  protected abstract command(): Promise<ChildCommand> | ChildCommand;

  /**
   * Wire the protocol to a process that has just spawned: read its output, call `answer` for
   * each answer and `noteStderr` with stderr text; write any prelude to its stdin.
   */
  protected abstract attach(child: ChildProcessWithoutNullStreams): void;

  /** Names the process in error messages (`festival`, `kokoro render server`). */
  get label(): string {
    return this.options.label;
  }

  /** The process id while one runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Keep the last 2,000 characters of stderr for error messages. */
  protected noteStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-2000);
  }

  /** `: <tail>` for an error message, or nothing when stderr said nothing. */
  private tailForMessage(): string {
    const t = this.stderrTail.trim().slice(-TAIL_IN_MESSAGE);
    return t === '' ? '' : `: ${t}`;
  }

  /** Settle request `id` (ignored if it timed out or is unknown). */
  protected answer(id: number, outcome: A | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private async start(): Promise<ChildProcessWithoutNullStreams> {
    const { command, args, env, tool } = await this.command();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    await new Promise<void>((resolve, reject) => {
      // Stays attached: an error after the spawn (a failed kill) must not be an uncaught exception.
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' ? new ToolMissingError(tool, SETUP_HINT) : e);
      });
      child.once('spawn', resolve);
    });
    this.stderrTail = '';
    child.on('exit', (code, signal) => {
      if (this.child !== child) return; // killed: its requests were settled then
      this.child = undefined;
      live.delete(this);
      const waiting = [...this.pending.keys()];
      let reported = false;
      const report = (): void => {
        if (reported) return;
        reported = true;
        const err = new Error(`${this.options.label} exited (${signal ?? `code ${code}`})${this.tailForMessage()}`);
        for (const id of waiting) this.answer(id, err);
      };
      // Its last words may still be in the stderr pipe: wait (briefly) for the pipe's end.
      if (child.stderr.readableEnded || waiting.length === 0) return report();
      const grace = setTimeout(report, EXIT_GRACE_MS);
      child.stderr.once('close', () => {
        clearTimeout(grace);
        report();
      });
    });
    child.stdin.on('error', () => undefined); // a dead process's stdin: the exit handler reports it
    this.attach(child);
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void }>) s.unref?.();
    this.child = child;
    live.add(this);
    return child;
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }

  private ensure(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Run `task` after every earlier one has settled (one request in flight per process). */
  protected serialized<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Start the process if none runs, write `line(id)` to its stdin and wait for `answer(id, …)`.
   * `what` names the request in a timeout's message.
   */
  protected async exchange(line: (id: number) => string, what: string): Promise<A> {
    const fresh = !this.child;
    const child = await this.ensure();
    const id = this.nextId++;
    const timeoutMs = fresh ? (this.options.startTimeoutMs ?? this.options.timeoutMs) : this.options.timeoutMs;
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.options.label}: no answer in ${timeoutMs} ms to ${what}${this.tailForMessage()}`));
        this.kill(); // hung: the next request starts a fresh process
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.stdin.write(line(id));
    });
  }

  /** Kill the process (SIGKILL) if one runs; requests still waiting on it reject. */
  kill(): void {
    const c = this.child;
    this.child = undefined;
    live.delete(this);
    if (!c) return;
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    this.failPending(new Error(`${this.options.label} was killed${this.tailForMessage()}`));
  }
}
