import { execFileSync } from 'node:child_process';
import { PartTimer } from '../../../src/util/part-timer';

/**
 * Busy until this process has used `ms` more of user CPU time (however loaded the machine is) and
 * `ms` of wall time have passed: process CPU counts every thread (GC, the jest worker's own), so
 * CPU alone can reach `ms` before the wall clock does (seen in CI: 0.16 s wall for 0.3 s CPU).
 */
function spin(ms: number): void {
  const start = process.cpuUsage();
  const t0 = performance.now();
  let x = 0;
  while (process.cpuUsage(start).user < ms * 1000 || performance.now() - t0 < ms) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

describe('PartTimer', () => {
  it('counts the CPU of this process and of the child processes it waited for, per part', () => {
    const t = new PartTimer();
    spin(300);
    t.lap('self');
    // A child that burns CPU for 0.3 s of its own CPU time (its user time, not wall time).
    execFileSync(process.execPath, [
      '-e',
      'const s=process.cpuUsage();let x=0;while((process.cpuUsage(s).user)<300000)x+=Math.sqrt(x+1);',
    ]);
    t.lap('child');
    const [self, child] = t.list();
    expect(self).toMatchObject({ part: 'self' });
    expect(self!.wallSec).toBeGreaterThanOrEqual(0.29);
    expect(self!.cpuSec).toBeGreaterThanOrEqual(0.29);
    expect(self!.cpuSec).toBeLessThan(5);
    expect(child!.cpuSec).toBeGreaterThanOrEqual(0.29); // the child's own 0.3 s, from /proc/self/stat
    expect(t.summary()).toMatch(/^self \d+\.\d s wall \/ \d+\.\d s CPU, child /);
  });
});
