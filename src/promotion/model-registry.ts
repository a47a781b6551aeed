import { z } from 'zod';
import type { ArtifactStore } from '../store/artifact-store';
import { decide, type Decision, type MetricTable } from './decide';
import { compareMetrics, renderComparisonHtml, type ComparisonRow } from './comparison';
import type { Promotion } from './promotion-config';

/**
 * The model registry in the artifact store (issue #15 "champion / challenger"):
 *
 *   models/<pipeline>/champion.json          the current champion (a decision record)
 *   models/<pipeline>/history/<run-id>.json  every decision, promoted or not
 *
 * A record names the run, the model stage's artifacts (digests: `tinyops lineage` takes it
 * from there), the metrics the rules read and each rule's outcome.
 */
const outcomeSchema = z.object({ rule: z.string(), passed: z.boolean(), detail: z.string() });
export const decisionRecordSchema = z.object({
  pipeline: z.string(),
  runId: z.string(),
  workflowId: z.string(),
  decidedAt: z.string(),
  promoted: z.boolean(),
  previousChampion: z.string().nullable(),
  model: z.object({
    stage: z.string(),
    artifacts: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number() })),
  }),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  outcomes: z.array(outcomeSchema),
  /** Every metric of the run (`<stage>.<metric>`), so a later challenger can be compared on all of them. */
  allMetrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  /** The comparison page (src/promotion/comparison.ts), an object in the store. */
  comparison: z.object({ sha256: z.string(), bytes: z.number(), uri: z.string() }).optional(),
});
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;

export const championKey = (pipeline: string): string => `models/${pipeline}/champion.json`;
export const historyPrefix = (pipeline: string): string => `models/${pipeline}/history/`;

export async function readChampion(store: ArtifactStore, pipeline: string): Promise<DecisionRecord | undefined> {
  const doc = await store.getDoc(championKey(pipeline));
  if (doc === undefined) return undefined;
  return decisionRecordSchema.parse(doc);
}

export async function readHistory(store: ArtifactStore, pipeline: string): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  for (const key of await store.listDocs(historyPrefix(pipeline))) {
    const parsed = decisionRecordSchema.safeParse(await store.getDoc(key));
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}

export interface ChallengerRun {
  readonly pipeline: string;
  readonly runId: string;
  readonly workflowId: string;
  readonly promotion: Promotion;
  /** Metrics of every stage, by stage. */
  readonly stageMetrics: Readonly<Record<string, MetricTable>>;
  readonly modelArtifacts: ReadonlyArray<{ name: string; sha256: string; bytes: number }>;
}

/** Decide, record the decision, and make the run the champion when it wins. */
export async function promote(
  store: ArtifactStore,
  run: ChallengerRun,
  now: Date,
): Promise<
  Decision & {
    previousChampion: string | null;
    comparison: ComparisonRow[];
    comparisonPage: { sha256: string; uri: string };
  }
> {
  const table: Record<string, number | string | boolean> = {};
  for (const [stage, metrics] of Object.entries(run.stageMetrics))
    for (const [k, v] of Object.entries(metrics)) table[`${stage}.${k}`] = v;
  const champion = await readChampion(store, run.pipeline);
  const decision = decide(run.promotion, table, champion?.metrics);
  const rows = compareMetrics(run.promotion, decision.outcomes, table, champion?.allMetrics ?? champion?.metrics);
  const html = renderComparisonHtml({
    pipeline: run.pipeline,
    runId: run.runId,
    championRunId: champion?.runId ?? null,
    promoted: decision.promoted,
    rows,
  });
  const page = await store.putBytes(Buffer.from(html, 'utf8'));
  const used = Object.fromEntries(
    run.promotion.rules.flatMap((r) => (table[r.metric] === undefined ? [] : [[r.metric, table[r.metric]!]])),
  );
  const record: DecisionRecord = {
    pipeline: run.pipeline,
    runId: run.runId,
    workflowId: run.workflowId,
    decidedAt: now.toISOString(),
    promoted: decision.promoted,
    previousChampion: champion?.runId ?? null,
    model: {
      stage: run.promotion.model,
      artifacts: run.modelArtifacts.map((a) => ({ name: a.name, sha256: a.sha256, bytes: a.bytes })),
    },
    metrics: used,
    outcomes: [...decision.outcomes],
    allMetrics: table,
    comparison: { sha256: page.sha256, bytes: page.bytes, uri: page.uri },
  };
  await store.putDoc(`${historyPrefix(run.pipeline)}${run.runId}.json`, record);
  if (decision.promoted) await store.putDoc(championKey(run.pipeline), record);
  return { ...decision, previousChampion: record.previousChampion, comparison: rows, comparisonPage: page };
}
