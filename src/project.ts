import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where tinyops keeps its local state: `<project>/.tinyops/` (store, Temporal SQLite file,
 * scratch space, tool links made by scripts/setup.sh). The project directory is the
 * nearest ancestor of the working directory holding a `pipelines/` folder or a
 * `.tinyops/` folder; TINYOPS_HOME overrides the state directory.
 */
export function findProjectDir(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.tinyops')) || fs.existsSync(path.join(dir, 'pipelines'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

export function stateDir(projectDir: string): string {
  return process.env.TINYOPS_HOME ? path.resolve(process.env.TINYOPS_HOME) : path.join(projectDir, '.tinyops');
}

/** The tinyops installation (repo root): two levels above dist/src/. */
export const installDir: string = path.resolve(__dirname, '..', '..');

/**
 * Locate a helper tool: the link scripts/setup.sh made in the install's `.tinyops/bin`,
 * else PATH. Returns undefined if not found.
 */
export function findTool(name: string): string | undefined {
  const linked = path.join(installDir, '.tinyops', 'bin', name);
  if (fs.existsSync(linked)) return linked;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}
