import { parentPort, workerData } from 'node:worker_threads';
import type { MfccConfig } from '../dsp/mfcc-config';
import type { StreamFeatureJob, StreamFeatureReply } from './stream-feature-pool';
import { streamFileFeatures } from './stream-features';

/**
 * A stream-feature worker thread (started by stream-feature-pool.ts): reads a stream WAV and
 * computes its frames with the same function the main thread uses; the frames' buffer is
 * transferred, not copied.
 */

const port = parentPort;
if (!port) throw new Error('stream-feature-worker.ts runs only as a worker thread (src/eval/stream-feature-pool.ts)');
const config = workerData as MfccConfig;

port.on('message', (m: StreamFeatureJob) => {
  let reply: StreamFeatureReply;
  try {
    reply = { job: m.job, result: streamFileFeatures(config, m.file) };
  } catch (e) {
    const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
    reply = { job: m.job, error };
  }
  const buffer = 'result' in reply && reply.result.ok ? [reply.result.frames.buffer as ArrayBuffer] : [];
  port.postMessage(reply, buffer);
});
