import { execFile } from 'node:child_process';
import { ToolMissingError, ToolTimeoutError } from '../errors';

export interface ToolResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const HINTS: Record<string, string> = {
  'arm-none-eabi-gcc': 'install Debian gcc-arm-none-eabi and libnewlib-arm-none-eabi',
  'arm-none-eabi-size': 'install Debian binutils-arm-none-eabi',
  'arm-none-eabi-nm': 'install Debian binutils-arm-none-eabi',
  'qemu-system-arm': 'install Debian qemu-system-arm',
  gcc: 'install the host C compiler (Debian gcc), needed to build the QEMU plugin',
};

/**
 * Time limit of a tool call when the caller gives none. Compiling one firmware image (the
 * largest single call here) takes 1–3 s on the 2-core reference machine; 2 minutes leaves
 * room for a loaded machine while a hung child is still noticed long before the stage's
 * 12-hour start-to-close limit. Callers with work proportional to a size pass their own.
 */
export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;

export interface ExecToolOptions {
  readonly cwd?: string;
  /** Kill the child (SIGKILL) after this long. Default DEFAULT_TOOL_TIMEOUT_MS; there is no "no limit". */
  readonly timeoutMs?: number;
  /**
   * `throw` (default): a timeout rejects with ToolTimeoutError (retryable). `report`: resolve
   * with `timedOut: true` so the caller can raise its own, more specific error.
   */
  readonly onTimeout?: 'throw' | 'report';
}

/**
 * Run a tool to completion without a shell and without throwing on a non-zero exit (callers
 * decide what an exit status means); a missing binary becomes ToolMissingError, a child that
 * outlives its time limit is killed (see ExecToolOptions).
 */
export function execTool(cmd: string, args: readonly string[], options: ExecToolOptions = {}): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`execTool ${cmd}: timeoutMs must be positive, got ${timeoutMs}`);
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { cwd: options.cwd, timeout: timeoutMs, maxBuffer: 256 << 20, encoding: 'utf8', killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new ToolMissingError(cmd, HINTS[cmd] ?? 'install it'));
          return;
        }
        const e = err as
          (NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null }) | null;
        const timedOut = e !== null && e.killed === true;
        if (timedOut && options.onTimeout !== 'report') {
          reject(new ToolTimeoutError(cmd, timeoutMs, args.slice(0, 3).join(' ')));
          return;
        }
        resolve({
          code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
          signal: e?.signal ?? null,
          stdout,
          stderr,
          timedOut,
        });
      },
    );
  });
}
