import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/cli';

/**
 * "A pipeline cannot run arbitrary commands" (issue #15): every external tool is started
 * with an argument vector (execFile / spawn without a shell), so no value from a pipeline
 * file — a voice name, a path, a board — is ever parsed by a shell. This test keeps it so.
 */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|py)$/.test(name)) out.push(p);
  }
  return out;
}

describe('no shell between a pipeline file and a process', () => {
  const files = ['src', 'activities', 'workflows'].flatMap((d) => sources(join(repoRoot, d)));
  it.each(files.map((f) => [f.slice(repoRoot.length + 1), f]))('%s starts processes without a shell', (_rel, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\bshell\s*:\s*true/);
    expect(text).not.toMatch(
      /\b(execSync|exec)\s*\(\s*[`'"A-Za-z]/.source === ''
        ? /$^/
        : /child_process['"]\)?\.exec\(|\bcp\.exec\(|import \{[^}]*\bexec\b[^}]*\} from ['"](node:)?child_process['"]/,
    );
    expect(text).not.toMatch(/shell\s*=\s*True|os\.system\(|subprocess\.(call|run|Popen)\([^)]*shell\s*=\s*True/);
  });
});
