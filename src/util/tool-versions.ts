import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { installDir } from '../project';

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

/** Version of an installed npm package (`..` = tinyops itself), or "not installed". */
export function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(installDir, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'not installed';
  }
}

/**
 * tfjs-node and the libtensorflow it was built against (scripts/setup.sh links
 * deps/lib/libtensorflow.so into the versioned cache dir), without loading TensorFlow.
 */
export function tfjsVersions(): { 'tfjs-node': string; libtensorflow: string } {
  let libtensorflow = 'not installed';
  try {
    const target = fs.realpathSync(
      path.join(installDir, 'node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so'),
    );
    libtensorflow = /libtensorflow-([\d.]+)/.exec(target)?.[1] ?? target;
  } catch {
    /* not built */
  }
  return { 'tfjs-node': packageVersion('@tensorflow/tfjs-node'), libtensorflow };
}
