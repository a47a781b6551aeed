import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLimiter } from '../limit';
import { ChildPool } from './child-pool';
import { FestivalWorker } from './festival-worker';
import { onceUntilFailure } from './memo';
import type { TtsEngine, TtsRequest } from './types';
import { checkExit, runProcess } from './run-process';

/**
 * Festival (`text2wave`, X11-style licence; voices festvox-kallpc16k (diphone) and
 * festvox-us-slt-hts (HTS)) — part of the HELD-OUT family like flite: test split and
 * scored streams only. Rate through `Duration_Stretch`.
 *
 * The HTS voices render in two long-lived `festival --pipe` processes (festival-worker.ts),
 * byte-identical to one `text2wave` call per word, which cost ≈ 0.3 CPU s of start-up per
 * word. The diphone voice kal_diphone stays at one `text2wave` per word: in a long-lived
 * process 12 of its 106 default-plan renders differ from text2wave's in their last ≈ 1,500
 * samples (state left by the words before; the same word alone is identical), so reusing the
 * process would change renders (docs/results/2026-12-05-engine-cpu.md).
 */
const VOICE_ROOT = '/usr/share/festival/voices';
/** Voices whose renders in a long-lived process equal text2wave's (checked on the default plan). */
const WORKER_VOICE = /_hts$/;
const slots = createLimiter(2);
let pool: ChildPool<FestivalWorker> | undefined;

export const festivalEngine: TtsEngine = {
  id: 'festival',
  family: 'festival',
  licence: 'X11-style (Festival); voices: festvox licences (free use)',
  version: onceUntilFailure(() =>
    runProcess('festival', ['--version'], { timeoutMs: 10_000, engine: 'festival' }).then(
      (r) => checkExit(r, 'festival --version').trim().split('\n')[0]!,
    ),
  ),
  async voices() {
    await this.version();
    const out: string[] = [];
    for (const lang of await readdir(VOICE_ROOT).catch(() => [] as string[])) {
      out.push(...(await readdir(join(VOICE_ROOT, lang)).catch(() => [] as string[])));
    }
    return out.sort();
  },
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]) }),
  async renderToFile(req, out) {
    const stretch = festivalStretch(req);
    if (!WORKER_VOICE.test(req.voice)) {
      await slots(() => renderWithText2wave(req, out));
      return;
    }
    pool ??= new ChildPool(2, () => new FestivalWorker());
    await slots(() => pool!.use((w) => w.render({ voice: req.voice, stretch, text: req.text, out })));
  },
  close() {
    pool?.close();
    return Promise.resolve();
  },
};

function festivalStretch(req: TtsRequest): string {
  return (1 / (req.params.rate ?? 1)).toFixed(4);
}

/**
 * The former path, one `text2wave` process per word: what the render cache's festival renders
 * were made with, kept as the reference the workers are compared with (tests, bench).
 */
export async function renderWithText2wave(req: TtsRequest, out: string): Promise<void> {
  const args = ['-eval', `(voice_${req.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${festivalStretch(req)})`];
  const r = await runProcess('text2wave', [...args, '-o', out], {
    timeoutMs: 60_000,
    input: `${req.text}\n`,
    engine: 'festival',
  });
  checkExit(r, `text2wave (voice_${req.voice}) "${req.text}"`);
}
