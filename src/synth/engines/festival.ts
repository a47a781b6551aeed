import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLimiter } from '../limit';
import { checkExit, runProcess } from './run-process';
import type { TtsEngine } from './types';

/**
 * Festival (`text2wave`, X11-style licence; voices festvox-kallpc16k (diphone) and
 * festvox-us-slt-hts (HTS)) — part of the HELD-OUT family like flite: test split and
 * scored streams only. Rate through `Duration_Stretch`. About 1 s per word (Scheme start
 * plus voice load per call), so it renders only the few held-out clips.
 */
const VOICE_ROOT = '/usr/share/festival/voices';
const slots = createLimiter(2);
let version: Promise<string> | undefined;

export const festivalEngine: TtsEngine = {
  id: 'festival',
  family: 'festival',
  licence: 'X11-style (Festival); voices: festvox licences (free use)',
  version() {
    version ??= runProcess('festival', ['--version'], { timeoutMs: 10_000, engine: 'festival' }).then(
      (r) => checkExit(r, 'festival --version').trim().split('\n')[0]!,
    );
    version.catch(() => (version = undefined));
    return version;
  },
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
    const stretch = (1 / (req.params.rate ?? 1)).toFixed(4);
    const args = ['-eval', `(voice_${req.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${stretch})`, '-o', out];
    const r = await slots(() =>
      runProcess('text2wave', args, { timeoutMs: 60_000, input: `${req.text}\n`, engine: 'festival' }),
    );
    checkExit(r, `text2wave (voice_${req.voice}) "${req.text}"`);
  },
};
