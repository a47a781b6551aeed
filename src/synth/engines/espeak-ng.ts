import { closeEspeakServers, listEspeakVoices } from '../espeak';
import { espeakVersion, renderEspeakFamily, varyEspeak } from './espeak-family';
import type { TtsEngine } from './types';

/**
 * espeak-ng (formant synthesis, GPL-3.0-or-later). Voices are `language[+variant]`:
 * every installed English language alone and crossed with every variant (src/synth/espeak.ts).
 */
export const espeakNgEngine: TtsEngine = {
  id: 'espeak-ng',
  family: 'formant',
  licence: 'GPL-3.0-or-later',
  version: espeakVersion,
  async voices() {
    const v = await listEspeakVoices();
    const langs = v.languages.filter((l) => l === 'en' || l.startsWith('en-'));
    return langs.flatMap((l) => [l, ...v.variants.map((x) => `${l}+${x}`)]);
  },
  vary: varyEspeak,
  renderToFile: (req, out) => renderEspeakFamily(req, req.voice, out),
  close() {
    closeEspeakServers();
    return Promise.resolve();
  },
};
