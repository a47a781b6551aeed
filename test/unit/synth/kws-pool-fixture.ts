import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { synthKwsConfigSchema, type SynthKwsConfig } from '../../../src/synth/kws-config';
import { generateKwsDataset } from '../../../src/synth/kws-dataset';
import type { KwsPool } from '../../../src/synth/kws-pool';
import { generateKwsStreams } from '../../../src/synth/kws-streams';
import { rngForSeed, type RngFor } from '../../../src/synth/rng-for';
import { dirDigest } from './dir-digest';

/**
 * A small synth-kws config that goes through every path of clip and stream making: two
 * engines (espeak-ng, pico), stream-style `_unknown_` clips with neighbour words, babble,
 * hum and recorded backgrounds, every augmentation (streams too), tuning streams.
 */
export const POOL_CONFIG: SynthKwsConfig = synthKwsConfigSchema.parse({
  keywords: ['yes', 'no'],
  perKeyword: 6,
  unknownFraction: 1,
  extraNegatives: ['yeah', 'goat'],
  streamStyleUnknown: { fraction: 0.6 },
  voices: {
    engines: {
      'espeak-ng': { voices: ['en-us', 'en-gb+m3'], testVoices: ['en-029+m2'] },
      pico: { testVoices: ['en-GB'] },
    },
  },
  split: { validation: 0.2, test: 0.2 },
  backgrounds: [{ type: 'pink' }, { type: 'hum' }, { type: 'babble' }, { type: 'recorded', set: 'crowd' }],
  augment: {
    formant: { probability: 0.5 },
    vtlp: { probability: 0.5 },
    room: { probability: 0.6, rooms: 3 },
    mic: { probability: 0.6 },
    agc: { probability: 0.4 },
    clipping: { probability: 0.3 },
    codec: { probability: 0.5 },
    streams: true,
  },
  streams: {
    count: 2,
    durationSec: 5,
    keywordsPerStream: [2, 2],
    negativesPerStream: [1, 1],
    minGapMs: 300,
    tuning: { count: 1, voiceSet: 'train' },
  },
});

/** sha256 over every file (path and bytes) of the dataset and both stream sets. */
export interface PoolDigests {
  readonly dataset: string;
  readonly streams: string;
  readonly tuning: string;
}

const digestOf = (dir: string): string =>
  createHash('sha256')
    .update(JSON.stringify(dirDigest(dir)))
    .digest('hex');

/** Generate the dataset and both stream sets of `config` into `root` (with `pool` if given). */
export async function generateAll(
  config: SynthKwsConfig,
  root: string,
  pool?: KwsPool,
  rngFor: RngFor = pool?.rngFor ?? rngForSeed(42, 'data'),
): Promise<PoolDigests> {
  await generateKwsDataset(config, join(root, 'dataset'), rngFor, undefined, pool ? { pool } : {});
  await generateKwsStreams(config, join(root, 'streams'), rngFor, undefined, 'scored', pool);
  await generateKwsStreams(config, join(root, 'tuning'), rngFor, undefined, 'tuning', pool);
  return {
    dataset: digestOf(join(root, 'dataset')),
    streams: digestOf(join(root, 'streams')),
    tuning: digestOf(join(root, 'tuning')),
  };
}
