import { escapeHtml, table } from '../report/html';
import { REPORT_CSS } from '../report/report-style';
import type { MetricTable, RuleOutcome } from './decide';
import type { Promotion } from './promotion-config';

/**
 * The challenger's comparison with the champion (issue #15 "the report of a challenger shows
 * the comparison"): every metric both runs have, side by side, the promotion rules first.
 *
 * It is not part of the `report` stage's HTML on purpose: that report is a cached artifact,
 * a function of its inputs only, while the champion it would compare with changes between
 * runs. The comparison is made when the decision is (promoteModel activity), stored as its
 * own object and named in the decision record (models/<pipeline>/history/<run>.json).
 */
export interface ComparisonRow {
  readonly metric: string;
  readonly champion: number | string | boolean | null;
  readonly challenger: number | string | boolean | null;
  /** challenger − champion for two numbers. */
  readonly delta: number | null;
  /** The rule on this metric and whether it held; absent for metrics no rule reads. */
  readonly rule?: string;
  readonly passed?: boolean;
}

export function compareMetrics(
  promotion: Promotion,
  outcomes: readonly RuleOutcome[],
  challenger: MetricTable,
  champion: MetricTable | undefined,
): ComparisonRow[] {
  const ruled = new Map(promotion.rules.map((r, i) => [r.metric, outcomes[i]]));
  const names = [...new Set([...Object.keys(challenger), ...Object.keys(champion ?? {})])];
  const ruleFirst = (m: string): number =>
    ruled.has(m) ? promotion.rules.findIndex((r) => r.metric === m) : promotion.rules.length;
  names.sort((a, b) => ruleFirst(a) - ruleFirst(b) || a.localeCompare(b));
  return names.map((metric) => {
    const mine = challenger[metric] ?? null;
    const theirs = champion?.[metric] ?? null;
    const outcome = ruled.get(metric);
    return {
      metric,
      champion: theirs,
      challenger: mine,
      delta: typeof mine === 'number' && typeof theirs === 'number' ? mine - theirs : null,
      ...(outcome !== undefined && { rule: outcome.rule, passed: outcome.passed }),
    };
  });
}

export interface ComparisonPage {
  readonly pipeline: string;
  readonly runId: string;
  readonly championRunId: string | null;
  readonly promoted: boolean;
  readonly rows: readonly ComparisonRow[];
}

function signed(d: number | null): string {
  if (d === null) return '';
  const s = Number.isInteger(d) ? String(d) : d.toFixed(4);
  return d > 0 ? `+${s}` : s;
}

/** A self-contained HTML page (the report's stylesheet) with the comparison table. */
export function renderComparisonHtml(p: ComparisonPage): string {
  const verdict = p.promoted
    ? `Run ${p.runId} is the new champion of ${p.pipeline}${p.championRunId ? ` (was ${p.championRunId})` : ' (the first champion)'}.`
    : `Run ${p.runId} was not promoted; the champion stays ${p.championRunId ?? '(none)'}.`;
  const rows = p.rows.map(
    (r) =>
      [
        r.metric,
        r.rule === undefined ? '' : `${r.passed ? 'pass' : 'FAIL'}: ${r.rule}`,
        r.champion,
        r.challenger,
        signed(r.delta),
      ] as const,
  );
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(`${p.pipeline}: challenger ${p.runId}`)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<h1>${escapeHtml(`${p.pipeline}: challenger ${p.runId} vs champion ${p.championRunId ?? '(none)'}`)}</h1>`,
    `<p>${escapeHtml(verdict)}</p>`,
    table(
      ['metric', 'promotion rule', `champion ${p.championRunId ?? ''}`.trim(), `challenger ${p.runId}`, 'Δ'],
      rows,
      { numeric: [2, 3, 4] },
    ),
    '</body></html>',
    '',
  ].join('\n');
}
