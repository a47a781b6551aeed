import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closePythonServers,
  hibariEngine,
  kokoroEngine,
  makeKokoroEngine,
  piperEngine,
} from '../../../src/synth/engines/neural';
import { PythonRenderServer } from '../../../src/synth/engines/python-server';
import type { TtsEngine, VariationRanges } from '../../../src/synth/engines/types';
import { Prng } from '../../../src/util/prng';

/**
 * What the neural engines send to their render servers and what comes back, for a handful of
 * words each: a before/after check for a refactoring of src/synth/engines/neural.ts
 * (docs/results/2026-12-05-cleanup.md). Prints one JSON line per render: engine, request,
 * the render server's request body (without its `out` path) and the sha256 of the WAV (Piper's
 * too since its noise is seeded per request; before that only its request bodies compared):
 *
 *   node dist/test/bench/engine-fold/neural-render-digests.js > OUT.jsonl
 *
 * Renders go to a temporary folder, never into the render cache.
 */
const RANGES: VariationRanges = {
  rate: [0.85, 1.2],
  pitch: [0.9, 1.12],
  phonemeVariation: 0.5,
  espeakPitch: [30, 70],
  espeakSpeed: [130, 200],
};
const WORDS = ['yes', 'stop', 'left', 'seven', 'marvin'];
const ENGINES: Array<[string, TtsEngine, readonly string[]]> = [
  ['hibari', hibariEngine, ['heart']],
  ['kokoro', kokoroEngine, ['jf_alpha', 'mix-07', 'mix-42']],
  ['kokoro-pads-8-8', makeKokoroEngine({ lead: 8, trail: 8 }), ['mix-07']],
  ['piper', piperEngine, ['joe']],
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neural-digests-'));
  // Every body a server is sent, by the WAV path it writes.
  const sent = new Map<string, Record<string, unknown>>();
  const request = PythonRenderServer.prototype.request;
  PythonRenderServer.prototype.request = function (this: PythonRenderServer, body: Record<string, unknown>) {
    if (typeof body.out === 'string') sent.set(body.out, { engine: this.engine, ...body, out: undefined });
    return request.call(this, body);
  };
  try {
    for (const [name, e, voices] of ENGINES) {
      process.stderr.write(`${name}: version ${await e.version()}, voices ${(await e.voices()).length}\n`);
      for (const voice of voices) {
        for (const [i, text] of WORDS.entries()) {
          const req = {
            engine: e.id,
            voice,
            text,
            params: e.vary(Prng.derive('neural-digests', name, voice, i), RANGES),
          };
          const out = join(dir, `${name}-${voice}-${i}.wav`);
          await e.renderToFile(req, out);
          const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
          console.log(JSON.stringify({ engine: name, req, server: sent.get(out), sha256 }));
        }
      }
    }
  } finally {
    closePythonServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
