import type { z } from 'zod';
import type { ArtifactRef } from '../store/artifact-store';
import type { Prng } from '../util/prng';

/** Metric values a stage reports (shown in `--json`, the run record and the Temporal UI). */
export type MetricValue = number | string | boolean;
export type Metrics = Readonly<Record<string, MetricValue>>;

/** What a finished stage produced. Stored as the cache entry, returned to the workflow. */
export interface StageOutputs {
  readonly artifacts: readonly ArtifactRef[];
  readonly metrics: Metrics;
}

export interface StageResult extends StageOutputs {
  /** One line for humans: "1200 clips, 12 classes, 20 streams (6.7 min)". */
  readonly summary: string;
}

/** Progress of long work; sent as an activity heartbeat and rendered by the CLI. */
export interface StageProgress {
  /** Units done so far and total (clips, steps, ...). */
  readonly done: number;
  readonly total: number;
  /** What the units are, e.g. "clips", "steps". */
  readonly unit: string;
  readonly epoch?: number;
  readonly epochs?: number;
  /** Short status text, e.g. "val_acc 0.91". */
  readonly message?: string;
}

/**
 * Everything a stage may touch. A stage does I/O only through this context and the
 * external tools it runs, so the same stage code works with a local or S3 store and
 * resumes after a worker crash.
 */
export interface StageContext<C> {
  readonly pipelineName: string;
  readonly stageName: string;
  readonly runId: string;
  /** The pipeline's seed. Prefer `rng()`, which derives per-stage, per-purpose streams. */
  readonly seed: number;
  /** The stage's resolved config (defaults applied, validated by the module's schema). */
  readonly config: C;
  /** Outputs of the stages named in `needs:`, by stage name. */
  readonly inputs: Readonly<Record<string, StageOutputs>>;
  /** Scratch directory on this machine, kept across retries of the same cache key. */
  readonly workDir: string;

  /** Seeded generator for a purpose: Prng.derive(seed, stageName, ...purpose). */
  rng(...purpose: ReadonlyArray<string | number>): Prng;
  /** Report progress (throttled heartbeat). Throws if the activity was cancelled. */
  progress(p: StageProgress): void;
  /** Resumable state for this cache key; survives a worker crash (kept in the store). */
  loadCheckpoint<T>(): Promise<T | undefined>;
  saveCheckpoint(state: unknown): Promise<void>;

  /** Store outputs. `storeDir` packs a directory as a deterministic tar. */
  storeFile(name: string, path: string, mediaType: string): Promise<ArtifactRef>;
  storeDir(name: string, dir: string): Promise<ArtifactRef>;
  storeJson(name: string, value: unknown): Promise<ArtifactRef>;
  /** Fetch inputs to local paths (verified; directories extracted once per digest). */
  fetchFile(ref: ArtifactRef): Promise<string>;
  fetchDir(ref: ArtifactRef): Promise<string>;
  log(message: string): void;
}

/**
 * One stage kind = one module (docs/architecture.md#stage-contract). Bump `version`
 * whenever the same inputs would give different bytes: it is part of the cache key.
 */
export interface StageModule<C = unknown> {
  readonly kind: string;
  readonly version: number;
  readonly description: string;
  /** Strict zod schema of `with:`; defaults live here. */
  readonly configSchema: z.ZodType<C>;
  /**
   * The stage builds for a board: its config has a `board` key that, when left out, is filled
   * in from the pipeline's top-level `board:` (so the board is part of the cache key).
   */
  readonly usesBoard?: boolean;
  /**
   * The artifact names this stage reads from the stages in its `needs:` (e.g. `train`,
   * `validation`, optionally `model`). When set, the cache key covers only those artifacts of
   * its inputs, and `ctx.inputs` holds only them (src/stage/inputs.ts readableInputs): an
   * upstream artifact it does not read (the features' `test` split for a trainer) can change
   * without re-running it. Left out, the key covers every upstream artifact. List every name
   * any code path of the stage may look up, optional ones included: a name left out is
   * invisible to the stage, as if no upstream stage made it.
   */
  readonly reads?: readonly string[];
  /**
   * Versions of external tools whose output this stage depends on (part of the cache key).
   * Gets the stage's config, for stages whose tools depend on it (synth-kws: its engines).
   */
  toolVersions?(config?: C): Promise<Record<string, string>>;
  /**
   * Fingerprints of inputs that are not artifacts (e.g. a user folder named in the config),
   * so that changing them changes the cache key. Must be cheap and must not throw.
   */
  cacheInputs?(config: C): Promise<Record<string, string>>;
  run(ctx: StageContext<C>): Promise<StageResult>;
}

/**
 * Registry entries are heterogeneous: `StageModule<unknown>` accepts any module because
 * `run` is a method (bivariant parameter) and the schema's output type is covariant.
 * `run` is only ever called with a config that module's own schema produced.
 */
export type AnyStageModule = StageModule<unknown>;
