import { StageInputError } from '../errors';
import { isVoiceAvailable, listEspeakVoices } from './espeak';
import type { SynthKwsConfig } from './kws-config';

/**
 * Checks of a synth-kws config against this machine, done before any work: every voice
 * must exist in the installed espeak-ng (an unknown `+variant` would otherwise be
 * silently rendered as the base voice). Throws StageInputError naming field and value.
 */
export async function assertVoicesInstalled(config: Pick<SynthKwsConfig, 'voices' | 'testVoices'>): Promise<void> {
  const installed = await listEspeakVoices();
  for (const field of ['voices', 'testVoices'] as const) {
    config[field].forEach((voice, i) => {
      if (!isVoiceAvailable(voice, installed)) {
        const [lang] = voice.split('+');
        const what = installed.languages.includes(lang ?? '')
          ? `variant not installed (variants: ${installed.variants.filter((v) => /^[mf]\d$/.test(v)).join(', ')}, ...)`
          : `language not installed (English voices: ${installed.languages.filter((l) => l.startsWith('en')).join(', ')})`;
        throw new StageInputError(`${field}[${i}]: espeak-ng voice "${voice}": ${what}`);
      }
    });
  }
}
