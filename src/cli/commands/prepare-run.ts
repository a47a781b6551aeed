import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { stageModules } from '../../../activities';
import { boardNames } from '../../boards/registry';
import { canonicalJson } from '../../cache/canonical-json';
import { stateDir } from '../../project';
import { loadPipelineFile, type ResolvedPipeline } from '../../spec/load-pipeline';
import { openStore } from '../../store/open-store';

export interface PreparedRun {
  readonly pipeline: ResolvedPipeline;
  /** The store every activity opens (a directory or s3://…). */
  readonly storeSpec: string;
  /** sha256 of the canonical resolved pipeline (memo / search attribute). */
  readonly configHash: string;
}

/** The store a command uses: --store, else $TINYOPS_STORE, else the project's `.tinyops/store`. */
export function resolveStoreSpec(store: string | undefined, projectDir: string): string {
  return store ?? process.env.TINYOPS_STORE ?? path.join(stateDir(projectDir), 'store');
}

/**
 * What `run` and `schedule create` both do before talking to Temporal: load and validate the
 * pipeline (with `--set` overrides), pick the store (--store, $TINYOPS_STORE, or the
 * project's `.tinyops/store`) and fail fast on a malformed one, and hash the config.
 */
export function preparePipelineRun(
  file: string,
  set: readonly string[],
  store: string | undefined,
  projectDir: string,
): PreparedRun {
  const pipeline = loadPipelineFile(file, { modules: stageModules, overrides: set, boards: boardNames });
  const storeSpec = resolveStoreSpec(store, projectDir);
  openStore(storeSpec, projectDir); // fail fast on a malformed store spec
  const configHash = createHash('sha256')
    .update(canonicalJson({ ...pipeline, source: undefined }))
    .digest('hex');
  return { pipeline, storeSpec, configHash };
}
