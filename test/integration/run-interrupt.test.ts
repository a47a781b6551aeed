/**
 * Ctrl-C during `tinyops run` (its in-process worker serving the run): a clean message that
 * names the open workflow and how to finish it, exit code 130, no "internal error" and no stack.
 */
import * as path from 'node:path';
import { repoRoot, spawnCli, type CliResult } from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

jest.setTimeout(300_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');

describe('tinyops run interrupted by SIGINT', () => {
  const t = useTemporalHome('tinyops-interrupt-');

  it('stops with exit code 130 and says how to finish the run', async () => {
    const store = path.join(t.home, 'store');
    const child = spawnCli(['run', pipeline, '--store', store, '--set', 'stages.data.with.perKeyword=60'], t.env);
    const out: CliResult = await new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The run has started its workflow and a stage is running: now the user presses Ctrl-C.
        if (!sent && /\[data\] synth-kws\s+running/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toMatch(/\[data\] synth-kws\s+running/); // the signal landed mid-run
    expect(out.code).toBe(130);
    expect(out.stderr).toMatch(/interrupted \(SIGINT\).*workflow pipeline\/tiny-kws\/\S+ stays open/);
    expect(out.stderr).toMatch(/tinyops worker --queue tinyops-\S+/);
    expect(out.stderr).not.toMatch(/internal error|PromiseCompletionTimeoutError|\n\s+at /);
  });
});
