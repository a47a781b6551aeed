import { z } from 'zod';
import { ConfigError } from '../../errors';
import type { ArtifactStore } from '../../store/artifact-store';
import { openStore } from '../../store/open-store';
import { resolveStoreSpec } from './prepare-run';

/** The parts of a run record (`runs/<run-id>.json`, activities/bookkeeping.ts) lineage reads. */
const runRecordSchema = z.object({
  runId: z.string(),
  workflowId: z.string(),
  status: z.string(),
  createdAt: z.string(),
  configHash: z.string(),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  tools: z.record(z.string(), z.string()),
  pipeline: z.object({
    name: z.string(),
    source: z.string(),
    stages: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        needs: z.array(z.string()),
        config: z.record(z.string(), z.unknown()),
      }),
    ),
  }),
  stages: z.record(
    z.string(),
    z.object({
      status: z.string(),
      cacheKey: z.string().optional(),
      /** Upstream artifact names the key covers (the stage module's `reads`); absent: all of them. */
      reads: z.array(z.string()).optional(),
      producedByRun: z.string().optional(),
      artifacts: z
        .array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number(), uri: z.string() }))
        .optional(),
    }),
  ),
});
type RunRecord = z.infer<typeof runRecordSchema>;

async function loadRuns(store: ArtifactStore): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (const key of await store.listDocs('runs/')) {
    const parsed = runRecordSchema.safeParse(await store.getDoc(key));
    if (parsed.success) runs.push(parsed.data);
  }
  return runs;
}

/** The stage and its upstream closure, nearest first. */
function upstream(run: RunRecord, stage: string): string[] {
  const needs = new Map(run.pipeline.stages.map((s) => [s.name, s.needs]));
  const order: string[] = [];
  const visit = (name: string): void => {
    if (order.includes(name)) return;
    order.push(name);
    for (const n of needs.get(name) ?? []) visit(n);
  };
  visit(stage);
  return order;
}

function describeRun(run: RunRecord, stages: readonly string[]): string {
  const lines = [
    `run ${run.runId} (${run.status}, ${run.createdAt}) workflow ${run.workflowId}`,
    `  pipeline ${run.pipeline.name} from ${run.pipeline.source}, config sha256 ${run.configHash.slice(0, 16)}`,
    `  git ${run.git.commit ?? 'unknown'}${run.git.dirty ? ' (uncommitted changes)' : ''}`,
    `  tools ${Object.entries(run.tools)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  ];
  for (const name of stages) {
    const s = run.stages[name];
    const def = run.pipeline.stages.find((x) => x.name === name);
    if (!s || !def) continue;
    const producer =
      s.status === 'cached' && s.producedByRun !== undefined && s.producedByRun !== run.runId
        ? ` (produced by run ${s.producedByRun})`
        : '';
    lines.push(
      `  stage ${name} (${def.kind}) ${s.status}${producer}, cache key ${s.cacheKey?.slice(0, 16) ?? '-'}${def.needs.length ? `, needs ${def.needs.join(', ')}` : ''}${s.reads ? ` (reads only ${s.reads.join(', ')})` : ''}`,
    );
    lines.push(`    with ${JSON.stringify(def.config)}`);
    for (const a of s.artifacts ?? []) lines.push(`    → ${a.name} sha256:${a.sha256} (${a.bytes} bytes)`);
  }
  return lines.join('\n');
}

/**
 * `tinyops lineage <run-id | artifact sha256 (prefix ≥ 8)>`: where a run or an artifact came
 * from, offline, from the run records in the store (docs/architecture.md#runs-and-tool-versions).
 */
export async function lineageCommand(what: string, storeSpec: string | undefined, projectDir: string): Promise<number> {
  const store = openStore(resolveStoreSpec(storeSpec, projectDir), projectDir);
  const runs = await loadRuns(store);
  const run = runs.find((r) => r.runId === what);
  if (run) {
    process.stdout.write(
      describeRun(
        run,
        run.pipeline.stages.map((s) => s.name),
      ) + '\n',
    );
    return 0;
  }
  if (!/^[0-9a-f]{8,64}$/.test(what))
    throw new ConfigError(
      `lineage: "${what}" is neither a run id in ${store.location} nor an artifact sha256 (at least 8 hex digits)`,
    );
  const hits = runs.flatMap((r) =>
    Object.entries(r.stages).flatMap(([stage, s]) =>
      (s.artifacts ?? []).filter((a) => a.sha256.startsWith(what)).map((a) => ({ r, stage, a })),
    ),
  );
  if (hits.length === 0)
    throw new ConfigError(`lineage: no run in ${store.location} produced an artifact with sha256 ${what}…`);
  // The earliest run that produced it is where it came from; later runs reused it from cache.
  hits.sort((x, y) => x.r.createdAt.localeCompare(y.r.createdAt));
  const first = hits[0] as (typeof hits)[number];
  process.stdout.write(
    `artifact ${first.a.name} sha256:${first.a.sha256} from stage ${first.stage}; ${hits.length} run(s) reference it\n`,
  );
  process.stdout.write(describeRun(first.r, upstream(first.r, first.stage)) + '\n');
  return 0;
}

/**
 * `tinyops runs [--pipeline P] [--json]`: the runs recorded in the store, newest first: id,
 * pipeline, status, when, code commit (and whether it had uncommitted changes), stages ran /
 * cached, and the model and dataset digests, from which `tinyops lineage` goes on.
 */
export async function runsCommand(
  pipeline: string | undefined,
  storeSpec: string | undefined,
  json: boolean,
  projectDir: string,
): Promise<number> {
  const store = openStore(resolveStoreSpec(storeSpec, projectDir), projectDir);
  const runs = (await loadRuns(store))
    .filter((r) => pipeline === undefined || r.pipeline.name === pipeline)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const digestOf = (r: RunRecord, name: string): string | null => {
    for (const s of Object.values(r.stages)) {
      const a = s.artifacts?.find((x) => x.name === name);
      if (a) return a.sha256;
    }
    return null;
  };
  const rows = runs.map((r) => {
    const st = Object.values(r.stages);
    return {
      run: r.runId,
      pipeline: r.pipeline.name,
      status: r.status,
      createdAt: r.createdAt,
      commit: r.git.commit,
      dirty: r.git.dirty,
      ran: st.filter((s) => s.status === 'ran').length,
      cached: st.filter((s) => s.status === 'cached').length,
      failed: st.filter((s) => s.status === 'failed').length,
      model: digestOf(r, 'model'),
      dataset: digestOf(r, 'dataset'),
    };
  });
  if (json) {
    process.stdout.write(JSON.stringify(rows) + '\n');
  } else if (rows.length === 0) {
    process.stdout.write(`no runs${pipeline ? ` of pipeline ${pipeline}` : ''} in ${store.location}\n`);
  } else {
    for (const r of rows) {
      process.stdout.write(
        `${r.run}  ${r.pipeline}  ${r.status}  ${r.createdAt}  git ${r.commit?.slice(0, 10) ?? '?'}${r.dirty ? '+dirty' : ''}  ` +
          `${r.ran} ran, ${r.cached} cached${r.failed ? `, ${r.failed} failed` : ''}  model ${r.model?.slice(0, 12) ?? '-'}\n`,
      );
    }
  }
  return 0;
}
