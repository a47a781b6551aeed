import { join } from 'node:path';
import { espeakPhonemes, espeakPhonemesWithCommand } from '../../../src/synth/engines/espeak-family';
import {
  closeEspeakServers,
  espeakServerPids,
  renderToFile,
  renderToFileWithCommand,
  type EspeakRequest,
} from '../../../src/synth/espeak';
import {
  expectCloseEndsServers,
  expectFailureLeavesServersUsable,
  expectServerBytesEqualCommand,
  orphansExit,
  printedByFreshNode,
  scratchDir,
} from '../../helpers/engine-servers';

/**
 * The espeak-ng fork servers (src/synth/engines/espeak_server.py) against the former
 * one-`espeak-ng`-process-per-word path, with the real espeak-ng and MBROLA: the same WAV
 * bytes (plain text, a `[[…]]` phoneme input, variants, klatt, MBROLA native and accented),
 * the same `-x` transcriptions, a failing request that leaves the server usable, close()
 * ending the servers, a missing espeak-ng named with the setup hint, and a server exiting
 * when its parent is killed.
 */

const scratch = scratchDir('espeak-server-test-', closeEspeakServers);

const REQUESTS: EspeakRequest[] = [
  { voice: 'en-us+f3', text: 'yes', pitch: 40, speed: 150 },
  { voice: 'en-gb-scotland+klatt4', text: 'stop', pitch: 62, speed: 181 },
  { voice: 'en-029+m2', text: "[[l'Eft]]", pitch: 33, speed: 199 },
  { voice: 'en-gb-x-rp+whisper', text: 'seven', pitch: 50, speed: 175 },
  { voice: 'mb-us1', text: 'down', pitch: 45, speed: 140 },
  { voice: 'mb-de2-en', text: 'marvin', pitch: 55, speed: 165 },
  { voice: 'en-us+f3', text: 'yes', pitch: 40, speed: 150 }, // again: nothing carried over
];

test('the fork servers write the bytes the espeak-ng command writes', async () => {
  await expectServerBytesEqualCommand(REQUESTS, scratch.path, renderToFileWithCommand, renderToFile);
}, 60_000);

test('-x transcriptions through the servers equal the command', async () => {
  for (const [voice, text] of [
    ['en-gb', 'happy'],
    ['en-us+f2', 'learn'],
    ['mb-us2', 'visual'],
  ] as const) {
    expect(await espeakPhonemes(voice, text)).toBe(await espeakPhonemesWithCommand(voice, text));
  }
}, 30_000);

test('an unknown voice rejects and the servers go on', async () => {
  await expectFailureLeavesServersUsable(
    scratch.path,
    () => renderToFile({ voice: 'xx-nonexistent', text: 'yes', pitch: 50, speed: 175 }, join(scratch.path, 'bad.wav')),
    /espeak-ng -v xx-nonexistent/,
    (out) => renderToFile(REQUESTS[0]!, out),
    espeakServerPids,
  );
}, 30_000);

test('close() ends the servers', async () => {
  await expectCloseEndsServers(
    () => Promise.all([0, 1].map((i) => renderToFile(REQUESTS[0]!, join(scratch.path, `c${i}.wav`)))),
    espeakServerPids,
    closeEspeakServers,
  );
}, 30_000);

const MODULE = join(__dirname, '..', '..', '..', 'src', 'synth', 'espeak.js');

test('a missing espeak-ng is a ToolMissingError naming it and scripts/setup.sh', () => {
  const script = `const e = require(${JSON.stringify(MODULE)});
    e.renderToFile({ voice: 'en-us', text: 'yes', pitch: 50, speed: 175 }, ${JSON.stringify(join(scratch.path, 'm.wav'))})
      .then(() => console.log('rendered'), (err) => console.log(err.name + ': ' + err.message))
      .finally(() => e.closeEspeakServers());`;
  expect(printedByFreshNode(script, { ...process.env, PATH: join(scratch.path, 'empty-path') })).toMatch(
    /^ToolMissingError: espeak-ng.*scripts\/setup\.sh/,
  );
});

test('a fork server exits when its parent dies without cleaning up', async () => {
  const script = `const e = require(${JSON.stringify(MODULE)});
    e.renderToFile({ voice: 'en-us', text: 'up', pitch: 50, speed: 175 }, ${JSON.stringify(join(scratch.path, 'orphan.wav'))})
      .then(() => { console.log(e.espeakServerPids().join(',')); setInterval(() => undefined, 1000); });`;
  // No exit hook runs in the killed parent: the server sees the end of its stdin.
  const { pids, allGone } = await orphansExit(script);
  expect(pids.length).toBe(1);
  expect(allGone).toBe(true);
}, 30_000);
