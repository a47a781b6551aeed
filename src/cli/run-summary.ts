import type { PipelineResult } from '../../workflows/types';

/**
 * The `--json` result (issue #3 §8): one object on stdout,
 * `{run, workflowId, status, stages: {<name>: {status, cacheKey, durationMs, artifacts, metrics}}}`.
 * Stage status is `ran`, `cached` or `failed`; a stage never started because a stage it
 * needs failed is `skipped` (with `error` saying which).
 */
export interface JsonRunSummary {
  readonly run: string;
  readonly workflowId: string;
  readonly status: 'completed' | 'failed';
  readonly runRecord?: string;
  /** Champion / challenger decision (pipelines with `promotion:`). */
  readonly promotion?: { promoted: boolean; previousChampion: string | null; outcomes: readonly string[] };
  readonly stages: Record<
    string,
    {
      status: string;
      cacheKey: string | null;
      durationMs: number | null;
      artifacts: { name: string; uri: string; sha256: string; bytes: number }[];
      metrics: Record<string, number | string | boolean>;
      summary?: string;
      error?: string;
      /** The run whose stage activity computed the outputs (another run's id for a cache hit). */
      producedByRun?: string;
      /** Class of the failure (`StageInputError`, `ToolTimeoutError`, ...), for failed stages. */
      errorType?: string;
    }
  >;
}

export function toJsonSummary(r: PipelineResult): JsonRunSummary {
  const stages: JsonRunSummary['stages'] = {};
  for (const [name, s] of Object.entries(r.stages)) {
    stages[name] = {
      status: s.status,
      cacheKey: s.cacheKey ?? null,
      durationMs: s.durationMs ?? null,
      artifacts: (s.artifacts ?? []).map((a) => ({ name: a.name, uri: a.uri, sha256: a.sha256, bytes: a.bytes })),
      metrics: { ...(s.metrics ?? {}) },
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.error ? { error: s.error } : {}),
      ...(s.errorType ? { errorType: s.errorType } : {}),
      ...(s.producedByRun ? { producedByRun: s.producedByRun } : {}),
    };
  }
  return {
    run: r.run,
    workflowId: r.workflowId,
    status: r.status,
    runRecord: r.runRecord,
    ...(r.promotion !== undefined && { promotion: r.promotion }),
    stages,
  };
}
