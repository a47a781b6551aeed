import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMissingError } from '../../../../src/errors';
import { ChildPool } from '../../../../src/synth/engines/child-pool';
import { festivalEngine, renderWithText2wave } from '../../../../src/synth/engines/festival';
import { FestivalWorker, type FestivalRender } from '../../../../src/synth/engines/festival-worker';
import type { TtsRequest } from '../../../../src/synth/engines/types';
import {
  expectCloseEndsServers,
  expectServerBytesEqualCommand,
  isAlive,
  orphansExit,
  scratchDir,
} from '../../../helpers/engine-servers';

/**
 * The long-lived Festival workers against the former one-`text2wave`-per-word path (real
 * festival, both installed voices): the same WAV bytes, request after request and voice after
 * voice in one process; a failed request answers with an error and leaves the process usable;
 * a missing festival is a ToolMissingError; a dying process names festival and its stderr;
 * close() and the death of the parent leave no festival process behind.
 */

const scratch = scratchDir('festival-worker-test-', () => festivalEngine.close?.());

// Alternating voices and rates in one worker: the state a request leaves must not reach the next.
const REQUESTS: TtsRequest[] = [
  { engine: 'festival', voice: 'kal_diphone', text: 'visual', params: { rate: 1.0881839673267677 } },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', text: 'eight', params: { rate: 0.91 } },
  { engine: 'festival', voice: 'kal_diphone', text: 'eight', params: { rate: 1.1755891237757168 } },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', text: "don't", params: { rate: 1.2 } },
];

test('the workers render the bytes text2wave renders, voice after voice', async () => {
  await expectServerBytesEqualCommand(REQUESTS, scratch.path, renderWithText2wave, (r, out) =>
    festivalEngine.renderToFile(r, out),
  );
}, 60_000);

test('a failed request rejects and the same process renders the next one', async () => {
  const dir = scratch.path;
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
  const err = await w
    .render({ voice: 'kal_diphone', stretch: '1.0000', text: 'yes', out: join(scratch.path, 'm.wav') })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(ToolMissingError);
  expect(String(err)).toMatch(/festival .*scripts\/setup\.sh/);
});

test('a festival that dies mid-request names festival, the exit and its stderr', async () => {
  // A stand-in for a festival that fails after start-up: what it printed must reach the user.
  const fake = join(scratch.path, 'dying-festival');
  writeFileSync(fake, '#!/bin/sh\nread line\necho "SIOD ERROR: out of heap space" >&2\nexit 3\n');
  chmodSync(fake, 0o755);
  const w = new FestivalWorker(10_000, fake);
  try {
    await expect(
      w.render({ voice: 'kal_diphone', stretch: '1.0000', text: 'yes', out: join(scratch.path, 'd.wav') }),
    ).rejects.toThrow(/^festival exited \(code 3\): SIOD ERROR: out of heap space$/);
  } finally {
    w.kill();
  }
});

test('close() ends the processes; two requests at once use two', async () => {
  const workers: FestivalWorker[] = [];
  const pool = new ChildPool(2, () => {
    const w = new FestivalWorker();
    workers.push(w);
    return w;
  });
  const r = (i: number): FestivalRender => ({
    voice: 'kal_diphone',
    stretch: '1.0000',
    text: 'go',
    out: join(scratch.path, `p${i}.wav`),
  });
  await expectCloseEndsServers(
    async () => {
      await Promise.all([pool.use((w) => w.render(r(1))), pool.use((w) => w.render(r(2)))]);
      const pids = pool.pids();
      expect(pids.every((p) => isAlive(p))).toBe(true);
      expect(new Set(pids).size).toBe(2);
    },
    () => pool.pids(),
    () => pool.close(),
  );
}, 30_000);

test('a festival worker exits when its parent dies without cleaning up', async () => {
  const mod = join(__dirname, '..', '..', '..', '..', 'src', 'synth', 'engines', 'festival-worker.js');
  const script = `
    const { FestivalWorker } = require(${JSON.stringify(mod)});
    const w = new FestivalWorker();
    w.render({ voice: 'kal_diphone', stretch: '1.0000', text: 'up', out: ${JSON.stringify(join(scratch.path, 'orphan.wav'))} })
      .then(() => { console.log(w.pid); setInterval(() => undefined, 1000); });`;
  // No exit hook runs in the killed parent: the worker sees the end of its stdin.
  const { pids, allGone } = await orphansExit(script);
  expect(pids.length).toBe(1);
  expect(allGone).toBe(true);
}, 30_000);
