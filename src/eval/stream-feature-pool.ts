import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker-thread';
import { workerCountFromEnv } from '../util/worker-count';
import { StageInputError } from '../errors';
import type { MfccConfig } from '../dsp/mfcc-config';
import { streamFileFeatures, type StreamFileFeatures } from './stream-features';

/**
 * Worker threads for the evaluate stage's stream front end (the synth-kws pool's pattern,
 * src/synth/kws-pool.ts): every stream's MFCC is computed on another core while the main
 * thread runs TensorFlow over the streams before it, and the main thread stays free for the
 * stage that runs beside evaluate in the same worker process (train-4bit in the default run).
 * A stream's frames depend only on its samples and the front end, so which thread computes
 * them changes no byte (test/unit/eval/stream-feature-pool.test.ts).
 */

export interface StreamFeatureJob {
  readonly job: number;
  readonly file: string;
}

export type StreamFeatureReply =
  | { readonly job: number; readonly result: StreamFileFeatures }
  | { readonly job: number; readonly error: { readonly name: string; readonly message: string } };

/**
 * Stream-feature worker threads: `$TINYOPS_EVAL_WORKERS` if set (0 = compute in the main
 * thread when the stream is needed, as before), else one per core up to 2, none on one core.
 */
export function evalWorkerCount(): number {
  return workerCountFromEnv('TINYOPS_EVAL_WORKERS');
}

interface Queued {
  readonly job: StreamFeatureJob;
  resolve(r: StreamFileFeatures): void;
  reject(e: Error): void;
}

interface Slot {
  readonly worker: Worker;
  current: Queued | undefined;
}

/**
 * Frames of stream files, computed ahead: `request(file)` starts the work (in submission
 * order, one job per worker at a time) and returns a function that awaits its result. With
 * size 0 nothing runs ahead: the function computes the frames in the calling thread.
 */
export class StreamFeaturePool {
  private readonly queue: Queued[] = [];
  private nextJob = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly config: MfccConfig,
    private readonly slots: Slot[],
  ) {
    for (const slot of slots) {
      slot.worker.on('message', (m: StreamFeatureReply) => this.onReply(slot, m));
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => {
        if (code !== 0 && this.failure === undefined)
          this.fail(new Error(`stream-feature worker exited with code ${code}`));
      });
    }
  }

  /** `size` (≥ 0) workers with the front end `config`. */
  static start(size: number, config: MfccConfig): StreamFeaturePool {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`StreamFeaturePool: size must be ≥ 0, got ${size}`);
    const slots = Array.from({ length: size }, () => ({
      worker: startWorker(join(__dirname, 'stream-feature-worker.js'), config),
      current: undefined,
    }));
    return new StreamFeaturePool(config, slots);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Start computing `file`'s frames; the returned function awaits them. */
  request(file: string): () => Promise<StreamFileFeatures> {
    if (this.slots.length === 0) return async () => streamFileFeatures(this.config, file);
    const result = new Promise<StreamFileFeatures>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ job: { job: this.nextJob++, file }, resolve, reject });
      this.dispatch();
    });
    // Handled here so a failure of a stream nobody awaits any more (the stage failed on an
    // earlier one) is no unhandled rejection; the caller still sees it when it awaits.
    result.catch(() => undefined);
    return () => result;
  }

  /** Stop the workers (jobs still queued are dropped). */
  async close(): Promise<void> {
    this.fail(new Error('StreamFeaturePool: closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      slot.current = next;
      slot.worker.postMessage(next.job);
    }
  }

  private onReply(slot: Slot, m: StreamFeatureReply): void {
    const q = slot.current;
    slot.current = undefined;
    if (q === undefined || q.job.job !== m.job)
      return this.fail(new Error(`StreamFeaturePool: unexpected reply ${m.job}`));
    // A user's input error (an unreadable WAV) stays one, anything else an Error.
    if ('error' in m)
      q.reject(m.error.name === 'StageInputError' ? new StageInputError(m.error.message) : new Error(m.error.message));
    else q.resolve(m.result);
    this.dispatch();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const slot of this.slots) {
      slot.current?.reject(e);
      slot.current = undefined;
    }
    for (const q of this.queue.splice(0)) q.reject(e);
  }
}
