import type * as TF from '@tensorflow/tfjs-node';
import { TinyopsError } from '../errors';

/** The tfjs-node module, as `import * as tf from '@tensorflow/tfjs-node'` would type it. */
export type Tf = typeof TF;

/** The only backend tinyops trains on: libtensorflow through tfjs-node's native addon. */
export const NATIVE_BACKEND = 'tensorflow';

/**
 * tfjs is unusable for training here: the native addon did not load, or the active backend
 * is not libtensorflow. Not retryable — the same worker would fail the same way.
 * (Kept beside `loadTf` rather than in src/errors.ts because only src/nn raises it.)
 */
export class TfBackendError extends TinyopsError {
  override readonly name = 'TfBackendError';
  constructor(
    message: string,
    readonly backend: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Throws unless `backend` is the native TensorFlow backend. tfjs silently falls back to its
 * pure-JS `cpu` backend, which is ~50× slower and gives different float results, so a
 * fallback would both hide a broken install and change cached training outputs.
 */
export function assertNativeBackend(backend: string | undefined): void {
  if (backend === NATIVE_BACKEND) return;
  throw new TfBackendError(
    `tfjs backend is "${backend ?? 'none'}", but training needs the native "${NATIVE_BACKEND}" backend ` +
      `of @tensorflow/tfjs-node (no fallback to the JS backend); run \`npm run setup\` to build the ` +
      `native addon, and do not call tf.setBackend() with another backend in the worker`,
    backend,
  );
}

let cached: Tf | undefined;

/**
 * tfjs-node, loaded on first use. Requiring it starts libtensorflow (thread pools, ~100 MB,
 * log lines on stderr), so `src/nn` must stay importable without it: the CLI and the
 * workflow bundle import stage configs from here but never train.
 */
export function loadTf(): Tf {
  if (cached === undefined) {
    let tf: Tf;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      tf = require('@tensorflow/tfjs-node') as Tf;
    } catch (e) {
      throw new TfBackendError(
        `@tensorflow/tfjs-node failed to load (${(e as Error).message.split('\n')[0]}); run \`npm run setup\` ` +
          `to build its native addon against libtensorflow`,
        undefined,
      );
    }
    cached = tf;
  }
  assertNativeBackend(cached.getBackend());
  return cached;
}
