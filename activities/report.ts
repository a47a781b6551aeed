import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { collectReportModel } from '../src/report/collect-inputs';
import { renderReportHtml } from '../src/report/render-html';
import { chartLibraryVersions } from '../src/report/vega-svg';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';

/**
 * Stage `report`: one self-contained HTML page per run (inline CSS and SVG charts, no
 * scripts, no URLs) from whatever its `needs:` produced — dataset, features, training
 * history, evaluation, board measurements — found by artifact name (src/report). Stored
 * as artifact `report` (text/html).
 *
 * No timestamp is written: the same inputs give the same bytes, so the report's digest is
 * reproducible like every other artifact (docs/architecture.md#reproducibility). The charting libraries' versions are
 * tool versions, so upgrading them re-renders. Fast (well under a second), no checkpoint.
 */

export const kind = 'report';
export const version = 10; // 2: no run id in the HTML; 3: no wall-clock metrics (reproducible bytes); 4: per-op board table; 5: Sources section, held-out-engine and measurement tiles; 6: machine-sound datasets, anomaly detection on the board; 7: per-keyword thresholds table under Keyword events (evaluate perKeywordThresholds); 8: Conditions section (accuracy by effective-SNR band, quiet, background; evaluate ≥ 10); 9: ± of accuracies from the 95 % Wilson interval (not ±0 at 0 or 100 %), on the Sources tables and the held-out tiles too; 10: without the DNAS search's wall-clock searchSeconds (a cold and a warm run gave reports differing only there)

export const configSchema = z.strictObject({
  /** Page title; default "<pipeline> report". */
  title: z.string().min(1).max(200).optional().describe('Page title; default "<pipeline> report".'),
  /** Include the table of every swept threshold (collapsed) under the event metrics. */
  thresholdTable: z
    .boolean()
    .default(true)
    .describe('Include the table of every swept threshold (collapsed) under the event metrics.'),
});
export type ReportConfig = z.infer<typeof configSchema>;

async function run(ctx: StageContext<ReportConfig>): Promise<StageResult> {
  ctx.progress({ done: 0, total: 2, unit: 'steps', message: 'reading inputs' });
  const model = await collectReportModel(
    ctx,
    {
      title: ctx.config.title ?? `${ctx.pipelineName} report`,
      pipelineName: ctx.pipelineName,
      stageName: ctx.stageName,
    },
    { thresholdTable: ctx.config.thresholdTable },
  );
  for (const note of model.notes) ctx.log(note);
  ctx.progress({ done: 1, total: 2, unit: 'steps', message: 'rendering' });
  const report = await renderReportHtml(model);
  const path = join(ctx.workDir, 'report.html');
  writeFileSync(path, report.html);
  const ref = await ctx.storeFile('report', path, 'text/html');
  ctx.progress({ done: 2, total: 2, unit: 'steps', message: 'stored' });
  const bytes = statSync(path).size;
  return {
    artifacts: [ref],
    metrics: { sections: report.sections, bytes },
    summary: `${report.sections} sections (${report.sectionIds.join(', ')}), ${(bytes / 1024).toFixed(0)} KiB`,
  };
}

export const reportStage: StageModule<ReportConfig> = {
  kind,
  version,
  description: 'One self-contained HTML report (inline SVG charts) from the upstream stages’ artifacts',
  configSchema,
  toolVersions: async () => ({ ...chartLibraryVersions }),
  run,
};
