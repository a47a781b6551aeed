import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeExtent } from '../../src/audio/activity';
import { dbfs } from '../../src/audio/mix';
import { resample } from '../../src/audio/resample';
import { decodeWav } from '../../src/audio/wav';
import { closePythonServers } from '../../src/synth/engines/neural';
import { ENGINES } from '../../src/synth/engines/registry';
import { ENGINE_IDS, type EngineId } from '../../src/synth/engines/types';
import { engineBenchRequests } from './engine-bench-requests';

/**
 * TTS engine throughput and a whisper-free sanity check (on demand:
 * `node dist/test/bench/tts-engines.bench.js [renders per engine] [engine …]`): per engine,
 * renders of the ten keywords by its voices in turn (engine-bench-requests.ts), one at a time, no render cache, after
 * one warm-up render (Python servers load their model then). Prints one JSON line per
 * engine: voices, renders/s (one render in flight), and median active-speech duration and
 * RMS level after resampling to 16 kHz.
 */
const median = (x: number[]): number => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const ids = (process.argv.length > 3 ? process.argv.slice(3) : [...ENGINE_IDS]) as EngineId[];
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-'));
  try {
    for (const id of ids) {
      const e = ENGINES[id];
      const { voices, warmUp, request } = await engineBenchRequests(id);
      const out = join(dir, `${id}.wav`);
      await e.renderToFile(warmUp, out);
      const durs: number[] = [];
      const levels: number[] = [];
      let silent = 0;
      let failed = 0;
      const t0 = process.hrtime.bigint();
      let ms = 0;
      for (let i = 0; i < n; i++) {
        const req = request(i);
        const t = process.hrtime.bigint();
        try {
          await e.renderToFile(req, out);
        } catch {
          failed++;
          continue;
        } finally {
          ms += Number(process.hrtime.bigint() - t) / 1e6;
        }
        const wav = decodeWav(readFileSync(out), out);
        const x = resample(wav.samples, wav.sampleRate, 16000);
        const ext = activeExtent(x);
        if (!ext) {
          silent++;
          continue;
        }
        durs.push((ext.end - ext.start) / 16000);
        levels.push(dbfs(x.subarray(ext.start, ext.end)));
      }
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(
        JSON.stringify({
          engine: id,
          voices: voices.length,
          renders: n,
          rendersPerSec: Number((n / (ms / 1000)).toFixed(2)),
          wallSec: Number(wall.toFixed(1)),
          medianActiveSec: Number(median(durs).toFixed(2)),
          medianRmsDbfs: Number(median(levels).toFixed(1)),
          silent,
          failed,
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
