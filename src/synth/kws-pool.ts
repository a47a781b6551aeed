import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker-thread';
import { workerCountFromEnv } from '../util/worker-count';
import { StageInputError } from '../errors';
import { renderCached } from './engines/render-cache';
import type { TtsRequest } from './engines/types';
import type { SynthKwsConfig } from './kws-config';
import type { EngineRenderCounts } from './kws-dataset';
import type { ClipPlan } from './kws-plan';
import type { StreamIndexEntry, StreamSet } from './kws-streams';
import { rngForSeed, type RngFor } from './rng-for';
import type { ResolvedVoices } from './voice-sources';

/**
 * Worker threads for synth-kws clips and streams, so the DSP (resampling, backgrounds,
 * rooms, spectral warps, WAV encoding) runs on every core while this thread runs the TTS
 * engines. Every clip and stream draws only from its own seeded generators
 * (docs/architecture.md#reproducibility), so which thread makes it changes no byte.
 *
 * A worker (kws-worker.ts) renders through the render cache like the main thread; on a
 * miss it asks this thread, which runs the engine (engines cap their processes per thread,
 * and a Python server holds its model per thread: one set for the whole stage) and answers
 * when the render is in the cache. A worker starts with this thread's environment
 * (src/util/worker-thread.ts), so both threads name the same render-cache file for a request.
 */

/** What a worker needs to rebuild the stage's generators, background bank and augmenter. */
export interface KwsWorkerInit {
  readonly config: SynthKwsConfig;
  readonly seed: number;
  readonly stageName: string;
  readonly voices: ResolvedVoices;
}

export type ToWorker =
  | {
      readonly type: 'clips';
      readonly job: number;
      readonly plans: readonly ClipPlan[];
      readonly outDir: string;
      readonly clipSamples: number;
    }
  | {
      readonly type: 'stream';
      readonly job: number;
      readonly set: StreamSet;
      readonly id: number;
      readonly outDir: string;
    }
  | { readonly type: 'rendered'; readonly rid: number; readonly error?: string };

export type FromWorker =
  | { readonly type: 'render'; readonly rid: number; readonly req: TtsRequest }
  | { readonly type: 'clips-done'; readonly job: number; readonly counts: EngineRenderCounts }
  | { readonly type: 'stream-done'; readonly job: number; readonly entry: StreamIndexEntry }
  | { readonly type: 'failed'; readonly job: number; readonly name: string; readonly message: string };

/**
 * Worker threads for a synth-kws stage: `$TINYOPS_SYNTH_WORKERS` if set (0 = make everything
 * in the main thread), else one per core up to 2 (this project's machines have 2; the main
 * thread mostly waits on engine processes), none on a single core.
 */
export function synthWorkerCount(): number {
  return workerCountFromEnv('TINYOPS_SYNTH_WORKERS');
}

interface Pending {
  resolve(v: FromWorker): void;
  reject(e: Error): void;
}

interface Slot {
  readonly worker: Worker;
  busy: number;
}

export class KwsPool {
  /** The generators the pool's workers use: pass this `rngFor` to the generate functions. */
  readonly rngFor: RngFor;
  private readonly pending = new Map<number, Pending>();
  private nextJob = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly slots: Slot[],
    private readonly init: KwsWorkerInit,
  ) {
    this.rngFor = rngForSeed(init.seed, init.stageName);
    for (const slot of slots) {
      slot.worker.on('message', (m: FromWorker) => this.onMessage(slot.worker, m));
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`synth-kws worker exited with code ${code}`));
      });
    }
  }

  /** Start `size` (≥ 1) workers for one stage run. */
  static start(size: number, init: KwsWorkerInit): KwsPool {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`KwsPool: size must be ≥ 1, got ${size}`);
    const slots = Array.from({ length: size }, () => ({
      worker: startWorker(join(__dirname, 'kws-worker.js'), init),
      busy: 0,
    }));
    return new KwsPool(slots, init);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Throws unless the pool was started for `config` and `rngFor` is the pool's. */
  check(config: SynthKwsConfig, rngFor: RngFor): void {
    if (rngFor !== this.rngFor) throw new Error('KwsPool: pass pool.rngFor as rngFor');
    if (JSON.stringify(config) !== JSON.stringify(this.init.config))
      throw new Error('KwsPool: started for another config');
  }

  /** Make the clips of one work unit (clips sharing a render); their render counts. */
  async clips(plans: readonly ClipPlan[], outDir: string, clipSamples: number): Promise<EngineRenderCounts> {
    const job = this.nextJob++;
    const m = await this.send({ type: 'clips', job, plans, outDir, clipSamples });
    if (m.type !== 'clips-done') throw new Error(`KwsPool: unexpected reply ${m.type}`);
    return m.counts;
  }

  /** Make stream `id` of `set` into `outDir`; its index entry. */
  async stream(set: StreamSet, id: number, outDir: string): Promise<StreamIndexEntry> {
    const job = this.nextJob++;
    const m = await this.send({ type: 'stream', job, set, id, outDir });
    if (m.type !== 'stream-done') throw new Error(`KwsPool: unexpected reply ${m.type}`);
    return m.entry;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private send(msg: Extract<ToWorker, { job: number }>): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    // The least busy worker: units differ in size (a render shared by 1–12 clips).
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    return new Promise<FromWorker>((resolve, reject) => {
      this.pending.set(msg.job, { resolve, reject });
      slot.worker.postMessage(msg);
    }).finally(() => slot.busy--);
  }

  private onMessage(worker: Worker, m: FromWorker): void {
    if (m.type === 'render') {
      // A cache miss in a worker: render here (the engines' process caps hold), then answer.
      renderCached(m.req).then(
        () => worker.postMessage({ type: 'rendered', rid: m.rid } satisfies ToWorker),
        (e: unknown) =>
          worker.postMessage({
            type: 'rendered',
            rid: m.rid,
            error: e instanceof Error ? e.message : String(e),
          } satisfies ToWorker),
      );
      return;
    }
    const p = this.pending.get(m.job);
    if (!p) return;
    this.pending.delete(m.job);
    if (m.type === 'failed') {
      // A user's input error stays one (no stack trace for the user), anything else an Error.
      p.reject(m.name === 'StageInputError' ? new StageInputError(m.message) : new Error(m.message));
    } else p.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
