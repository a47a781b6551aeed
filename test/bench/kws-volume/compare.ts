import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { openStore } from '../../../src/store/open-store';
import { crossScore, type CrossScore, type GroupAccuracy } from '../kws-error-analysis/cross-score';

/**
 * Several KWS runs whose data stages differ (e.g. perKeyword), compared on the same sets:
 * every run's float model on every run's validation and test tensors (cross-score.ts), so each
 * model is measured on every test set; plus each run's own evaluate metrics, which are
 * comparable as they stand when the runs share the measurement data (real speech, and the
 * scored/tuning streams when their digests are equal, which this checks) and the stage times.
 *
 *   node dist/test/bench/kws-volume/compare.js <out-dir> <store-dir> <run> <run> …
 *
 * Prints a Markdown report; the raw cross scores go to <out-dir>/cross.json.
 */

const metricsSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));
const runSchema = z.object({
  stages: z.record(
    z.string(),
    z.object({
      status: z.string(),
      durationMs: z.number().optional(),
      producedByRun: z.string().optional(),
      metrics: metricsSchema.optional(),
      artifacts: z.array(z.object({ name: z.string(), sha256: z.string() })).optional(),
    }),
  ),
});
type Run = z.infer<typeof runSchema>;

const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);

/** The held-out rows of one split's GroupAccuracy that the issue's targets are about. */
const ROWS: ReadonlyArray<[string, 'validation' | 'test', string]> = [
  ['validation, training voices', 'validation', 'all'],
  ['test, all', 'test', 'all'],
  ['held-out voices', 'test', 'heldOut:voice'],
  ['held-out engines (flite, festival)', 'test', 'heldOut:engine'],
];

function cell(
  scores: readonly CrossScore[],
  model: string,
  features: string,
  split: 'validation' | 'test',
  key: string,
) {
  const s = scores.find((x) => x.modelRun === model && x.featuresRun === features);
  const g: GroupAccuracy[string] | undefined = s?.[split][key];
  return g === undefined ? '–' : pct(g.accuracy);
}

function clips(scores: readonly CrossScore[], features: string, split: 'validation' | 'test', key: string): string {
  const g = scores.find((x) => x.featuresRun === features)?.[split][key];
  return g === undefined ? '?' : String(g.clips);
}

function num(run: Run, stage: string, metric: string): number | undefined {
  const v = run.stages[stage]?.metrics?.[metric];
  return typeof v === 'number' ? v : undefined;
}

function digest(run: Run, name: string): string | undefined {
  for (const s of Object.values(run.stages)) {
    const a = s.artifacts?.find((x) => x.name === name);
    if (a) return a.sha256;
  }
  return undefined;
}

async function main(): Promise<void> {
  const [outDir, storeDir, ...runIds] = process.argv.slice(2);
  if (outDir === undefined || storeDir === undefined || runIds.length < 2)
    throw new Error('usage: compare.js <out-dir> <store-dir> <run> <run> [<run> …]');
  const store = openStore(storeDir, process.cwd());
  const runs = new Map<string, Run>();
  for (const id of runIds) runs.set(id, runSchema.parse(await store.getDoc(`runs/${id}.json`)));

  const scores: CrossScore[] = [];
  for (const features of runIds)
    for (const model of runIds) scores.push(await crossScore(store, model, features, path.join(outDir, 'artifacts')));
  fs.writeFileSync(path.join(outDir, 'cross.json'), JSON.stringify(scores, null, 2));

  const out: string[] = [];
  const head = `| set (clips) | ${runIds.map((r) => `model ${r}`).join(' | ')} |`;
  for (const features of runIds) {
    out.push(`\nTest sets of ${features} (float models):\n`, head, `|---|${runIds.map(() => '---|').join('')}`);
    for (const [label, split, key] of ROWS)
      out.push(
        `| ${label} (${clips(scores, features, split, key)}) | ${runIds.map((m) => cell(scores, m, features, split, key)).join(' | ')} |`,
      );
  }

  const list = [...runs.entries()];
  const same = (name: string) => new Set(list.map(([, r]) => digest(r, name))).size === 1;
  out.push(
    `\nStreams: scored ${same('streams') ? 'identical' : 'DIFFERENT'}, tuning ${same('tuning-streams') ? 'identical' : 'DIFFERENT'} across the runs (artifact digests).\n`,
  );
  out.push(`| evaluate (own data stage) | ${runIds.join(' | ')} |`, `|---|${runIds.map(() => '---|').join('')}`);
  const row = (label: string, f: (r: Run) => string) =>
    out.push(`| ${label} | ${list.map(([, r]) => f(r)).join(' | ')} |`);
  row('real speech, float (int8)', (r) => {
    const n = num(r, 'evaluate', 'clips.measure.real-speech');
    return `${pct(num(r, 'evaluate', 'accuracy.measure.real-speech'))} (${pct(num(r, 'evaluate', 'intAccuracy.measure.real-speech'))}) of ${n ?? '?'}`;
  });
  row('test, int8', (r) => pct(num(r, 'evaluate', 'intAccuracy')));
  row(
    'held-out voices / engines, int8',
    (r) =>
      `${pct(num(r, 'evaluate', 'intHeldOutVoiceAccuracy'))} / ${pct(num(r, 'evaluate', 'intHeldOutSourceAccuracy'))}`,
  );
  row('stream FRR at the tuned θ (scored)', (r) => {
    const fa = num(r, 'evaluate', 'eventFaPerHour');
    return `${pct(num(r, 'evaluate', 'eventFrr'))} at ${fa?.toFixed(1) ?? '?'} FA/h, θ ${num(r, 'evaluate', 'threshold')?.toFixed(3) ?? '?'}`;
  });
  row(
    'tuning streams FRR at θ',
    (r) =>
      `${pct(num(r, 'evaluate', 'tuningFrr'))} at ${num(r, 'evaluate', 'tuningFaPerHour')?.toFixed(1) ?? '?'} FA/h`,
  );
  row('scored FRR, θ chosen on scored (oracle)', (r) => {
    const fa = num(r, 'evaluate', 'scoredOracleFaPerHour');
    return `${pct(num(r, 'evaluate', 'scoredOracleFrr'))} at ${fa?.toFixed(1) ?? '?'} FA/h`;
  });
  row('per-keyword θ: scored FRR', (r) => {
    const fa = num(r, 'evaluate', 'perKeywordFaPerHour');
    return `${pct(num(r, 'evaluate', 'perKeywordFrr'))} at ${fa?.toFixed(1) ?? '?'} FA/h`;
  });
  row('train val accuracy (best epoch)', (r) => pct(num(r, 'train', 'valAccuracy')));
  for (const stage of ['data', 'features', 'train', 'quantize', 'evaluate'])
    row(`${stage}: status, s`, (r) => {
      const s = r.stages[stage];
      if (!s) return '–';
      const by = s.status === 'cached' && s.producedByRun ? ` (by ${s.producedByRun})` : '';
      return `${s.status}${by}, ${s.durationMs === undefined ? '?' : (s.durationMs / 1000).toFixed(0)}`;
    });
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
