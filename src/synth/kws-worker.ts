import { parentPort, workerData } from 'node:worker_threads';
import { BackgroundBank } from './backgrounds';
import { setRenderDelegate } from './engines/render-cache';
import type { TtsRequest } from './engines/types';
import { KwsAugmenter } from './kws-augment';
import { makeUnitClips, RenderStats } from './kws-dataset';
import type { FromWorker, KwsWorkerInit, ToWorker } from './kws-pool';
import { streamAugmenter, writeStream } from './kws-streams';
import { rngForSeed } from './rng-for';

/**
 * A synth-kws worker thread (started by kws-pool.ts): makes the clips of work units and
 * whole streams with the same functions the main thread uses, from generators rebuilt from
 * the stage's seed and name. Render-cache misses go to the main thread (setRenderDelegate).
 */

const port = parentPort;
if (!port) throw new Error('kws-worker.ts runs only as a worker thread (src/synth/kws-pool.ts)');
const init = workerData as KwsWorkerInit;
const { config } = init;
const rngFor = rngForSeed(init.seed, init.stageName);
const post = (m: FromWorker): void => port.postMessage(m);

let nextRid = 0;
const waiting = new Map<number, { resolve(): void; reject(e: Error): void }>();
setRenderDelegate(
  (req: TtsRequest) =>
    new Promise<void>((resolve, reject) => {
      const rid = nextRid++;
      waiting.set(rid, { resolve, reject });
      post({ type: 'render', rid, req });
    }),
);

// Loaded on first use: the bank's babble pool is read from the render cache, which the main
// thread filled before it handed out any work.
let bank: Promise<BackgroundBank> | undefined;
const loadBank = (): Promise<BackgroundBank> =>
  (bank ??= BackgroundBank.load(
    config.backgrounds,
    config.sampleRate,
    { negatives: config.negatives, groups: init.voices.train },
    rngFor,
  ));
const clipAugmenter = config.augment ? new KwsAugmenter(config.augment, config.sampleRate, rngFor) : undefined;
const streamsAugmenter = streamAugmenter(config, rngFor);

async function handle(m: Extract<ToWorker, { job: number }>): Promise<FromWorker> {
  if (m.type === 'clips') {
    const stats = new RenderStats(config.sampleRate);
    const ctx = {
      outDir: m.outDir,
      sampleRate: config.sampleRate,
      clipSamples: m.clipSamples,
      bank: await loadBank(),
      augmenter: clipAugmenter,
      rngFor,
    };
    await makeUnitClips(m.plans, ctx, stats);
    return { type: 'clips-done', job: m.job, counts: stats.engines };
  }
  const entry = await writeStream(
    config,
    m.id,
    await loadBank(),
    rngFor,
    m.set,
    init.voices,
    streamsAugmenter,
    m.outDir,
  );
  return { type: 'stream-done', job: m.job, entry };
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'rendered') {
    const w = waiting.get(m.rid);
    waiting.delete(m.rid);
    if (m.error === undefined) w?.resolve();
    else w?.reject(new Error(m.error));
    return;
  }
  handle(m).then(post, (e: unknown) =>
    post({
      type: 'failed',
      job: m.job,
      name: e instanceof Error ? e.name : 'Error',
      message: e instanceof Error ? e.message : String(e),
    }),
  );
});
