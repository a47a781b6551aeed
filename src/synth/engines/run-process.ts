import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ToolMissingError } from '../../errors';

/** What every TTS engine error says to do about a missing tool. */
export const SETUP_HINT = 'run: bash scripts/setup.sh';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

export interface RunOptions {
  /** Kill the process (SIGKILL) after this long and reject. */
  readonly timeoutMs: number;
  /** Written to stdin, then stdin is closed. */
  readonly input?: string;
  /** Named in ToolMissingError (default: the command). */
  readonly engine?: string;
}

/**
 * Run a command to completion with a timeout. ENOENT becomes ToolMissingError naming the
 * engine and `bash scripts/setup.sh`; a timeout kills the process and rejects, so a hung
 * synthesizer cannot stall a stage.
 */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    // env passed explicitly so the PATH lookup follows this module's view of process.env.
    const child = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new ToolMissingError(opts.engine ? `${opts.engine} (${cmd})` : cmd, SETUP_HINT) : e);
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined); // the process may exit before reading
      child.stdin!.end(opts.input);
    }
  });
}

/** Throw unless the process exited 0; `what` names the call in the message. */
export function checkExit(r: ProcessResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
  return r.stdout;
}

/**
 * Version of an installed Debian package (`dpkg-query`), for engines whose CLI has no
 * version flag; a package that is not installed is a ToolMissingError naming the engine.
 */
export async function debianPackageVersion(engine: string, pkg: string): Promise<string> {
  const r = await runProcess('dpkg-query', ['-W', '-f=${Status}|${Version}', pkg], { timeoutMs: 10_000, engine });
  const [status, version] = r.stdout.split('|');
  if (r.code !== 0 || !status?.includes('install ok installed') || !version) {
    throw new ToolMissingError(`${engine} (Debian package ${pkg})`, SETUP_HINT);
  }
  return `${pkg} ${version}`;
}

/**
 * Throw the ToolMissingError that spawning `cmd` would (ENOENT), if no executable `cmd` is on
 * PATH: for engines that render in a server process but whose command defines "installed".
 */
export function requireOnPath(cmd: string, engine?: string): void {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d === '') continue;
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return;
    } catch {
      // not in this directory
    }
  }
  throw new ToolMissingError(engine ? `${engine} (${cmd})` : cmd, SETUP_HINT);
}
