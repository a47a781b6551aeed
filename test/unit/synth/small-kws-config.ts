import { synthKwsConfigSchema, type SynthKwsConfig, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import type { ClipPlan } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';

/**
 * The small synth-kws config the option tests plan with (two keywords, 40 clips each, two
 * negatives, three espeak-ng voices, white and pink noise), with a test's own fields over it,
 * and the seed they plan from. Small so a test plans or renders it in well under a second.
 */
export const SMALL_KWS_CONFIG: SynthKwsConfigInput = {
  keywords: ['yes', 'no'],
  perKeyword: 40,
  negatives: ['bed', 'bird'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  backgrounds: [{ type: 'white' }, { type: 'pink' }],
};

export function smallKwsConfig(over: SynthKwsConfigInput = {}): SynthKwsConfig {
  return synthKwsConfigSchema.parse({ ...SMALL_KWS_CONFIG, ...over });
}

export const SMALL_KWS_RNG = rngForSeed(5, 'data');

/** A plan without the fields an SNR option may change (speech: snrDb; silence: its level). */
export function withoutSnr(p: ClipPlan): unknown {
  return p.kind === 'speech' ? { ...p, snrDb: undefined } : { ...p, levelDbfs: undefined };
}

/** Whether the schema accepts the small config with `over` (for the options' rejection tests). */
export function acceptsSmallKwsConfig(over: SynthKwsConfigInput): boolean {
  return synthKwsConfigSchema.safeParse({ ...SMALL_KWS_CONFIG, ...over }).success;
}
