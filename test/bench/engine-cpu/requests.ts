import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageModules } from '../../../activities';
import { loadPipelineFile } from '../../../src/spec/load-pipeline';
import { closeEngineWorkers, engine } from '../../../src/synth/engines/registry';
import { renderWithText2wave } from '../../../src/synth/engines/festival';
import { requestKey } from '../../../src/synth/engines/render-cache';
import type { EngineId, TtsRequest } from '../../../src/synth/engines/types';
import type { SynthKwsConfig } from '../../../src/synth/kws-config';
import { planClips } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';
import { treeCpu } from '../tree-cpu';

/**
 * Per-engine CPU of the default plan's renders and a byte check between two ways of rendering
 * them (docs/results/2026-12-05-engine-cpu.md):
 *
 *   node dist/test/bench/engine-cpu/requests.js plan PIPELINE OUTDIR
 *     one JSONL per engine in OUTDIR: the distinct requests synth-kws plans for its clips
 *   node dist/test/bench/engine-cpu/requests.js render REQUESTS.jsonl N OUTDIR [REF_CACHE]
 *     renders N requests spread evenly over the file (engine.renderToFile, no render cache)
 *     into OUTDIR/<i>.wav, one at a time; prints the CPU seconds of this process and every
 *     child (reaped or alive) per render; with REF_CACHE (a render cache root, e.g.
 *     ~/.cache/tinyops/tts), counts the renders byte-identical to the ones cached there
 *   node dist/test/bench/engine-cpu/requests.js compare DIR_A DIR_B
 *     counts the files of DIR_A byte-identical to DIR_B's of the same name
 */
async function plan(file: string, outDir: string): Promise<void> {
  const p = loadPipelineFile(file, { modules: stageModules });
  const stage = p.stages.find((s) => s.name === 'data');
  if (!stage || stage.kind !== 'synth-kws') throw new Error(`${file}: no synth-kws stage named data`);
  const config = stage.config as SynthKwsConfig;
  const plans = planClips(config, rngForSeed(p.seed, 'data'), await resolveVoices(config));
  const byEngine = new Map<EngineId, Map<string, TtsRequest>>();
  for (const c of plans) {
    if (c.kind !== 'speech') continue;
    const m = byEngine.get(c.request.engine) ?? new Map<string, TtsRequest>();
    m.set(JSON.stringify(c.request), c.request);
    byEngine.set(c.request.engine, m);
  }
  mkdirSync(outDir, { recursive: true });
  for (const [id, m] of byEngine) {
    writeFileSync(join(outDir, `${id}.jsonl`), [...m.keys()].join('\n') + '\n');
    console.log(`${id}: ${m.size} distinct requests`);
  }
}

/** The render of `r` in the render cache rooted at `root` (render-cache.ts's layout), if there. */
function cachedRef(root: string, r: TtsRequest, version: string): Buffer | undefined {
  const sha = createHash('sha256').update(requestKey(r, version)).digest('hex');
  const path = join(root, r.engine, sha.slice(0, 2), `${sha}.wav`);
  return existsSync(path) ? readFileSync(path) : undefined;
}

async function render(file: string, n: number, outDir: string, refRoot?: string): Promise<void> {
  const all = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TtsRequest);
  const step = Math.max(1, all.length / n);
  const todo: TtsRequest[] = [];
  for (let i = 0; i < n && Math.floor(i * step) < all.length; i++) todo.push(all[Math.floor(i * step)]!);
  mkdirSync(outDir, { recursive: true });
  const e = engine(todo[0]!.engine);
  await e.version();
  const c0 = treeCpu();
  const t0 = process.hrtime.bigint();
  // ENGINE_CPU_TEXT2WAVE=1: festival through the former one-text2wave-per-word path.
  const renderOne =
    e.id === 'festival' && process.env.ENGINE_CPU_TEXT2WAVE === '1'
      ? renderWithText2wave
      : (r: TtsRequest, out: string): Promise<void> => e.renderToFile(r, out);
  for (const [i, r] of todo.entries()) await renderOne(r, join(outDir, `${String(i).padStart(4, '0')}.wav`));
  const cpu = treeCpu() - c0;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  await closeEngineWorkers();
  const cpuAll = treeCpu() - c0; // after the workers exited and were reaped
  if (refRoot) {
    const version = await e.version();
    let same = 0;
    let compared = 0;
    for (const [i, r] of todo.entries()) {
      const ref = cachedRef(refRoot, r, version);
      if (!ref) continue;
      compared++;
      if (ref.equals(readFileSync(join(outDir, `${String(i).padStart(4, '0')}.wav`)))) same++;
      else console.log(`differs from the render cache: #${i} ${JSON.stringify(r)}`);
    }
    console.log(
      `${same}/${compared} byte-identical to the render cache ${refRoot} (${todo.length - compared} not in it)`,
    );
    if (same !== compared) process.exitCode = 1;
  }
  console.log(
    JSON.stringify({
      engine: e.id,
      renders: todo.length,
      cpuSecPerRender: Number((Math.max(cpu, cpuAll) / todo.length).toFixed(4)),
      wallSecPerRender: Number((wall / todo.length).toFixed(4)),
    }),
  );
}

function compare(a: string, b: string): void {
  let same = 0;
  const names = readdirSync(a).filter((f) => f.endsWith('.wav'));
  for (const f of names) {
    if (readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) same++;
    else console.log(`differs: ${f}`);
  }
  console.log(`${same}/${names.length} byte-identical`);
  if (same !== names.length) process.exitCode = 1;
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'plan' && args.length === 2) return plan(args[0]!, args[1]!);
  if (cmd === 'render' && (args.length === 3 || args.length === 4))
    return render(args[0]!, Number(args[1]), args[2]!, args[3]);
  if (cmd === 'compare' && args.length === 2) return compare(args[0]!, args[1]!);
  throw new Error('usage: requests.js plan PIPELINE OUTDIR | render REQUESTS.jsonl N OUTDIR | compare A B');
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => void closeEngineWorkers());
