import * as vega from 'vega';
import { compile, version as vegaLiteVersion, type TopLevelSpec } from 'vega-lite';

/**
 * Vega-Lite spec → standalone SVG string, rendered in Node with no browser and no canvas
 * (Vega's headless `renderer: 'none'` view and its string SVG renderer).
 *
 * Why Vega 5 / Vega-Lite 5 and not 6: the 6.x packages are ESM-only and Vega 6 has a
 * top-level await, so Node 20 cannot `require()` it and our CommonJS build (and jest,
 * which runs it) cannot load it. The 5.x builds are CommonJS UMD bundles.
 *
 * Deterministic bytes, so the same report model gives the same report digest:
 * - Vega numbers gradient/clip ids from process-wide counters: they are reset per chart;
 * - several charts share one HTML page, so every id (and `url(#…)` reference) gets the
 *   chart's own prefix, otherwise the second chart's gradient would point at the first's;
 * - text is measured with Vega's estimate, never node-canvas, so installing `canvas` on
 *   a machine cannot change the layout.
 */

/** Parts of the Vega runtime that its typings do not declare (present in vega 5.33). */
interface VegaSceneExtras {
  resetSVGDefIds?: () => void;
  textMetrics?: { canvas?: (use: boolean) => void };
}

const extras = vega as unknown as VegaSceneExtras;
extras.textMetrics?.canvas?.(false);

/** Versions of the charting libraries: they decide the report's bytes (stage tool versions). */
export const chartLibraryVersions: Readonly<Record<string, string>> = {
  vega: vega.version,
  'vega-lite': vegaLiteVersion,
};

/** Shared look of every chart (fonts available offline everywhere, no web fonts). */
const CHART_CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' as const },
};

/** Ids are only ever XML names made of these characters; anything else is a caller bug. */
const ID_PREFIX = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Render one Vega-Lite spec to SVG; `idPrefix` must be unique within the page. */
export async function renderVegaLiteSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  if (!ID_PREFIX.test(idPrefix)) throw new RangeError(`invalid SVG id prefix "${idPrefix}"`);
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const compiled = compile(withConfig).spec;
  extras.resetSVGDefIds?.();
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    return prefixIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** `id="x"` → `id="p-x"`, `url(#x)` → `url(#p-x)`, `href="#x"` → `href="#p-x"`. */
function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/ id="([^"]+)"/g, ` id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}
