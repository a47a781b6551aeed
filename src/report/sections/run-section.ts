import { code, escapeHtml, formatBytes, keyValueTable, raw, table, type Cell } from '../html';
import type { ReportModel, UpstreamStage } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/**
 * "Run" and "Upstream stages": what produced this report. The stage context does not see
 * upstream configs, so each upstream stage is described by its metrics and its artifacts
 * with their digests — enough to find the exact inputs with `tinyops lineage <digest>`.
 */

export function runSection(model: ReportModel): RenderedSection {
  const { run } = model;
  const entries: [string, Cell][] = [
    ['pipeline', run.pipelineName],
    ['report stage', run.stageName],
  ];
  // On a cache hit a later run reuses this file, so this is the run that rendered it.
  if (run.runId !== undefined) entries.push(['rendered by run', code(run.runId)]);
  if (run.generatedAt !== undefined) entries.push(['generated at', run.generatedAt]);
  entries.push([
    'upstream stages',
    model.upstream.length === 0 ? 'none' : model.upstream.map((u) => u.stage).join(', '),
  ]);
  const notes =
    model.notes.length === 0
      ? ''
      : `<ul class="notes">${model.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
  return present('run', 'Run', keyValueTable(entries) + notes);
}

/**
 * Wall-clock measurements (`…PerSec`, e.g. trainSamplesPerSec; the per-part times
 * `cpuSec.<part>` / `wallSec.<part>` of src/util/part-timer.ts; the search loop's
 * `searchSeconds` of src/dnas/search.ts) differ from run to run; printed here they would make
 * the report's bytes differ for identical inputs, so they stay in `--json`, the run record and
 * the Temporal UI instead. Not every `…Seconds` is a clock: deploy's `streamSeconds` is audio.
 */
const WALL_CLOCK_METRICS: ReadonlySet<string> = new Set(['searchSeconds']);

export function isReproducibleMetric(name: string): boolean {
  return !/PerSec$/.test(name) && !/^(cpuSec|wallSec)\./.test(name) && !WALL_CLOCK_METRICS.has(name);
}

function stageBlock(u: UpstreamStage): string {
  const metrics = Object.keys(u.metrics)
    .filter(isReproducibleMetric)
    .sort()
    .map((k): [string, Cell] => [k, u.metrics[k]]);
  const artifacts = u.artifacts.map((a): Cell[] => [
    code(a.name),
    a.mediaType,
    formatBytes(a.bytes),
    raw(`<code title="sha256:${escapeHtml(a.sha256)}">${escapeHtml(a.sha256.slice(0, 12))}…</code>`),
  ]);
  return (
    `<div class="stage"><h3>${escapeHtml(u.stage)}</h3>` +
    (metrics.length > 0 ? keyValueTable(metrics, 'metrics') : '<p class="muted">no metrics</p>') +
    (artifacts.length > 0
      ? table(['artifact', 'media type', 'size', 'sha256'], artifacts, { caption: 'artifacts', numeric: [2] })
      : '<p class="muted">no artifacts</p>') +
    `</div>`
  );
}

export function upstreamSection(model: ReportModel): RenderedSection {
  if (model.upstream.length === 0) return missing('stages', 'Upstream stages', 'the report stage has no `needs:`');
  return present('stages', 'Upstream stages', `<div class="stages">${model.upstream.map(stageBlock).join('')}</div>`);
}
