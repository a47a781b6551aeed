import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeExtent } from '../../src/audio/activity';
import { dbfs } from '../../src/audio/mix';
import { resample } from '../../src/audio/resample';
import { decodeWav } from '../../src/audio/wav';
import { closePythonServers } from '../../src/synth/engines/neural';
import { ENGINES } from '../../src/synth/engines/registry';
import { ENGINE_IDS, type EngineId, type VariationRanges } from '../../src/synth/engines/types';
import { Prng } from '../../src/util/prng';

/**
 * TTS engine throughput and a whisper-free sanity check (on demand:
 * `node dist/test/bench/tts-engines.bench.js [renders per engine] [engine …]`): per engine,
 * renders of the ten keywords by its voices in turn, one at a time, no render cache, after
 * one warm-up render (Python servers load their model then). Prints one JSON line per
 * engine: voices, renders/s (one render in flight), and median active-speech duration and
 * RMS level after resampling to 16 kHz.
 */
const WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const RANGES: VariationRanges = {
  rate: [0.85, 1.2],
  pitch: [0.9, 1.12],
  phonemeVariation: 0.25,
  espeakPitch: [30, 70],
  espeakSpeed: [130, 200],
};

const median = (x: number[]): number => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const ids = (process.argv.length > 3 ? process.argv.slice(3) : [...ENGINE_IDS]) as EngineId[];
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-'));
  try {
    for (const id of ids) {
      const e = ENGINES[id];
      const { NOT_IN_ALL } = await import('../../src/synth/voice-sources');
      const voices = (await e.voices()).filter((v) => !(NOT_IN_ALL[id] ?? []).includes(v));
      const out = join(dir, `${id}.wav`);
      await e.renderToFile(
        { engine: id, voice: voices[0]!, text: 'warm', params: e.vary(Prng.derive('bench-warm', id), RANGES) },
        out,
      );
      const durs: number[] = [];
      const levels: number[] = [];
      let silent = 0;
      let failed = 0;
      const t0 = process.hrtime.bigint();
      let ms = 0;
      for (let i = 0; i < n; i++) {
        const req = {
          engine: id,
          voice: voices[i % voices.length]!,
          text: WORDS[i % WORDS.length]!,
          params: e.vary(Prng.derive('bench', id, i), RANGES),
        };
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
