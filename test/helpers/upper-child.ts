import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LongLivedChild, type ChildCommand } from '../../src/synth/engines/long-lived-child';

/**
 * A long-lived child for testing long-lived-child.ts without an engine: a real Node process
 * with a line protocol of its own, `<id> <word>` in, `<id> <WORD>` out; `die` prints to stderr
 * and exits 3, `hang` prints to stderr and never answers, `noise` prints to stderr and answers.
 * With IGNORE_EOF=1 in its environment it outlives the end of its stdin.
 */
const CHILD = `
const rl = require('readline').createInterface({ input: process.stdin });
rl.on('line', (l) => {
  const [id, w] = l.split(' ');
  if (w === 'die') { process.stderr.write('model.bin: checksum mismatch\\n'); process.exit(3); }
  if (w === 'hang') { process.stderr.write('stuck in a loop\\n'); return; }
  if (w === 'noise') process.stderr.write('a warning\\n');
  process.stdout.write(id + ' ' + w.toUpperCase() + '\\n');
});
rl.on('close', () => { if (!process.env.IGNORE_EOF) process.exit(0); });
if (process.env.IGNORE_EOF) setInterval(() => undefined, 1000);
`;

export class Upper extends LongLivedChild<string> {
  starts = 0;
  constructor(
    timeoutMs = 5000,
    private readonly cmd = process.execPath,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    super({ label: 'upper server', timeoutMs, startTimeoutMs: timeoutMs * 2 });
  }
  protected command(): ChildCommand {
    this.starts++;
    return { command: this.cmd, args: ['-e', CHILD], env: this.env, tool: `upper (${this.cmd})` };
  }
  protected attach(child: ChildProcessWithoutNullStreams): void {
    child.stderr.setEncoding('utf8').on('data', (d: string) => this.noteStderr(d));
    createInterface({ input: child.stdout }).on('line', (l) => {
      const [id, w] = l.split(' ');
      this.answer(Number(id), w!);
    });
  }
  say(word: string): Promise<string> {
    return this.serialized(() => this.exchange((id) => `${id} ${word}\n`, `"${word}"`));
  }
}
