import { Worker } from 'node:worker_threads';

/**
 * Start a worker thread running `file` with `workerData`, its `process.env` a copy of the
 * calling module's `process.env` when it starts.
 *
 * Node's default is the process's own environment, which is not always the caller's view of
 * it: under jest a test file's `process.env` is a copy, so a test that points
 * `TINYOPS_TTS_CACHE` at an empty render cache had worker threads that still read the
 * machine's cache (docs/results/2026-12-05-testenv.md). Passing `env` makes the worker see what
 * the code that started it sees (the same rule as run-process.ts's child processes). Later
 * changes of the caller's environment do not reach a running worker: set it before the start.
 */
export function startWorker(file: string, workerData: unknown): Worker {
  return new Worker(file, { workerData, env: process.env });
}
