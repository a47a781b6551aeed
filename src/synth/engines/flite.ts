import { createLimiter } from '../limit';
import { onceUntilFailure } from './memo';
import { checkExit, debianPackageVersion, runProcess } from './run-process';
import type { TtsEngine } from './types';

/**
 * Flite (CMU, diphone/clustergen, BSD-like licence) — part of the HELD-OUT family: never a
 * training engine of a shipped pipeline (kws-config.ts refuses it), rendered only into the
 * test split and the scored streams. Rate through `duration_stretch` (1/rate); pitch is
 * left at the voice's own, because flite's `int_f0_target_mean` is absolute and voices
 * differ by an octave.
 */
const slots = createLimiter(2);

export const fliteEngine: TtsEngine = {
  id: 'flite',
  family: 'diphone-clustergen',
  licence: 'BSD-style (CMU Flite licence)',
  // `flite --version` exits 1; the package version says the same.
  version: onceUntilFailure(() => debianPackageVersion('flite', 'flite')),
  async voices() {
    const r = await runProcess('flite', ['-lv'], { timeoutMs: 10_000, engine: 'flite' });
    const m = /Voices available:\s*(.*)/.exec(checkExit(r, 'flite -lv'));
    // awb_time is a talking-clock voice: it says only times.
    return (m?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((v) => v !== '' && v !== 'awb_time')
      .sort();
  },
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]) }),
  async renderToFile(req, out) {
    const stretch = (1 / (req.params.rate ?? 1)).toFixed(4);
    const args = ['-voice', req.voice, '--setf', `duration_stretch=${stretch}`, '-t', req.text, '-o', out];
    checkExit(
      await slots(() => runProcess('flite', args, { timeoutMs: 30_000, engine: 'flite' })),
      `flite -voice ${req.voice} "${req.text}"`,
    );
  },
};
