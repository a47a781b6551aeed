import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolMissingError } from '../../../../src/errors';
import { festivalEngine, renderWithText2wave } from '../../../../src/synth/engines/festival';
import { FestivalPool, FestivalWorker } from '../../../../src/synth/engines/festival-worker';
import type { TtsRequest } from '../../../../src/synth/engines/types';

/**
 * The long-lived Festival workers against the former one-`text2wave`-per-word path (real
 * festival, both installed voices): the same WAV bytes, request after request and voice after
 * voice in one process; a failed request answers with an error and leaves the process usable;
 * a missing festival is a ToolMissingError; close() and the death of the parent leave no
 * festival process behind.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'festival-worker-test-'));
});
afterAll(async () => {
  await festivalEngine.close?.();
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms;) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

// Alternating voices and rates in one worker: the state a request leaves must not reach the next.
const REQUESTS: TtsRequest[] = [
  { engine: 'festival', voice: 'kal_diphone', text: 'visual', params: { rate: 1.0881839673267677 } },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', text: 'eight', params: { rate: 0.91 } },
  { engine: 'festival', voice: 'kal_diphone', text: 'eight', params: { rate: 1.1755891237757168 } },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', text: "don't", params: { rate: 1.2 } },
];

test('the workers render the bytes text2wave renders, voice after voice', async () => {
  for (const [i, r] of REQUESTS.entries()) {
    const ref = join(dir, `ref-${i}.wav`);
    const out = join(dir, `worker-${i}.wav`);
    await renderWithText2wave(r, ref);
    await festivalEngine.renderToFile(r, out);
    expect(readFileSync(out).equals(readFileSync(ref))).toBe(true);
  }
}, 60_000);

test('a failed request rejects and the same process renders the next one', async () => {
  const w = new FestivalWorker();
  try {
    const ok = { voice: 'kal_diphone', stretch: '1.0000', text: 'yes', out: join(dir, 'a.wav') };
    await w.render(ok);
    const pid = w.pid!;
    await expect(w.render({ ...ok, voice: 'no_such_voice', out: join(dir, 'b.wav') })).rejects.toThrow(/no_such_voice/);
    await w.render({ ...ok, out: join(dir, 'c.wav') });
    expect(w.pid).toBe(pid);
    expect(readFileSync(join(dir, 'c.wav')).equals(readFileSync(join(dir, 'a.wav')))).toBe(true);
    await expect(w.render({ ...ok, voice: 'x) (quit' })).rejects.toThrow(/bad voice name/);
  } finally {
    w.kill();
  }
}, 30_000);

test('a missing festival is a ToolMissingError naming the engine and setup', async () => {
  const w = new FestivalWorker(10_000, 'festival-not-installed-here');
  const err = await w.render({ voice: 'kal_diphone', stretch: '1.0000', text: 'yes', out: join(dir, 'm.wav') }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolMissingError);
  expect(String(err)).toMatch(/festival .*scripts\/setup\.sh/);
});

test('close() ends the processes; two requests at once use two', async () => {
  const workers: FestivalWorker[] = [];
  const pool2 = new FestivalPool(2, () => {
    const w = new FestivalWorker();
    workers.push(w);
    return w;
  });
  const r = (i: number): Parameters<FestivalPool['render']>[0] => ({
    voice: 'kal_diphone',
    stretch: '1.0000',
    text: 'go',
    out: join(dir, `p${i}.wav`),
  });
  await Promise.all([pool2.render(r(1)), pool2.render(r(2))]);
  const pids = workers.map((w) => w.pid!);
  expect(pids.every((p) => p !== undefined && alive(p))).toBe(true);
  expect(new Set(pids).size).toBe(2);
  pool2.close();
  for (const p of pids) expect(await gone(p)).toBe(true);
}, 30_000);

test('a festival worker exits when its parent dies without cleaning up', async () => {
  const mod = join(__dirname, '..', '..', '..', '..', 'src', 'synth', 'engines', 'festival-worker.js');
  const script = `
    const { FestivalWorker } = require(${JSON.stringify(mod)});
    const w = new FestivalWorker();
    w.render({ voice: 'kal_diphone', stretch: '1.0000', text: 'up', out: ${JSON.stringify(join(dir, 'orphan.wav'))} })
      .then(() => { console.log(w.pid); setInterval(() => undefined, 1000); });`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d))));
  expect(alive(pid)).toBe(true);
  parent.kill('SIGKILL'); // no exit hook runs: the worker sees the end of its stdin
  expect(await gone(pid, 10_000)).toBe(true);
}, 30_000);
