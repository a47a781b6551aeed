import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espeakPhonemes, espeakPhonemesWithCommand } from '../../../src/synth/engines/espeak-family';
import {
  closeEspeakServers,
  espeakServerPids,
  renderToFile,
  renderToFileWithCommand,
  type EspeakRequest,
} from '../../../src/synth/espeak';

/**
 * The espeak-ng fork servers (src/synth/engines/espeak_server.py) against the former
 * one-`espeak-ng`-process-per-word path, with the real espeak-ng and MBROLA: the same WAV
 * bytes (plain text, a `[[…]]` phoneme input, variants, klatt, MBROLA native and accented),
 * the same `-x` transcriptions, a failing request that leaves the server usable, close()
 * ending the servers, a missing espeak-ng named with the setup hint, and a server exiting
 * when its parent is killed.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'espeak-server-test-'));
});
afterAll(() => {
  closeEspeakServers();
  rmSync(dir, { recursive: true, force: true });
});

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
  for (const [i, r] of REQUESTS.entries()) {
    const ref = join(dir, `ref-${i}.wav`);
    const out = join(dir, `server-${i}.wav`);
    await renderToFileWithCommand(r, ref);
    await renderToFile(r, out);
    expect({ i, same: readFileSync(out).equals(readFileSync(ref)) }).toEqual({ i, same: true });
  }
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
  await expect(
    renderToFile({ voice: 'xx-nonexistent', text: 'yes', pitch: 50, speed: 175 }, join(dir, 'bad.wav')),
  ).rejects.toThrow(/espeak-ng -v xx-nonexistent/);
  const pids = espeakServerPids();
  await renderToFile(REQUESTS[0]!, join(dir, 'after.wav'));
  expect(readFileSync(join(dir, 'after.wav')).equals(readFileSync(join(dir, 'ref-0.wav')))).toBe(true);
  expect(espeakServerPids().filter((p) => pids.includes(p)).length).toBeGreaterThan(0);
}, 30_000);

test('close() ends the servers', async () => {
  await Promise.all([0, 1].map((i) => renderToFile(REQUESTS[0]!, join(dir, `c${i}.wav`))));
  const pids = espeakServerPids();
  expect(pids.length).toBeGreaterThan(0);
  closeEspeakServers();
  expect(espeakServerPids()).toEqual([]);
  for (const pid of pids) {
    let alive = true;
    for (let t = 0; t < 100 && alive; t++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  }
}, 30_000);

test('a missing espeak-ng is a ToolMissingError naming it and scripts/setup.sh', () => {
  const mod = join(__dirname, '..', '..', '..', 'src', 'synth', 'espeak.js');
  const script = `require(${JSON.stringify(mod)})
    .renderToFile({ voice: 'en-us', text: 'yes', pitch: 50, speed: 175 }, ${JSON.stringify(join(dir, 'm.wav'))})
    .then(() => console.log('rendered'), (e) => console.log(e.name + ': ' + e.message))
    .finally(() => require(${JSON.stringify(mod)}).closeEspeakServers());`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, PATH: join(dir, 'empty-path') },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(r.stdout.trim()).toMatch(/^ToolMissingError: espeak-ng.*scripts\/setup\.sh/);
});

test('a fork server exits when its parent dies without cleaning up', async () => {
  const mod = join(__dirname, '..', '..', '..', 'src', 'synth', 'espeak.js');
  const script = `const e = require(${JSON.stringify(mod)});
    e.renderToFile({ voice: 'en-us', text: 'up', pitch: 50, speed: 175 }, ${JSON.stringify(join(dir, 'orphan.wav'))})
      .then(() => { console.log(e.espeakServerPids().join(',')); setInterval(() => undefined, 1000); });`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(String(d).trim().split(',').map(Number))),
  );
  expect(pids.length).toBe(1);
  parent.kill('SIGKILL'); // no exit hook runs: the server sees the end of its stdin
  let alive = true;
  for (let t = 0; t < 200 && alive; t++) {
    try {
      process.kill(pids[0]!, 0);
      await new Promise((r) => setTimeout(r, 50));
    } catch {
      alive = false;
    }
  }
  expect(alive).toBe(false);
}, 30_000);
