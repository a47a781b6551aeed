import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closePythonServers } from '../../../src/synth/engines/neural';
import { ENGINES } from '../../../src/synth/engines/registry';
import { ENGINE_IDS, type EngineId } from '../../../src/synth/engines/types';
import { engineBenchRequests } from '../engine-bench-requests';

/**
 * The cold cost of each TTS engine in CPU seconds per rendered word (on demand:
 * `node dist/test/bench/synth-speed/engine-cpu.bench.js [renders] [engine …]`; Linux only,
 * it reads /proc). Renders the ten keywords by the engine's voices in turn (engine-bench-requests.ts), one at a time,
 * no render cache, after one warm-up render (a Python server loads its model then; that
 * start-up is reported apart). CPU = this process + every child, reaped (CLI engines: the
 * process's cutime/cstime) or alive (a Python server: its utime/stime), so the number
 * does not depend on the machine's load the way wall seconds do. One JSON line per engine.
 */
const TICK = 100; // USER_HZ: /proc times are in clock ticks of 1/100 s on Linux

/** utime, stime, cutime, cstime of /proc/<pid>/stat, seconds (0 if the process is gone). */
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

/** This process and its reaped children, plus every live child (and its reaped children). */
function treeCpu(): number {
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

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10);
  const ids = (process.argv.length > 3 ? process.argv.slice(3) : [...ENGINE_IDS]) as EngineId[];
  const dir = mkdtempSync(join(tmpdir(), 'engine-cpu-'));
  try {
    for (const id of ids) {
      const e = ENGINES[id];
      const { warmUp, request } = await engineBenchRequests(id);
      const out = join(dir, `${id}.wav`);
      const c0 = treeCpu();
      await e.renderToFile(warmUp, out);
      const c1 = treeCpu();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        await e.renderToFile(request(i), out);
      }
      const c2 = treeCpu();
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(
        JSON.stringify({
          engine: id,
          renders: n,
          cpuSecPerRender: Number(((c2 - c1) / n).toFixed(3)),
          wallSecPerRender: Number((wall / n).toFixed(3)),
          firstRenderCpuSec: Number((c1 - c0).toFixed(2)),
        }),
      );
    }
  } finally {
    closePythonServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  closePythonServers();
  process.exit(1);
});
