import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** First line of `cmd args`' output, or "not installed". Cached per process. */
const cache = new Map<string, Promise<string>>();
export function toolVersion(cmd: string, args: readonly string[] = ['--version']): Promise<string> {
  const key = [cmd, ...args].join(' ');
  let v = cache.get(key);
  if (!v) {
    v = run(cmd, [...args], { timeout: 10_000 })
      .then(({ stdout, stderr }) => (stdout || stderr).split('\n')[0]?.trim() || 'unknown')
      .catch(() => 'not installed');
    cache.set(key, v);
  }
  return v;
}
