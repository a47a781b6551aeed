import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TtsRequest } from '../../../src/synth/engines/types';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { planClips } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';

/**
 * How many distinct TTS renders the clips of one pipeline's synth-kws stage need that another
 * pipeline's do not (what a render cache warm from the second lacks), by engine: the clip plans
 * replayed from both files' data config and seed with planClips, nothing synthesised. Streams and
 * the babble pool are not counted (neither depends on perKeyword).
 *
 *   node dist/test/bench/kws-volume/new-renders.js <pipeline.yaml> <cached-pipeline.yaml>
 */

const fileSchema = z.object({
  seed: z.number(),
  stages: z.record(z.string(), z.object({ kind: z.string(), with: z.unknown().optional() })),
});

async function renders(file: string): Promise<Map<string, string>> {
  const spec = fileSchema.parse(parseYaml(fs.readFileSync(file, 'utf8')));
  const stage = Object.entries(spec.stages).find(([, s]) => s.kind === 'synth-kws');
  if (!stage) throw new Error(`${file} has no synth-kws stage`);
  const config = synthKwsConfigSchema.parse(stage[1].with ?? {});
  const out = new Map<string, string>();
  const add = (r: TtsRequest) => out.set(JSON.stringify([r.engine, r.voice, r.text, r.params]), r.engine);
  for (const p of planClips(config, rngForSeed(spec.seed, stage[0]), await resolveVoices(config))) {
    if (p.kind !== 'speech') continue;
    add(p.request);
    if (p.streamStyle?.neighbour) add(p.streamStyle.neighbour.request);
  }
  return out;
}

async function main(): Promise<void> {
  const [file, cachedFile] = process.argv.slice(2);
  if (file === undefined || cachedFile === undefined)
    throw new Error('usage: new-renders.js <pipeline.yaml> <cached-pipeline.yaml>');
  const want = await renders(file);
  const have = await renders(cachedFile);
  const byEngine = new Map<string, [number, number]>();
  for (const [key, engine] of want) {
    const v = byEngine.get(engine) ?? [0, 0];
    byEngine.set(engine, [v[0] + (have.has(key) ? 0 : 1), v[1] + 1]);
  }
  const total = [...byEngine.values()].reduce((a, [n, t]) => [a[0] + n, a[1] + t], [0, 0]);
  process.stdout.write(
    JSON.stringify(
      {
        pipeline: file,
        cached: cachedFile,
        newRenders: total[0],
        renders: total[1],
        cachedRunRenders: have.size,
        byEngine: Object.fromEntries([...byEngine].sort().map(([e, [n, t]]) => [e, { new: n, of: t }])),
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
