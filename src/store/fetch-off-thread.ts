import { join } from 'node:path';
import { startWorker } from '../util/worker-thread';
import { ArtifactNotFoundError, DigestMismatchError, StageInputError } from '../errors';

/**
 * A stage's fetch of an artifact (the digest-checked copy out of a local store, the extraction of
 * a directory artifact) in a worker thread with its own event loop. In the main thread every
 * 64 KB chunk of the copy and every file of the extraction waits for an event-loop turn, and
 * while another stage of the same worker trains (TensorFlow steps of ≈ 0.4 s between two
 * turns: train-4bit beside evaluate in the default run) a 115 MB stream artifact took minutes
 * instead of 3 s (docs/results/2026-12-05-evaluate-wall.md). The worker runs the same
 * LocalStore.getToFile and unpackTar, so the files are the same bytes.
 */

export interface FetchJob {
  /** A LocalStore's location: copy object `sha256` from it to `file` (digest checked) first. */
  readonly store?: { readonly location: string; readonly sha256: string; readonly file: string };
  /** Then extract the tar `tar` into `dir` (atomically: `dir` appears only when complete). */
  readonly unpack?: { readonly tar: string; readonly dir: string };
}

export type FetchReply =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly name: string;
      readonly message: string;
      readonly uri?: string;
      readonly expected?: string;
      readonly actual?: string;
    };

/** The error a reply stands for, as the main thread would have thrown it. */
export function fetchError(r: Extract<FetchReply, { ok: false }>): Error {
  if (r.name === 'StageInputError') return new StageInputError(r.message);
  if (r.name === 'ArtifactNotFoundError' && r.uri !== undefined) return new ArtifactNotFoundError(r.uri);
  if (r.name === 'DigestMismatchError' && r.uri !== undefined && r.expected !== undefined && r.actual !== undefined)
    return new DigestMismatchError(r.uri, r.expected, r.actual);
  const e = new Error(r.message);
  // Node's system errors (ENOENT, ENOSPC …) keep their name for the retry classification.
  if (r.name !== 'Error') e.name = r.name;
  return e;
}

/** Run `job` in a new worker thread; resolves when the files are in place. */
export function fetchOffThread(job: FetchJob): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const worker = startWorker(join(__dirname, 'fetch-worker.js'), job);
    let settled = false;
    worker.once('message', (r: FetchReply) => {
      settled = true;
      if (r.ok) resolve();
      else reject(fetchError(r));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`fetch worker exited with code ${code} before it answered`));
    });
  });
}
