import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stageModules } from '../../../activities';
import { loadPipelineFile } from '../../../src/spec/load-pipeline';
import { closePythonServers, kokoroEngine, kokoroServerParams } from '../../../src/synth/engines/neural';
import { ttsPython } from '../../../src/synth/engines/python-server';
import { engine } from '../../../src/synth/engines/registry';
import { cachePath } from '../../../src/synth/engines/render-cache';
import type { TtsRequest } from '../../../src/synth/engines/types';
import type { SynthKwsConfig } from '../../../src/synth/kws-config';
import { planClips } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';

/**
 * The Kokoro renders a pipeline's synth-kws `data` stage plans for its clips (not babble or
 * streams), and a byte check of re-rendering them against the shared render cache
 * (docs/results/2026-12-05-kokoro-call-cost.md):
 *
 *   node dist/test/bench/kokoro-call-cost/kokoro-requests.js pipelines/kws.yaml OUT.jsonl [N SCRATCH_DIR]
 *
 * writes one JSON line per distinct request (with its cache path and, as `server`, the params the
 * render server receives: IPA, speed, style blend); with N, renders the first N
 * into SCRATCH_DIR (never into the cache) and counts those byte-identical to the cached render.
 * With KOKORO_REQ_LOG=FILE set, the render server's requests (IPA, speed, style blend: what
 * call_cost.py, compare_models.py and phrase_cut.py replay) are appended to FILE.
 */

/**
 * Put log-requests.sh in front of the TTS venv's Python: a temporary `venv/bin/python` whose
 * `venv/lib` is the real one, because the engines read their versions from that lib.
 */
function logRequests(): void {
  const venv = dirname(dirname(ttsPython()));
  const fake = mkdtempSync(join(tmpdir(), 'kokoro-req-'));
  mkdirSync(join(fake, 'bin'));
  symlinkSync(join(venv, 'lib'), join(fake, 'lib'));
  symlinkSync(
    join(__dirname, '..', '..', '..', '..', 'test', 'bench', 'kokoro-call-cost', 'log-requests.sh'),
    join(fake, 'bin', 'python'),
  );
  process.env.TINYOPS_TTS_PYTHON = join(fake, 'bin', 'python');
}
async function main(): Promise<void> {
  const [file, outFile, n, scratch] = process.argv.slice(2);
  if (!file || !outFile) throw new Error('usage: kokoro-requests.js PIPELINE OUT.jsonl [N SCRATCH_DIR]');
  if (process.env.KOKORO_REQ_LOG) logRequests();
  const p = loadPipelineFile(file, { modules: stageModules });
  const stage = p.stages.find((s) => s.name === 'data');
  if (!stage || stage.kind !== 'synth-kws') throw new Error(`${file}: no synth-kws stage named data`);
  const config = stage.config as SynthKwsConfig;
  const plans = planClips(config, rngForSeed(p.seed, 'data'), await resolveVoices(config));
  const seen = new Map<string, TtsRequest>();
  for (const c of plans)
    if (c.kind === 'speech' && c.request.engine === 'kokoro') seen.set(JSON.stringify(c.request), c.request);
  const version = await engine('kokoro').version();
  const reqs = [...seen.values()];
  const lines: string[] = [];
  for (const r of reqs)
    lines.push(JSON.stringify({ ...r, cache: cachePath(r, version), server: await kokoroServerParams(r) }));
  writeFileSync(outFile, lines.join('\n') + '\n');
  console.log(`${reqs.length} distinct Kokoro requests → ${outFile}`);
  if (!n || !scratch) return;
  mkdirSync(scratch, { recursive: true });
  let same = 0;
  const todo = reqs.slice(0, Number(n));
  for (const [i, r] of todo.entries()) {
    const out = join(scratch, `${String(i).padStart(3, '0')}.wav`);
    await kokoroEngine.renderToFile(r, out);
    if (readFileSync(out).equals(readFileSync(cachePath(r, version)))) same++;
    else console.log(`differs: #${i} "${r.text}" ${r.voice}`);
  }
  console.log(`${same}/${todo.length} renders byte-identical to the render cache`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => closePythonServers());
