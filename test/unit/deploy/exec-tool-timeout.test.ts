import { ToolTimeoutError } from '../../../src/errors';
import { execTool } from '../../../src/deploy/exec-tool';

/** Every child process has a time limit (issue #15): a hung tool is killed, not waited on for 12 hours. */
describe('execTool time limit', () => {
  it('kills a child that outlives its limit and rejects with a retryable ToolTimeoutError', async () => {
    const err = await execTool('sleep', ['30'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolTimeoutError);
    expect((err as ToolTimeoutError).retryable).toBe(true);
    expect((err as Error).message).toBe('sleep did not finish within 0.3 s (30); killed');
  });

  it('reports the timeout instead when the caller raises its own error', async () => {
    const r = await execTool('sleep', ['30'], { timeoutMs: 300, onTimeout: 'report' });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('lets a child that finishes in time exit normally', async () => {
    const r = await execTool('sh', ['-c', 'echo hi; exit 3']);
    expect(r).toMatchObject({ code: 3, stdout: 'hi\n', timedOut: false });
  });

  it('refuses "no limit"', () => {
    expect(() => execTool('true', [], { timeoutMs: 0 })).toThrow(RangeError);
  });
});
