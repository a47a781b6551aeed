import { parentPort, workerData } from 'node:worker_threads';

/** Fixture worker for worker-thread.test.ts: answers each message with the environment variables named in `workerData`. */
const names = workerData as readonly string[];
parentPort!.on('message', () => parentPort!.postMessage(names.map((n) => process.env[n] ?? null)));
