import type { SynthKwsConfig } from './kws-config';
import { resolveVoices } from './voice-sources';

/**
 * Checks of a synth-kws config against this machine, done before any work: every engine
 * must be installed and every named voice exist (an unknown espeak-ng `+variant` would
 * otherwise be silently rendered as the base voice). Throws ToolMissingError for a missing
 * engine and StageInputError naming field, voice and a close installed name.
 */
export async function assertVoicesInstalled(
  config: Pick<SynthKwsConfig, 'voices' | 'testVoices' | 'pitch' | 'speed'>,
): Promise<void> {
  await resolveVoices(config);
}
