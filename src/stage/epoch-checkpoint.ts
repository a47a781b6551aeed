import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../nn/checkpoint';
import type { ArtifactRef } from '../store/artifact-store';
import type { StageContext } from './stage-module';

/**
 * Per-epoch checkpoints of the long stages (train, dnas): the state goes to the store as a blob
 * and the stage's checkpoint document names it, so a retry on any worker resumes after the last
 * finished epoch (ctx.saveCheckpoint keeps one document per stage and cache key).
 */
interface EpochCheckpointDoc {
  readonly epoch: number;
  readonly blob: ArtifactRef;
}

/** Store `bytes` as the checkpoint after `epoch` (via a file `name` in the work dir, removed after). */
export async function saveEpochCheckpoint(
  ctx: StageContext<unknown>,
  epoch: number,
  name: string,
  bytes: Uint8Array | string,
  mediaType: string,
): Promise<void> {
  const file = path.join(ctx.workDir, name);
  fs.writeFileSync(file, bytes);
  const blob = await ctx.storeFile('checkpoint', file, mediaType);
  await ctx.saveCheckpoint({ epoch, blob } satisfies EpochCheckpointDoc);
  fs.rmSync(file, { force: true });
}

/**
 * The last epoch checkpoint decoded, or undefined when there is none. One that `decode` rejects
 * with a CheckpointError (another format, other data or config) is logged and ignored: the
 * stage starts over; any other error propagates.
 */
export async function loadEpochCheckpoint<T>(
  ctx: StageContext<unknown>,
  decode: (bytes: Buffer) => T,
): Promise<T | undefined> {
  const doc = await ctx.loadCheckpoint<EpochCheckpointDoc>();
  if (!doc) return undefined;
  try {
    const state = decode(fs.readFileSync(await ctx.fetchFile(doc.blob)));
    ctx.log(`resuming after epoch ${doc.epoch}`);
    return state;
  } catch (e) {
    if (e instanceof CheckpointError) {
      ctx.log(`ignoring checkpoint: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}
