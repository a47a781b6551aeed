import type { Limiter } from '../limit';
import { ChildPool } from './child-pool';
import { PythonRenderServer } from './python-server';
import { requireOnPath, type ProcessResult } from './run-process';

/**
 * The TypeScript side of the fork servers (fork_server.py: the engine's library loaded once,
 * one forked child per request): two servers per engine, one per core like the two process
 * slots of the commands they replace (espeak-ng, RHVoice-test). A request goes to an idle one
 * and answers as the command would have: its exit code, stdout and stderr.
 */
export interface ForkServersOptions {
  /** The engine, as the servers' error messages name it and the script takes it. */
  readonly engine: string;
  /** The server script (espeak_server.py, rhvoice_server.py). */
  readonly script: string;
  /** Per request, the first included (the library loads in well under a second). */
  readonly timeoutMs: number;
  /**
   * The command whose presence defines "installed": missing from PATH, a request is the
   * ToolMissingError that running the command would have been.
   */
  readonly command: string;
  /** The engine's process slots, shared with its command path (both count against the cores). */
  readonly slots: Limiter;
}

export class ForkServers {
  private readonly pool: ChildPool<PythonRenderServer>;

  constructor(private readonly o: ForkServersOptions) {
    this.pool = new ChildPool(2, () => new PythonRenderServer(o.engine, o.timeoutMs, o.timeoutMs, 1, o.script));
  }

  /** Run one request on an idle server; the answer carries the forked child's exit code and output. */
  request(body: Record<string, unknown>): Promise<ProcessResult> {
    return this.o.slots(() =>
      this.pool.use(async (server) => {
        requireOnPath(this.o.command, this.o.command === this.o.engine ? undefined : this.o.engine);
        const a = await server.request(body);
        return { code: a.code ?? null, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
      }),
    );
  }

  /** Process ids of the running servers (tests). */
  pids(): number[] {
    return this.pool.pids();
  }

  /** Stop the servers (tests, engine close); the next request starts them again. */
  close(): void {
    this.pool.close();
  }
}
