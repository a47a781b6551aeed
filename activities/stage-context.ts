import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactRef, ArtifactStore } from '../src/store/artifact-store';
import { fetchOffThread } from '../src/store/fetch-off-thread';
import { LocalStore } from '../src/store/local-store';
import { packDir } from '../src/store/tar';
import { Prng } from '../src/util/prng';
import { readableInputs } from '../src/stage/inputs';
import type { StageContext, StageOutputs, StageProgress } from '../src/stage/stage-module';

export interface StageContextArgs<C> {
  readonly pipelineName: string;
  readonly stageName: string;
  readonly runId: string;
  readonly seed: number;
  readonly config: C;
  /** Outputs of every stage in `needs:`; the context shows only `reads` of them, when given. */
  readonly inputs: Readonly<Record<string, StageOutputs>>;
  /** The stage module's declared `reads` (StageModule.reads): the only artifacts `ctx.inputs` holds. */
  readonly reads?: readonly string[];
  readonly cacheKey: string;
  readonly store: ArtifactStore;
  /** Local state dir (`.tinyops`): work/ and extract/ live under it. */
  readonly stateDir: string;
  /** Called with every progress report (heartbeat; may throw on cancellation). */
  readonly onProgress: (p: StageProgress) => void;
  readonly onLog: (message: string) => void;
}

/**
 * The StageContext handed to a stage module: seeded randomness, progress, checkpoints in
 * the store (so a retry on another worker resumes), and artifact I/O. Directory inputs
 * are extracted once per digest under `<state>/extract/<sha256>` and reused by later stages.
 */
export function createStageContext<C>(a: StageContextArgs<C>): StageContext<C> {
  const workDir = path.join(a.stateDir, 'work', `${a.stageName}-${a.cacheKey.slice(0, 16)}`);
  fs.mkdirSync(workDir, { recursive: true });
  const checkpointKey = `checkpoints/${a.cacheKey}.json`;
  const tmpDir = path.join(a.stateDir, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  const tmpName = (stem: string): string =>
    path.join(tmpDir, `${stem}-${process.pid}-${Math.random().toString(36).slice(2)}`);

  const asArtifact = (
    name: string,
    mediaType: string,
    ref: { sha256: string; bytes: number; uri: string },
  ): ArtifactRef => ({
    name,
    mediaType,
    sha256: ref.sha256,
    bytes: ref.bytes,
    uri: ref.uri,
  });

  return {
    pipelineName: a.pipelineName,
    stageName: a.stageName,
    runId: a.runId,
    seed: a.seed,
    config: a.config,
    // The view the cache key was computed from (activities/bookkeeping.ts): an artifact the
    // module does not declare in `reads` is not there to read.
    inputs: readableInputs(a.inputs, a.reads),
    workDir,
    rng: (...purpose) => Prng.derive(a.seed, a.stageName, ...purpose),
    progress: (p) => a.onProgress(p),
    loadCheckpoint: async <T>() => (await a.store.getDoc(checkpointKey)) as T | undefined,
    saveCheckpoint: (state) => a.store.putDoc(checkpointKey, state),
    storeFile: async (name, file, mediaType) => asArtifact(name, mediaType, await a.store.putFile(file)),
    storeDir: async (name, dir) => {
      const tar = tmpName(`${name}.tar`);
      try {
        // A progress report every 500 files keeps a long pack (a 30,000-clip dataset) from
        // looking like a stalled stage (activities/execute-stage.ts stops heartbeating then).
        await packDir(dir, tar, (done, total) => {
          if (done % 500 === 0 || done === total)
            a.onProgress({ done, total, unit: 'files', message: `storing ${name}` });
        });
        return asArtifact(name, 'application/x-tar', await a.store.putFile(tar));
      } finally {
        fs.rmSync(tar, { force: true });
      }
    },
    storeJson: async (name, value) =>
      asArtifact(name, 'application/json', await a.store.putBytes(Buffer.from(JSON.stringify(value, null, 2) + '\n'))),
    // Copies and extractions run in a worker thread (src/store/fetch-off-thread.ts): in this
    // thread they wait for an event-loop turn per chunk, and a stage training beside this one
    // gives a turn only every TensorFlow step.
    fetchFile: async (ref) => {
      const dest = path.join(a.stateDir, 'extract', `${ref.sha256}.bin`);
      if (!fs.existsSync(dest)) {
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        if (a.store instanceof LocalStore)
          await fetchOffThread({ store: { location: a.store.location, sha256: ref.sha256, file: dest } });
        else await a.store.getToFile(ref.sha256, dest);
      }
      return dest;
    },
    fetchDir: async (ref) => {
      const dest = path.join(a.stateDir, 'extract', ref.sha256);
      if (!fs.existsSync(dest)) {
        const tar = tmpName(`${ref.name}.tar`);
        try {
          const unpack = { tar, dir: dest }; // atomic: dest appears only when complete
          if (a.store instanceof LocalStore)
            await fetchOffThread({ store: { location: a.store.location, sha256: ref.sha256, file: tar }, unpack });
          else {
            await a.store.getToFile(ref.sha256, tar);
            await fetchOffThread({ unpack });
          }
        } catch (e) {
          // Another stage (or worker) extracted the same digest first: its result is complete.
          if (!fs.existsSync(dest)) throw e;
        } finally {
          fs.rmSync(tar, { force: true });
        }
      }
      return dest;
    },
    log: (m) => a.onLog(m),
  };
}

/** Remove a finished stage's scratch directory and checkpoint. */
export async function cleanupStage(
  store: ArtifactStore,
  stateDir: string,
  stageName: string,
  cacheKey: string,
): Promise<void> {
  fs.rmSync(path.join(stateDir, 'work', `${stageName}-${cacheKey.slice(0, 16)}`), { recursive: true, force: true });
  await store.deleteDoc(`checkpoints/${cacheKey}.json`);
}
