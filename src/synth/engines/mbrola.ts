import { access, readdir } from 'node:fs/promises';
import { ToolMissingError } from '../../errors';
import { closeEspeakServers } from '../espeak';
import { espeakVersion, renderEspeakFamily, varyEspeak } from './espeak-family';
import { onceUntilFailure } from './memo';
import { debianPackageVersion, SETUP_HINT } from './run-process';
import type { TtsEngine } from './types';

/**
 * MBROLA diphone voices driven by espeak-ng (`espeak-ng -v mb-us1`). Voice ids are the
 * espeak voice names without `mb-`: `us1 us2 us3 en1` (native English) and the accented
 * `de2-en sw2-en fr1-en …` (a German/Swedish/French diphone set reading English through
 * espeak-ng's mapping). The MBROLA voice licence forbids commercial use of the voices
 * themselves and their sale; see docs/data-sources.md.
 */
const MBROLA_DIR = '/usr/share/mbrola';
/** Diphone databases whose English mapping espeak-ng ships (espeak-ng-data/voices/mb/mb-*-en). */
const ACCENTED = [
  'af1',
  'de1',
  'de2',
  'de3',
  'de4',
  'de5',
  'de6',
  'fr1',
  'fr4',
  'gr2',
  'hu1',
  'nl2',
  'pl1',
  'ro1',
  'sw1',
  'sw2',
];
const NATIVE = ['us1', 'us2', 'us3', 'en1'];

export const mbrolaEngine: TtsEngine = {
  id: 'mbrola',
  family: 'diphone',
  licence: 'MBROLA binary AGPL-3.0; voices: non-commercial, no sale (MBROLA licence)',
  version: onceUntilFailure(
    async () => `${await debianPackageVersion('mbrola', 'mbrola')}, espeak-ng ${await espeakVersion()}`,
  ),
  async voices() {
    await this.version();
    const dbs = await readdir(MBROLA_DIR).catch(() => [] as string[]);
    if (dbs.length === 0) throw new ToolMissingError(`mbrola voices (${MBROLA_DIR})`, SETUP_HINT);
    const out: string[] = [];
    for (const db of dbs.sort()) {
      if (NATIVE.includes(db)) out.push(db);
      else if (ACCENTED.includes(db)) out.push(`${db}-en`);
    }
    return out;
  },
  vary: varyEspeak,
  async renderToFile(req, out) {
    // espeak-ng writes nothing useful to stderr for a missing database: check first.
    await access(`${MBROLA_DIR}/${req.voice.replace(/-en$/, '')}`).catch(() => {
      throw new Error(`mbrola voice "${req.voice}" is not installed in ${MBROLA_DIR}`);
    });
    await renderEspeakFamily(req, `mb-${req.voice}`, out);
  },
  close() {
    closeEspeakServers();
    return Promise.resolve();
  },
};
