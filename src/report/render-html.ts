import { escapeHtml } from './html';
import type { ReportModel } from './report-model';
import { REPORT_CSS } from './report-style';
import { anomalySection } from './sections/anomaly-section';
import { classificationSection } from './sections/classification-section';
import { dnasSection } from './sections/dnas-section';
import { datasetSection, featuresSection } from './sections/data-sections';
import { boardSection, latencySection } from './sections/device-sections';
import { eventsSection } from './sections/events-section';
import { headlineHtml } from './sections/headline';
import { runSection, upstreamSection } from './sections/run-section';
import { sourcesSection } from './sections/sources-section';
import { conditionsSection } from './sections/conditions-section';
import type { RenderedSection } from './sections/section';
import { trainingSection } from './sections/training-section';
import { quantizationSection } from './sections/quantization-section';
import { chartLibraryVersions } from './vega-svg';

/**
 * ReportModel → one self-contained HTML page (inline CSS, inline SVG charts, no scripts,
 * no URLs), so it opens from disk, offline, in any browser. No I/O and no clock: the
 * same model gives the same bytes (a timestamp appears only if the model carries one).
 */

export interface RenderedReport {
  readonly html: string;
  /** Sections with content (the rest are listed as not run). */
  readonly sections: number;
  readonly sectionIds: readonly string[];
}

/** Report order: provenance, data, training, results, device. */
async function buildSections(model: ReportModel): Promise<RenderedSection[]> {
  return [
    runSection(model),
    upstreamSection(model),
    await datasetSection(model),
    featuresSection(model),
    await trainingSection(model),
    // Only when the train stage was quantized: a float run has nothing missing here.
    ...[await quantizationSection(model)].filter((s) => s.kind === 'present'),
    await eventsSection(model),
    await classificationSection(model),
    // Only for an anomaly-detection evaluation (evaluate-ad).
    ...[await anomalySection(model)].filter((s) => s.kind === 'present'),
    await sourcesSection(model),
    // Listed as missing only for a KWS evaluation (one with per-source results): AD has no SNR.
    ...[await conditionsSection(model)].filter((s) => s.kind === 'present' || model.evaluation?.sources !== undefined),
    ...[await dnasSection(model)].filter((s) => s.kind === 'present'),
    await latencySection(model),
    boardSection(model),
  ];
}

function sectionHtml(s: RenderedSection): string {
  const id = escapeHtml(s.id);
  const title = escapeHtml(s.title);
  if (s.kind === 'missing')
    return `<section id="${id}" class="missing"><h2>${title}</h2><p>${escapeHtml(s.reason)}</p></section>`;
  return `<section id="${id}"><h2>${title}</h2>${s.html}</section>`;
}

function navHtml(sections: readonly RenderedSection[]): string {
  const links = sections.map(
    (s) => `<a href="#${escapeHtml(s.id)}"${s.kind === 'missing' ? ' class="missing"' : ''}>${escapeHtml(s.title)}</a>`,
  );
  return `<nav>${links.join('')}</nav>`;
}

export async function renderReportHtml(model: ReportModel): Promise<RenderedReport> {
  const sections = await buildSections(model);
  const { run } = model;
  const sub = [
    `pipeline ${run.pipelineName}`,
    `stage ${run.stageName}`,
    ...(run.runId !== undefined ? [`run ${run.runId}`] : []),
  ];
  if (run.generatedAt !== undefined) sub.push(run.generatedAt);
  const libs = Object.entries(chartLibraryVersions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const html =
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(run.title)}</title><style>${REPORT_CSS}</style></head>\n<body>` +
    `<header><h1>${escapeHtml(run.title)}</h1><div class="sub">${escapeHtml(sub.join(' · '))}</div></header>` +
    navHtml(sections) +
    `<main>${headlineHtml(model)}\n${sections.map(sectionHtml).join('\n')}</main>` +
    `<footer>tinyops report · charts rendered offline with ${escapeHtml(libs)}</footer>` +
    `</body></html>\n`;
  const shown = sections.filter((s) => s.kind === 'present');
  return { html, sections: shown.length, sectionIds: shown.map((s) => s.id) };
}
