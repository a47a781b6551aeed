import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { computeCacheKey } from '../src/cache/cache-key';
import { lookupCacheEntry } from '../src/cache/stage-cache';
import { installDir } from '../src/project';
import type { CacheLookupInput, CacheLookupResult, RecordRunInput } from '../workflows/types';
import type { ActivityEnv } from './activity-env';
import type { AnyStageModule } from './stage-module';
import { packageVersion, tfjsVersions, toolVersion } from './tool-versions';

const run = promisify(execFile);

/**
 * Workflow bookkeeping activities: cache lookups and run records. Exported as a factory
 * so the workflow can `import type` the shape (STYLE.md §1) while the worker binds env.
 */
export function createBookkeeping(env: ActivityEnv, modules: ReadonlyMap<string, AnyStageModule>) {
  return {
    /**
     * Compute the stage's cache key (DESIGN.md §4: kind + implementation version +
     * canonical config + input digests + seed + tool versions, and the stage's name, which
     * its random streams derive from) and look it up.
     */
    async lookupStageCache(input: CacheLookupInput): Promise<CacheLookupResult> {
      const module = modules.get(input.stage.kind);
      if (!module) throw new Error(`no stage module for kind "${input.stage.kind}" on this worker`);
      const cacheKey = computeCacheKey({
        stage: input.stage.name,
        kind: module.kind,
        version: module.version,
        config: input.stage.config,
        inputs: Object.entries(input.inputs).map(([stage, out]) => ({
          stage,
          artifacts: out.artifacts.map((a) => ({ name: a.name, sha256: a.sha256 })),
        })),
        seed: input.seed,
        tools: {
          ...(module.toolVersions ? await module.toolVersions(input.stage.config) : {}),
          ...(module.cacheInputs ? await module.cacheInputs(input.stage.config) : {}),
        },
      });
      const entry = await lookupCacheEntry(env.openStore(input.store), cacheKey);
      if (!entry) return { cacheKey };
      return { cacheKey, hit: { cacheKey, artifacts: entry.artifacts, metrics: entry.metrics, summary: entry.summary, durationMs: entry.durationMs } };
    },

    /** Write `runs/<run-id>.json`: resolved pipeline, git commit, tool versions, stage outcomes. */
    async recordRun(input: RecordRunInput): Promise<string> {
      const key = `runs/${input.runId}.json`;
      const store = env.openStore(input.store);
      await store.putDoc(key, {
        runId: input.runId,
        workflowId: input.workflowId,
        status: input.status,
        createdAt: new Date().toISOString(),
        configHash: input.configHash,
        pipeline: input.pipeline,
        git: await gitState(env.projectDir),
        tools: await toolVersions(),
        stages: input.stages,
      });
      return `${store.location}/${key}`;
    },
  };
}

export type Bookkeeping = ReturnType<typeof createBookkeeping>;

async function gitState(dir: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const { stdout: commit } = await run('git', ['-C', dir, 'rev-parse', 'HEAD']);
    const { stdout: status } = await run('git', ['-C', dir, 'status', '--porcelain']);
    return { commit: commit.trim(), dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Versions of everything that can change a stage's bytes (DESIGN.md §4 "Runs"). */
export async function toolVersions(): Promise<Record<string, string>> {
  const [gcc, qemu, espeak, temporal] = await Promise.all([
    toolVersion('arm-none-eabi-gcc'),
    toolVersion('qemu-system-arm'),
    toolVersion('espeak-ng'),
    toolVersion(path.join(installDir, '.tinyops', 'bin', 'temporal')),
  ]);
  return {
    tinyops: packageVersion('..'),
    node: process.version,
    ...tfjsVersions(),
    '@temporalio/worker': packageVersion('@temporalio/worker'),
    'arm-none-eabi-gcc': gcc,
    'qemu-system-arm': qemu,
    'espeak-ng': espeak,
    temporal,
  };
}
