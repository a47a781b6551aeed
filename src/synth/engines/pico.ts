import { readdir } from 'node:fs/promises';
import { createLimiter } from '../limit';
import { onceUntilFailure } from './memo';
import { checkExit, debianPackageVersion, runProcess } from './run-process';
import type { TtsEngine } from './types';

/**
 * SVOX Pico (`pico2wave`, Debian non-free libttspico-utils, Apache-2.0): en-US and en-GB,
 * 16 kHz. Rate and pitch through Pico's own markup (`<speed level>`, `<pitch level>`,
 * 100 = default), the only prosody control it has.
 */
const LANG_DIR = '/usr/share/pico/lang';
const slots = createLimiter(2);

export const picoEngine: TtsEngine = {
  id: 'pico',
  family: 'hmm',
  licence: 'Apache-2.0',
  version: onceUntilFailure(() => debianPackageVersion('pico', 'libttspico-utils')),
  async voices() {
    await this.version();
    const files = await readdir(LANG_DIR).catch(() => [] as string[]);
    return [
      ...new Set(files.flatMap((f) => (/^(en-[A-Z]{2})_ta\.bin$/.exec(f) ? [/^(en-[A-Z]{2})/.exec(f)![1]!] : []))),
    ].sort();
  },
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]), pitch: rng.uniform(r.pitch[0], r.pitch[1]) }),
  async renderToFile(req, out) {
    const speed = Math.round(100 * (req.params.rate ?? 1));
    const pitch = Math.round(100 * (req.params.pitch ?? 1));
    const text = `<speed level='${speed}'><pitch level='${pitch}'>${req.text}</pitch></speed>`;
    // pico2wave insists on a `.wav` output name.
    const r = await slots(() =>
      runProcess('pico2wave', ['-l', req.voice, '-w', out, '--', text], { timeoutMs: 30_000, engine: 'pico' }),
    );
    checkExit(r, `pico2wave -l ${req.voice} "${req.text}"`);
  },
};
