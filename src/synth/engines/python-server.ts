import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ToolMissingError } from '../../errors';
import { tinyopsCacheDir } from './cache-dir';
import { SETUP_HINT } from './run-process';

/**
 * One long-lived Python render server per neural engine (src/synth/engines/tts_server.py):
 * the model loads once, then requests go as JSON lines over stdin/stdout. Started lazily
 * on the first request, one request at a time (the model uses the cores itself), each with
 * a timeout after which the server is killed (the next request starts a fresh one), and
 * killed when this process exits.
 */

/** The script, read from the source tree (dist/src/synth/engines → src/synth/engines). */
export const TTS_SERVER_SCRIPT = join(__dirname, '..', '..', '..', '..', 'src', 'synth', 'engines', 'tts_server.py');

/** Python of the TTS venv that scripts/setup.sh creates ($TINYOPS_TTS_PYTHON overrides). */
export function ttsPython(): string {
  return process.env.TINYOPS_TTS_PYTHON || join(tinyopsCacheDir(), 'tts-venv', 'bin', 'python');
}

/** What the server answers; `ok: false` carries `error`. */
export interface ServerAnswer {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly version?: string;
  readonly voices?: string[];
  readonly sampleRate?: number;
  readonly vocab?: string;
  /** espeak_server.py: the forked child's exit code and output. */
  readonly code?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

interface Pending {
  resolve(a: ServerAnswer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const live = new Set<PythonRenderServer>();
process.once('exit', () => {
  for (const s of live) s.kill();
});

export class PythonRenderServer {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Serializes requests: one render in flight per server. */
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';

  constructor(
    readonly engine: string,
    /** Per request; the first request also waits for the model to load. */
    private readonly timeoutMs = 60_000,
    private readonly startTimeoutMs = 120_000,
    /** onnxruntime threads: 1 lets engines run side by side; Kokoro, the slowest, gets 2. */
    private readonly threads = 1,
    /** The server script, run as `python SCRIPT ENGINE` (espeak_server.py for espeak-ng and MBROLA). */
    private readonly script = TTS_SERVER_SCRIPT,
  ) {}

  /** The server's process id while it runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async start(): Promise<ChildProcessWithoutNullStreams> {
    const python = ttsPython();
    await access(python).catch(() => {
      throw new ToolMissingError(`${this.engine} (Python TTS venv ${python})`, SETUP_HINT);
    });
    const child = spawn(python, [this.script, this.engine], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        TINYOPS_TTS_THREADS: process.env.TINYOPS_TTS_THREADS ?? String(this.threads),
      },
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderrTail = (this.stderrTail + d).slice(-2000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let a: ServerAnswer;
      try {
        a = JSON.parse(line) as ServerAnswer;
      } catch {
        return; // a library printing to stdout; answers are whole JSON lines
      }
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      clearTimeout(p.timer);
      p.resolve(a);
    });
    child.on('exit', (code) => {
      if (this.child === child) this.child = undefined;
      live.delete(this);
      const err = new Error(
        `${this.engine} render server exited (code ${code}): ${this.stderrTail.trim().slice(-800)}`,
      );
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(err);
        this.pending.delete(id);
      }
    });
    child.stdin.on('error', () => undefined);
    // An idle server must not keep Node alive; a pending request's timer does.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void }>) s.unref?.();
    this.child = child;
    live.add(this);
    return child;
  }

  private ensure(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Send one request; resolves with the answer, rejects on `ok: false`, timeout or exit. */
  request(body: Record<string, unknown>): Promise<ServerAnswer> {
    const run = async (): Promise<ServerAnswer> => {
      const fresh = !this.child;
      const child = await this.ensure();
      const id = this.nextId++;
      const timeoutMs = fresh ? this.startTimeoutMs : this.timeoutMs;
      const answer = await new Promise<ServerAnswer>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new Error(
              `${this.engine} render server: no answer in ${timeoutMs} ms to ${JSON.stringify(body).slice(0, 200)}`,
            ),
          );
          this.kill(); // a hung model: the next request starts a fresh server
        }, timeoutMs);
        this.pending.set(id, { resolve, reject, timer });
        child.stdin.write(JSON.stringify({ ...body, id }) + '\n');
      });
      if (!answer.ok) throw new Error(`${this.engine}: ${answer.error ?? 'render failed'}`);
      return answer;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  kill(): void {
    const c = this.child;
    this.child = undefined;
    live.delete(this);
    if (c && c.exitCode === null) c.kill('SIGKILL');
  }
}
