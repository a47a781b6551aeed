import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeRhvoiceServers,
  renderWithCommand,
  rhvoiceEngine,
  rhvoiceServerPids,
} from '../../../src/synth/engines/rhvoice';
import type { TtsRequest } from '../../../src/synth/engines/types';

/**
 * The RHVoice fork servers (src/synth/engines/rhvoice_server.py) against the former
 * one-`RHVoice-test`-process-per-word path, with the real RHVoice: the same WAV bytes for the
 * four English voices at default and varied rate/pitch (a voice's first render after the
 * server's warm-up and a later one), an unknown voice that rejects and leaves the server
 * usable, close() ending the servers, a missing RHVoice-test or librhvoice5 named with the
 * setup hint, and a server exiting when its parent is killed.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rhvoice-server-test-'));
});
afterAll(() => {
  closeRhvoiceServers();
  rmSync(dir, { recursive: true, force: true });
});

const req = (voice: string, text: string, rate = 1, pitch = 1): TtsRequest => ({
  engine: 'rhvoice',
  voice,
  text,
  params: { rate, pitch },
});

const REQUESTS: TtsRequest[] = [
  req('slt', 'yes'),
  req('alan', 'forward', 0.9104232332552783, 1.1030342073412613),
  req('bdl', 'nine', 0.945568060723599, 0.9439245883328841),
  req('clb', 'marvin', 1.17, 0.83),
  req('slt', 'seven', 0.8, 1.2),
  req('alan', 'forward', 0.9104232332552783, 1.1030342073412613), // again: nothing carried over
];

test('the fork servers write the bytes RHVoice-test writes', async () => {
  for (const [i, r] of REQUESTS.entries()) {
    const ref = join(dir, `ref-${i}.wav`);
    const out = join(dir, `server-${i}.wav`);
    await renderWithCommand(r, ref);
    await rhvoiceEngine.renderToFile(r, out);
    expect({ i, same: readFileSync(out).equals(readFileSync(ref)) }).toEqual({ i, same: true });
  }
}, 60_000);

test('an unknown voice rejects and the servers go on', async () => {
  await expect(rhvoiceEngine.renderToFile(req('xx-nonexistent', 'yes'), join(dir, 'bad.wav'))).rejects.toThrow(
    /RHVoice-test -p xx-nonexistent/,
  );
  const pids = rhvoiceServerPids();
  await rhvoiceEngine.renderToFile(REQUESTS[0]!, join(dir, 'after.wav'));
  expect(readFileSync(join(dir, 'after.wav')).equals(readFileSync(join(dir, 'ref-0.wav')))).toBe(true);
  expect(rhvoiceServerPids().filter((p) => pids.includes(p)).length).toBeGreaterThan(0);
}, 30_000);

test('close() ends the servers', async () => {
  await Promise.all([0, 1].map((i) => rhvoiceEngine.renderToFile(REQUESTS[0]!, join(dir, `c${i}.wav`))));
  const pids = rhvoiceServerPids();
  expect(pids.length).toBeGreaterThan(0);
  await rhvoiceEngine.close!();
  expect(rhvoiceServerPids()).toEqual([]);
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

/** Render one word in a fresh Node process with `env`; prints "rendered" or the error. */
function renderIn(env: NodeJS.ProcessEnv): string {
  const mod = join(__dirname, '..', '..', '..', 'src', 'synth', 'engines', 'rhvoice.js');
  const script = `const m = require(${JSON.stringify(mod)});
    m.rhvoiceEngine.renderToFile({ engine: 'rhvoice', voice: 'slt', text: 'yes', params: {} }, ${JSON.stringify(join(dir, 'm.wav'))})
      .then(() => console.log('rendered'), (e) => console.log(e.name + ': ' + e.message))
      .finally(() => m.closeRhvoiceServers());`;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 });
  return r.stdout.trim();
}

test('a missing RHVoice-test is a ToolMissingError naming it and scripts/setup.sh', () => {
  expect(renderIn({ ...process.env, PATH: join(dir, 'empty-path') })).toMatch(
    /^ToolMissingError: rhvoice \(RHVoice-test\).*scripts\/setup\.sh/,
  );
});

test('a missing librhvoice5 is a ToolMissingError naming it and scripts/setup.sh', () => {
  expect(renderIn({ ...process.env, TINYOPS_RHVOICE_LIB: 'libRHVoice-not-installed.so.5' })).toMatch(
    /^ToolMissingError: rhvoice \(librhvoice5\).*scripts\/setup\.sh/,
  );
  expect(renderIn(process.env)).toBe('rendered');
});

test('a fork server exits when its parent dies without cleaning up', async () => {
  const mod = join(__dirname, '..', '..', '..', 'src', 'synth', 'engines', 'rhvoice.js');
  const script = `const m = require(${JSON.stringify(mod)});
    m.rhvoiceEngine.renderToFile({ engine: 'rhvoice', voice: 'slt', text: 'up', params: {} }, ${JSON.stringify(join(dir, 'orphan.wav'))})
      .then(() => { console.log(m.rhvoiceServerPids().join(',')); setInterval(() => undefined, 1000); });`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(String(d).trim().split(',').map(Number))),
  );
  expect(pids.length).toBe(1);
  parent.kill('SIGKILL'); // no exit hook runs: the server sees its parent die and the end of its stdin
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
