import { execFile } from 'node:child_process';
import { ToolMissingError } from '../errors';

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
 * Run a tool to completion without a shell and without throwing on a non-zero exit (callers
 * decide what an exit status means); a missing binary becomes ToolMissingError.
 */
export function execTool(cmd: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { cwd: options.cwd, timeout: options.timeoutMs ?? 0, maxBuffer: 256 << 20, encoding: 'utf8', killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new ToolMissingError(cmd, HINTS[cmd] ?? 'install it'));
        return;
      }
      const e = err as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null }) | null;
      resolve({
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout,
        stderr,
        timedOut: e !== null && e.killed === true && options.timeoutMs !== undefined && options.timeoutMs > 0,
      });
    });
  });
}
