import { Prng } from '../../util/prng';
import { espeakServerRequest, espeakVersion, renderToFile } from '../espeak';
import { memoUntilFailure } from './memo';
import { ESPEAK_ALPHABET, perturbPhonemes } from './phoneme-variation';
import { checkExit, runProcess } from './run-process';
import type { RenderParams, TtsRequest, VariationRanges } from './types';

/**
 * What espeak-ng and MBROLA (driven through espeak-ng) share: espeak pitch/speed units,
 * and the phoneme-level variation — with probability `phonemeVariation` the word is read
 * from its own espeak transcription (`espeak-ng -x`) with one seeded change, as `[[…]]`.
 */

const PHONEMES_TIMEOUT_MS = 10_000;

/**
 * espeak-ng's phoneme mnemonics of `text` for `voice` (memoized per process): `espeak-ng -q -x`,
 * done by the fork server (src/synth/engines/espeak_server.py) with the same output.
 */
export const espeakPhonemes = memoUntilFailure(
  (voice: string, text: string) => `${voice}|${text}`,
  (voice: string, text: string): Promise<string> =>
    espeakServerRequest({ op: 'phonemes', voice, text }).then((r) =>
      checkExit(r, `espeak-ng -x -v ${voice}`).trim().split(/\s+/).join(' '),
    ),
);

/** pitch, speed (espeak units) and `phon`: 0 = plain text, else the seed of the phoneme change. */
export function varyEspeak(rng: Prng, r: VariationRanges): RenderParams {
  const pitch = rng.int(r.espeakPitch[0], r.espeakPitch[1]);
  const speed = rng.int(r.espeakSpeed[0], r.espeakSpeed[1]);
  const phon = rng.next() < r.phonemeVariation ? rng.int(1, 1_000_000) : 0;
  return { pitch, speed, phon };
}

/** Render through espeak-ng with `espeakVoice` (`en-us+f3`, `mb-us1`). */
export async function renderEspeakFamily(req: TtsRequest, espeakVoice: string, outPath: string): Promise<void> {
  const p = req.params;
  let text = req.text;
  if ((p.phon ?? 0) > 0) {
    const ph = await espeakPhonemes(espeakVoice, req.text);
    text = `[[${perturbPhonemes(ph, ESPEAK_ALPHABET, Prng.derive('phoneme-variation', p.phon!, req.text))}]]`;
  }
  await renderToFile({ text, voice: espeakVoice, pitch: p.pitch ?? 50, speed: p.speed ?? 175 }, outPath);
}

export { espeakVersion };

/** The former `espeak-ng -q -x` process per word (tests compare the fork server with it). */
export async function espeakPhonemesWithCommand(voice: string, text: string): Promise<string> {
  const r = await runProcess('espeak-ng', ['-q', '-x', '-v', voice, '--', text], {
    timeoutMs: PHONEMES_TIMEOUT_MS,
    engine: 'espeak-ng',
  });
  return checkExit(r, `espeak-ng -x -v ${voice}`).trim().split(/\s+/).join(' ');
}
