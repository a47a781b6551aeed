import { parentPort, workerData } from 'node:worker_threads';
import type { FetchJob, FetchReply } from './fetch-off-thread';
import { LocalStore } from './local-store';
import { unpackTar } from './tar';

/** One fetch (src/store/fetch-off-thread.ts): the main thread's own store and tar code, in this thread. */

const port = parentPort;
if (!port) throw new Error('fetch-worker.ts runs only as a worker thread (src/store/fetch-off-thread.ts)');
const job = workerData as FetchJob;

async function run(): Promise<void> {
  if (job.store) await new LocalStore(job.store.location).getToFile(job.store.sha256, job.store.file);
  if (job.unpack) await unpackTar(job.unpack.tar, job.unpack.dir);
}

run().then(
  () => port.postMessage({ ok: true } satisfies FetchReply),
  (e: unknown) => {
    const err = e instanceof Error ? (e as Error & { uri?: unknown; expected?: unknown; actual?: unknown }) : undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const reply: FetchReply = {
      ok: false,
      name: err?.name ?? 'Error',
      message: err?.message ?? String(e),
      ...(str(err?.uri) !== undefined ? { uri: str(err?.uri) } : {}),
      ...(str(err?.expected) !== undefined ? { expected: str(err?.expected) } : {}),
      ...(str(err?.actual) !== undefined ? { actual: str(err?.actual) } : {}),
    };
    port.postMessage(reply);
  },
);
