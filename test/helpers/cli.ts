import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** The compiled CLI entry (tests run from dist/test/...). */
export const cliPath = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
/** Repo root (for fixtures): dist/test/helpers → ../../.. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd = repoRoot): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Run the CLI to completion and collect its output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env, cwd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parse the `--json` object a run prints as its last stdout line. */
export function parseRunJson(stdout: string): RunJson {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as RunJson;
}

/** Where a test file's runs go: a useTemporalHome (test/helpers/temporal-server.ts). */
export interface RunHome {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
}

/** `tinyops run PIPELINE --json` against the store in the test home, `extra` arguments after. */
export function runInHome(h: RunHome, pipeline: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['run', pipeline, '--json', '--store', path.join(h.home, 'store'), ...extra], h.env);
}

/** A run the rest of a test file builds on: it must succeed (its stderr is the error otherwise). */
export async function successfulRun(h: RunHome, pipeline: string, ...extra: string[]): Promise<RunJson> {
  const r = await runInHome(h, pipeline, ...extra);
  if (r.code !== 0) throw new Error(`run of ${pipeline} failed (${r.code}):\n${r.stderr}`);
  return parseRunJson(r.stdout);
}

export interface RunJson {
  run: string;
  workflowId: string;
  status: 'completed' | 'failed';
  stages: Record<
    string,
    {
      status: string;
      cacheKey: string | null;
      durationMs: number | null;
      artifacts: { name: string; uri: string; sha256: string; bytes: number }[];
      metrics: Record<string, unknown>;
      error?: string;
      errorType?: string;
      producedByRun?: string;
    }
  >;
}

/** name → sha256 of every artifact, per stage: what "same digests" compares. */
export function digests(r: RunJson): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [stage, s] of Object.entries(r.stages))
    out[stage] = Object.fromEntries(s.artifacts.map((a) => [a.name, a.sha256]));
  return out;
}

/** What a stage activity heartbeats (activities/execute-stage.ts). */
export interface HeartbeatDetails {
  readonly stage?: string;
  readonly progress?: { done: number; total: number; unit: string; epoch?: number; epochs?: number };
  readonly attempt?: number;
}

export interface PendingStageActivity {
  readonly stage: string;
  readonly activityType?: string;
  readonly hasHeartbeat: boolean;
  /** A worker has picked it up (PENDING_ACTIVITY_STATE_STARTED), not merely scheduled. */
  readonly started: boolean;
  readonly attempt: number;
  readonly details?: HeartbeatDetails;
}

/**
 * Pending activities of a run's running stages. Stage activities run in the stage executions
 * (workflows/stage.ts), child workflows named in the run's progress query.
 */
export async function pendingStageActivities(
  client: import('@temporalio/client').Client,
  runWorkflowId: string,
): Promise<PendingStageActivity[]> {
  const { progressQuery } = await import('../../workflows/messages');
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const progress = await client.workflow.getHandle(runWorkflowId).query(progressQuery);
  const out: PendingStageActivity[] = [];
  for (const s of progress.stages) {
    if (s.status !== 'running' || s.executionId === undefined) continue;
    const desc = await client.workflow
      .getHandle(s.executionId)
      .describe()
      .catch(() => undefined);
    for (const p of desc?.raw.pendingActivities ?? []) {
      const payload = p.heartbeatDetails?.payloads?.[0];
      const details = payload ? defaultPayloadConverter.fromPayload<HeartbeatDetails>(payload) : undefined;
      out.push({
        stage: s.name,
        activityType: p.activityType?.name ?? undefined,
        hasHeartbeat: payload !== undefined,
        started: Number(p.state) === 2,
        attempt: p.attempt ?? 1,
        details,
      });
    }
  }
  return out;
}
