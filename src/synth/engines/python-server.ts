import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tinyopsCacheDir } from './cache-dir';
import { LongLivedChild, type ChildCommand } from './long-lived-child';
import { engineSourceFile } from './source-file';

/**
 * One long-lived Python render server per neural engine (src/synth/engines/tts_server.py):
 * the model loads once, then requests go as JSON lines over stdin/stdout. Started lazily
 * on the first request, one request at a time (the model uses the cores itself), each with
 * a timeout after which the server is killed (the next request starts a fresh one), and
 * killed when this process exits (long-lived-child.ts: the lifecycle).
 */

/** The script, read from the source tree. */
export const TTS_SERVER_SCRIPT = engineSourceFile('tts_server.py');

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

export class PythonRenderServer extends LongLivedChild<ServerAnswer> {
  constructor(
    readonly engine: string,
    /** Per request; the first request also waits for the model to load. */
    timeoutMs = 60_000,
    startTimeoutMs = 120_000,
    /** onnxruntime threads: 1 lets engines run side by side; Kokoro, the slowest, gets 2. */
    private readonly threads = 1,
    /** The server script, run as `python SCRIPT ENGINE` (espeak_server.py for espeak-ng and MBROLA). */
    private readonly script = TTS_SERVER_SCRIPT,
  ) {
    super({ label: `${engine} render server`, timeoutMs, startTimeoutMs });
  }

  protected command(): ChildCommand {
    const python = ttsPython();
    return {
      command: python,
      args: [this.script, this.engine],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        TINYOPS_TTS_THREADS: process.env.TINYOPS_TTS_THREADS ?? String(this.threads),
      },
      tool: `${this.engine} (Python TTS venv ${python})`,
    };
  }

  protected attach(child: ChildProcessWithoutNullStreams): void {
    child.stderr.setEncoding('utf8').on('data', (d: string) => this.noteStderr(d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let a: ServerAnswer | null;
      try {
        a = JSON.parse(line) as ServerAnswer | null;
      } catch {
        return; // a library printing to stdout; answers are whole JSON lines
      }
      if (typeof a?.id === 'number') this.answer(a.id, a);
    });
  }

  /** Send one request; resolves with the answer, rejects on `ok: false`, timeout or exit. */
  request(body: Record<string, unknown>): Promise<ServerAnswer> {
    return this.serialized(async () => {
      const answer = await this.exchange(
        (id) => JSON.stringify({ ...body, id }) + '\n',
        JSON.stringify(body).slice(0, 200),
      );
      if (!answer.ok) throw new Error(`${this.engine}: ${answer.error ?? 'render failed'}`);
      return answer;
    });
  }
}
