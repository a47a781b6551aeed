import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds of this process and of every child it has started (Linux: /proc), for the engine
 * benches (synth-speed/engine-cpu.bench.ts, engine-cpu/requests.ts): a number that does not
 * depend on the machine's load the way wall seconds do.
 */
const TICK = 100; // USER_HZ: /proc times are in clock ticks of 1/100 s on Linux

/** utime + stime (+ cutime + cstime) of /proc/<pid>/stat in seconds (0 if the process is gone). */
function procCpu(pid: number | 'self', withChildren: boolean): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name "(…)": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const t = (i: number): number => Number(f[i - 3]);
  return (t(14) + t(15) + (withChildren ? t(16) + t(17) : 0)) / TICK;
}

/**
 * This process and its reaped children (a CLI engine's process per word), plus every live child
 * and its reaped children (a render server and the children it forked).
 */
export function treeCpu(): number {
  let total = procCpu('self', true);
  for (const tid of readdirSync('/proc/self/task')) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const k of kids.split(' ').filter(Boolean)) total += procCpu(Number(k), true);
  }
  return total;
}
