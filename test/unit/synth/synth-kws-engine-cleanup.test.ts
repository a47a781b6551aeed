import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthKwsStage } from '../../../activities/synth-kws';
import { liveChildren } from '../../../src/synth/engines/long-lived-child';
import { closeEngineWorkers, ENGINES, withEngineWorkers } from '../../../src/synth/engines/registry';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { fakeContext } from '../../helpers/fake-stage-context';
import { waitGone } from '../../helpers/engine-servers';

/**
 * The end of a synth-kws stage stops every long-lived engine process it started (render
 * servers, fork servers, Festival workers; src/synth/engines/registry.ts withEngineWorkers),
 * on success and on failure, with the real engines rendering into an empty render cache (so
 * they run); a stage that ends while another still renders leaves the processes to it.
 */

jest.setTimeout(240_000);

/** Every long-lived engine kind: espeak-ng's and RHVoice's fork servers, hibari's render server, Festival's HTS worker. */
const CONFIG = synthKwsConfigSchema.parse({
  keywords: ['yes', 'no'],
  perKeyword: 3,
  negatives: ['bed'],
  split: { validation: 0.25, test: 0.25 },
  backgrounds: [{ type: 'pink' }],
  voices: {
    engines: {
      'espeak-ng': { voices: ['en-us'], testVoices: ['en-gb'] },
      rhvoice: { voices: ['bdl'], testVoices: ['slt'] },
      hibari: {},
    },
    heldOutEngines: ['festival'],
    heldOutPerKeyword: 2,
  },
  streams: { count: 1, durationSec: 5, keywordsPerStream: [1, 1], negativesPerStream: [0, 0] },
});

let root: string;
const saved = { cache: process.env.TINYOPS_TTS_CACHE, workers: process.env.TINYOPS_SYNTH_WORKERS };
const restore = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'synth-kws-cleanup-'));
  // The stage's clip workers (kws-pool.ts) run, reading this test's empty render cache: their
  // misses are rendered by the engines in this thread, whose processes are the ones watched.
  process.env.TINYOPS_SYNTH_WORKERS = '2';
});
afterAll(async () => {
  await closeEngineWorkers();
  restore('TINYOPS_TTS_CACHE', saved.cache);
  restore('TINYOPS_SYNTH_WORKERS', saved.workers);
  rmSync(root, { recursive: true, force: true });
});

/** Run `task` while noting every engine process seen running (every 20 ms): label → pids. */
async function watchingChildren<T>(
  task: () => Promise<T>,
): Promise<{ result: PromiseSettledResult<T>; seen: Map<string, Set<number>> }> {
  const seen = new Map<string, Set<number>>();
  const look = () => {
    for (const c of liveChildren()) {
      if (!seen.has(c.label)) seen.set(c.label, new Set());
      seen.get(c.label)!.add(c.pid);
    }
  };
  const timer = setInterval(look, 20);
  const [result] = await Promise.allSettled([task()]);
  clearInterval(timer);
  return { result: result!, seen };
}

async function expectAllGone(seen: Map<string, Set<number>>): Promise<void> {
  expect(liveChildren()).toEqual([]);
  for (const [label, pids] of seen)
    for (const pid of pids) expect({ label, pid, gone: await waitGone(pid) }).toEqual({ label, pid, gone: true });
}

describe('synth-kws stops the engine processes it started', () => {
  it('after a successful stage', async () => {
    process.env.TINYOPS_TTS_CACHE = join(root, 'cache-ok');
    const { ctx } = fakeContext(CONFIG, join(root, 'work-ok'));
    const { result, seen } = await watchingChildren(() => synthKwsStage.run(ctx));
    if (result.status === 'rejected') throw result.reason;
    // Each kind of long-lived process ran during the stage.
    expect([...seen.keys()].sort()).toEqual([
      'espeak-ng render server',
      'festival',
      'hibari render server',
      'rhvoice render server',
    ]);
    await expectAllGone(seen);
  });

  it('after a failed stage', async () => {
    process.env.TINYOPS_TTS_CACHE = join(root, 'cache-fail');
    const { ctx } = fakeContext(CONFIG, join(root, 'work-fail'));
    const failing = { ...ctx, storeDir: () => Promise.reject(new Error('store unavailable')) };
    const { result, seen } = await watchingChildren(() => synthKwsStage.run(failing));
    expect(result).toMatchObject({ status: 'rejected', reason: { message: 'store unavailable' } });
    expect(seen.size).toBeGreaterThanOrEqual(3);
    await expectAllGone(seen);
  });

  it('a stage that ends while another renders leaves the processes to it; the last one stops them', async () => {
    process.env.TINYOPS_TTS_CACHE = join(root, 'cache-overlap');
    const render = (text: string) =>
      ENGINES.hibari.renderToFile(
        { engine: 'hibari', voice: 'heart', text, params: { rate: 1, seed: 1 } },
        join(root, `${text}.wav`),
      );
    const hibari = () => liveChildren().filter((c) => c.label === 'hibari render server');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pids: number[] = [];
    const long = withEngineWorkers(async () => {
      await render('left');
      pids.push(hibari()[0]!.pid);
      await gate;
      await render('right'); // on the same server: the other stage's end left it running
      pids.push(hibari()[0]!.pid);
    });
    await withEngineWorkers(async () => {
      while (pids.length === 0) await new Promise((r) => setTimeout(r, 20));
      await render('up');
    });
    expect(hibari().map((c) => c.pid)).toEqual([pids[0]]);
    release();
    await long;
    expect(pids).toEqual([pids[0], pids[0]]);
    expect(liveChildren()).toEqual([]);
    expect(await waitGone(pids[0]!)).toBe(true);
  });
});
