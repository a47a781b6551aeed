import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { closePythonServers } from '../../../src/synth/engines/neural';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { generateKwsDataset } from '../../../src/synth/kws-dataset';
import { KwsPool, synthWorkerCount } from '../../../src/synth/kws-pool';
import { generateKwsStreams } from '../../../src/synth/kws-streams';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';

/**
 * The synth-kws data stage of pipelines/kws.yaml without the orchestrator, for profiling
 * (on demand: `node [--cpu-prof] dist/test/bench/synth-speed/data-stage.bench.js
 * [perKeyword] [streams] [tuningStreams]`). Generates the dataset and both stream sets into
 * a temporary directory with the pipeline's seed and stage name (so the renders are the
 * default run's, found in the render cache) and prints one JSON line: CPU and wall seconds
 * per part (this process, every thread; engine processes are not in it: run it under
 * /usr/bin/time for those), worker threads as the stage starts them ($TINYOPS_SYNTH_WORKERS), and a
 * sha256 over every output file's path and bytes (equal digests = equal artifacts).
 */

function cpuSec(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function digestDir(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else files.push(p);
    }
  };
  await walk(dir);
  files.sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(relative(dir, f))
      .update('\0')
      .update(await readFile(f))
      .update('\0');
  return h.digest('hex');
}

async function main(): Promise<void> {
  const [perKeyword = '60', streams = '6', tuning = '3'] = process.argv.slice(2);
  const spec = parse(await readFile('pipelines/kws.yaml', 'utf8')) as {
    seed: number;
    stages: { data: { with: Record<string, unknown> } };
  };
  const raw = spec.stages.data.with as {
    streams: Record<string, unknown> & { tuning: Record<string, unknown> };
  } & Record<string, unknown>;
  raw.perKeyword = Number(perKeyword);
  raw.streams = { ...raw.streams, count: Number(streams), tuning: { ...raw.streams.tuning, count: Number(tuning) } };
  const config = synthKwsConfigSchema.parse(raw);
  const workers = synthWorkerCount();
  const pool =
    workers > 0
      ? KwsPool.start(workers, { config, seed: spec.seed, stageName: 'data', voices: await resolveVoices(config) })
      : undefined;
  const rngFor = pool?.rngFor ?? rngForSeed(spec.seed, 'data');
  const out = await mkdtemp(join(tmpdir(), 'synth-speed-'));
  const parts: Record<string, { cpuSec: number; wallSec: number }> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const c0 = cpuSec();
    const w0 = Date.now();
    const r = await f();
    parts[name] = { cpuSec: +(cpuSec() - c0).toFixed(2), wallSec: +((Date.now() - w0) / 1000).toFixed(2) };
    return r;
  };
  try {
    const ds = await timed('dataset', () =>
      generateKwsDataset(config, join(out, 'dataset'), rngFor, undefined, pool ? { pool } : {}),
    );
    await timed('streams', () => generateKwsStreams(config, join(out, 'streams'), rngFor, undefined, 'scored', pool));
    await timed('tuning', () => generateKwsStreams(config, join(out, 'tuning'), rngFor, undefined, 'tuning', pool));
    const ru = process.resourceUsage();
    console.log(
      JSON.stringify({
        perKeyword: Number(perKeyword),
        workers,
        clips: ds.clips,
        renders: ds.renders,
        engineRenders: ds.engineRenders,
        parts,
        processCpuSec: +cpuSec().toFixed(2),
        maxRssMb: Math.round(ru.maxRSS / 1024),
        digests: {
          dataset: await digestDir(join(out, 'dataset')),
          streams: await digestDir(join(out, 'streams')),
          tuning: await digestDir(join(out, 'tuning')),
        },
      }),
    );
  } finally {
    await pool?.close();
    closePythonServers();
    await rm(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
