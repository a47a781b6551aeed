import { readdir } from 'node:fs/promises';
import { ToolMissingError } from '../../errors';
import { createLimiter } from '../limit';
import { checkExit, debianPackageVersion, runProcess, SETUP_HINT } from './run-process';
import type { TtsEngine } from './types';

/**
 * RHVoice (HTS statistical parametric synthesis, LGPL-2.1; Debian non-free rhvoice +
 * rhvoice-english): `RHVoice-test -p <voice> -r <rate%> -t <pitch%> -o out.wav`, text on
 * stdin, 24 kHz. English voices alan, bdl, clb, slt; evgeniy-eng and lyubov are
 * CC-BY-NC-ND (non-commercial) and accented, which is why configs exclude them by default.
 * -r and -t are percentages of the voice's default (100): 80 = slower, 120 = faster.
 */
const VOICE_DIR = '/usr/share/RHVoice/voices';
const slots = createLimiter(2);
let version: Promise<string> | undefined;

export const rhvoiceEngine: TtsEngine = {
  id: 'rhvoice',
  family: 'hts',
  licence:
    'LGPL-2.1-or-later (engine); voices alan/bdl/clb/slt CC-BY-SA-4.0 or BSD-like, evgeniy-eng/lyubov CC-BY-NC-ND-4.0',
  version() {
    version ??= debianPackageVersion('rhvoice', 'rhvoice');
    version.catch(() => (version = undefined));
    return version;
  },
  async voices() {
    await this.version();
    const names = await readdir(VOICE_DIR).catch(() => [] as string[]);
    if (names.length === 0) throw new ToolMissingError(`rhvoice voices (${VOICE_DIR})`, SETUP_HINT);
    return names.sort();
  },
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]), pitch: rng.uniform(r.pitch[0], r.pitch[1]) }),
  async renderToFile(req, out) {
    const args = [
      '-p',
      req.voice,
      '-r',
      String(Math.round(100 * (req.params.rate ?? 1))),
      '-t',
      String(Math.round(100 * (req.params.pitch ?? 1))),
      '-o',
      out,
    ];
    const r = await slots(() =>
      runProcess('RHVoice-test', args, { timeoutMs: 30_000, input: `${req.text}\n`, engine: 'rhvoice' }),
    );
    checkExit(r, `RHVoice-test -p ${req.voice} "${req.text}"`);
  },
};
