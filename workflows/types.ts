/**
 * Data that crosses the workflow boundary (inputs, query results, activity arguments).
 * Type-only imports keep this module free of Node APIs: it is bundled into workflow code.
 */
import type { StageOutputs, Metrics, StageProgress } from '../activities/stage-module';
import type { ArtifactRef } from '../src/store/artifact-store';
import type { ResolvedPipeline, ResolvedStage } from '../src/spec/load-pipeline';

export type { ArtifactRef, Metrics, ResolvedPipeline, ResolvedStage, StageOutputs, StageProgress };

export interface PipelineWorkflowInput {
  readonly runId: string;
  readonly pipeline: ResolvedPipeline;
  /** Store spec every activity opens: a directory path or `s3://bucket/prefix`. */
  readonly store: string;
  /** sha256 of the canonical resolved pipeline (memo / search attribute). */
  readonly configHash: string;
  /** Whether tinyops' search attributes are registered on this namespace. */
  readonly searchAttributes: boolean;
  /** Activity heartbeat timeout in seconds (default 30): how fast a dead worker is noticed. */
  readonly heartbeatTimeoutSec?: number;
}

export type StageStatus = 'pending' | 'running' | 'cached' | 'ran' | 'failed' | 'skipped';

export interface StageState {
  readonly name: string;
  readonly kind: string;
  status: StageStatus;
  cacheKey?: string;
  durationMs?: number;
  artifacts?: readonly ArtifactRef[];
  metrics?: Metrics;
  summary?: string;
  error?: string;
  /** Kind of failure: the error class (`StageInputError`, `ToolTimeoutError`, ...). */
  errorType?: string;
  /** Attempt number of the running activity, when known. */
  attempt?: number;
}

export interface PipelineProgress {
  readonly runId: string;
  readonly pipeline: string;
  readonly stages: readonly StageState[];
  readonly done: boolean;
}

export interface PipelineResult {
  readonly run: string;
  readonly workflowId: string;
  readonly status: 'completed' | 'failed';
  readonly stages: Readonly<Record<string, StageState>>;
  /** Where the run record was written (`runs/<run-id>.json` in the store). */
  readonly runRecord?: string;
}

/** Arguments of every stage activity. */
export interface StageActivityInput {
  readonly pipeline: string;
  readonly runId: string;
  readonly store: string;
  readonly seed: number;
  readonly stage: ResolvedStage;
  readonly cacheKey: string;
  readonly inputs: Readonly<Record<string, StageOutputs>>;
}

/** What a stage activity returns (its committed cache entry, trimmed). */
export interface StageActivityResult extends StageOutputs {
  readonly cacheKey: string;
  readonly summary: string;
  readonly durationMs: number;
}

export interface CacheLookupInput {
  readonly pipeline: string;
  readonly store: string;
  readonly seed: number;
  readonly stage: ResolvedStage;
  readonly inputs: Readonly<Record<string, StageOutputs>>;
}

export interface CacheLookupResult {
  readonly cacheKey: string;
  /** Present on a hit. */
  readonly hit?: StageActivityResult;
}

export interface RecordRunInput {
  readonly runId: string;
  readonly workflowId: string;
  readonly store: string;
  readonly pipeline: ResolvedPipeline;
  readonly configHash: string;
  readonly status: 'completed' | 'failed';
  readonly stages: Readonly<Record<string, StageState>>;
}

/** Activity type name for a stage kind: `synth-kws` → `synthKwsStage` (STYLE.md naming). */
export function stageActivityName(kind: string): string {
  return kind.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) + 'Stage';
}

export function pipelineWorkflowId(pipeline: string, runId: string): string {
  return `pipeline/${pipeline}/${runId}`;
}
