/**
 * Data that crosses the workflow boundary (inputs, query results, activity arguments).
 * Type-only imports keep this module free of Node APIs: it is bundled into workflow code.
 */
import type { StageOutputs, Metrics, StageProgress } from '../src/stage/stage-module';
import type { ArtifactRef } from '../src/store/artifact-store';
import type { ResolvedPipeline, ResolvedStage } from '../src/spec/load-pipeline';
import type { JsonValue } from '../src/cache/canonical-json';

export type { ArtifactRef, Metrics, ResolvedPipeline, ResolvedStage, StageOutputs, StageProgress };

export interface PipelineWorkflowInput {
  /**
   * The run's id. Left out by schedules (one input serves every scheduled run): the run id is
   * then derived from the workflow id Temporal gives each scheduled start (runIdOf).
   */
  readonly runId?: string;
  readonly pipeline: ResolvedPipeline;
  /** Store spec every activity opens: a directory path or `s3://bucket/prefix`. */
  readonly store: string;
  /** sha256 of the canonical resolved pipeline (memo / search attribute). */
  readonly configHash: string;
  /** Whether tinyops' search attributes are registered on this namespace. */
  readonly searchAttributes: boolean;
  /** Activity heartbeat timeout in seconds (default 30): how fast a dead worker is noticed. */
  readonly heartbeatTimeoutSec?: number;
  /** Task queue of a stage's activity, for stages routed off the run's queue (src/temporal/queues.ts). */
  readonly stageQueues?: Readonly<Record<string, string>>;
}

export type StageStatus = 'pending' | 'running' | 'cached' | 'ran' | 'failed' | 'skipped';

export interface StageState {
  readonly name: string;
  readonly kind: string;
  status: StageStatus;
  cacheKey?: string;
  /**
   * Upstream artifact names the cache key was made of (the module's `reads`); absent when the
   * key covers every artifact of every stage in `needs:`.
   */
  reads?: readonly string[];
  /** What the cache key is the hash of (src/cache/cache-key.ts cacheKeyMaterial), for the run record. */
  cacheKeyMaterial?: JsonValue;
  durationMs?: number;
  artifacts?: readonly ArtifactRef[];
  metrics?: Metrics;
  summary?: string;
  error?: string;
  /** Kind of failure: the error class (`StageInputError`, `ToolTimeoutError`, ...). */
  errorType?: string;
  /** The run whose stage activity computed the outputs (this run when `ran`; another for most `cached`). */
  producedByRun?: string;
  /** Workflow id of the stage execution computing it (workflows/stage.ts), while running. */
  executionId?: string;
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
  /** Champion / challenger decision, when the pipeline has `promotion:` and the run completed. */
  readonly promotion?: PromoteResult;
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
  /** On a cache hit: the run that committed the entry. */
  readonly producedByRun?: string;
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
  /**
   * Workflow id of the one execution of this stage for this store and key
   * (`tinyops-stage-<sha256(store location, cache key)>`): concurrent runs that need the same
   * stage meet on it, so it is computed once (workflows/stage.ts).
   */
  readonly executionId: string;
  /** Present on a hit. */
  readonly hit?: StageActivityResult;
  /**
   * The upstream artifact names the key covers and the stage sees, when its module declares
   * `reads` (src/stage/stage-module.ts); absent: every artifact of every stage in `needs:`.
   */
  readonly reads?: readonly string[];
  /** The material `cacheKey` is the sha256 of (its canonical JSON): what the key covers. */
  readonly cacheKeyMaterial?: JsonValue;
}

/** Arguments of stageWorkflow: one stage execution, shared by every run that needs it. */
export interface StageWorkflowInput {
  readonly activity: StageActivityInput;
  /** Activity heartbeat timeout in seconds (the pipeline's). */
  readonly heartbeatTimeoutSec?: number;
  /** Task queue of the stage activity; default the workflow's own. */
  readonly taskQueue?: string;
}

/** What stageWorkflow returns: the committed outputs, and who computed them. */
export interface StageWorkflowResult extends StageActivityResult {
  /** True if the cache already held the result when the execution looked (nothing computed). */
  readonly cached: boolean;
  /** The run that asked for this execution first (the one whose stage activity computed it). */
  readonly computedByRun: string;
}

/** Arguments of the awaitStageExecution activity. */
export interface AwaitStageInput {
  readonly workflowId: string;
}

/**
 * The other run's execution finished (`result`), or it cannot be relied on (`gone`: it
 * failed, was terminated, or no worker has polled its task queue for a while) and the
 * waiting run must compute the stage itself.
 */
export type AwaitStageResult = { readonly result: StageWorkflowResult } | { readonly gone: string };

/** Arguments of the promoteModel activity (champion / challenger, src/promotion). */
export interface PromoteInput {
  readonly pipeline: string;
  readonly runId: string;
  readonly workflowId: string;
  readonly store: string;
  readonly promotion: NonNullable<ResolvedPipeline['promotion']>;
  readonly stages: Readonly<Record<string, StageState>>;
}

export interface PromoteResult {
  readonly promoted: boolean;
  /** The champion before this decision (run id), if any. */
  readonly previousChampion: string | null;
  /** One line per rule: `pass|FAIL <rule>: <detail>`. */
  readonly outcomes: readonly string[];
  /** The challenger-vs-champion page (src/promotion/comparison.ts) in the store. */
  readonly comparison?: { readonly sha256: string; readonly uri: string };
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

/** Activity type name for a stage kind: `synth-kws` → `synthKwsStage` (docs/architecture.md#stage-contract). */
export function stageActivityName(kind: string): string {
  return kind.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) + 'Stage';
}

export function pipelineWorkflowId(pipeline: string, runId: string): string {
  return `pipeline/${pipeline}/${runId}`;
}

/**
 * The run id of a pipeline workflow: the last segment of `pipeline/<name>/<run-id>`. A
 * scheduled start's id is the schedule's workflow id plus `-<RFC 3339 time>`, e.g.
 * `pipeline/kws/sched-nightly-2026-12-04T03:00:00Z` → `sched-nightly-20261204T030000Z`
 * (characters a store key and file name can hold).
 */
export function runIdOf(workflowId: string): string {
  const last = workflowId.slice(workflowId.lastIndexOf('/') + 1);
  return last.replace(/[-:](?=\d\d(?:[-:T]|Z|$))/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
}
