import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeEngineWorkers, ENGINES } from '../../../src/synth/engines/registry';
import { ENGINE_IDS, type EngineId } from '../../../src/synth/engines/types';
import { engineBenchRequests } from '../engine-bench-requests';
import { treeCpu } from '../tree-cpu';

/**
 * The cold cost of each TTS engine in CPU seconds per rendered word (on demand:
 * `node dist/test/bench/synth-speed/engine-cpu.bench.js [renders] [engine …]`; Linux only,
 * it reads /proc). Renders the ten keywords by the engine's voices in turn (engine-bench-requests.ts), one at a time,
 * no render cache, after one warm-up render (a Python server loads its model then; that
 * start-up is reported apart). CPU = this process + every child, reaped (CLI engines: the
 * process's cutime/cstime) or alive (a Python server: its utime/stime), so the number
 * does not depend on the machine's load the way wall seconds do. One JSON line per engine.
 */
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
    await closeEngineWorkers();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1); // the exit hook kills the engines' processes
});
