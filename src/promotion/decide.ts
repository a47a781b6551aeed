import type { Promotion, PromotionRule } from './promotion-config';

/**
 * Champion / challenger decision, pure: the rules of src/promotion/promotion-config.ts applied
 * to the challenger's and the champion's metrics (`<stage>.<metric>` → value).
 */
export type MetricTable = Readonly<Record<string, number | string | boolean>>;

export interface RuleOutcome {
  readonly rule: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface Decision {
  readonly promoted: boolean;
  /** One line per rule, or why there was nothing to compare. */
  readonly outcomes: readonly RuleOutcome[];
}

function describeRule(r: PromotionRule): string {
  return 'equals' in r
    ? `${r.metric} = ${String(r.equals)}`
    : `${r.metric} ${r.better === 'higher' ? '≥' : '≤'} champion ${r.better === 'higher' ? '+' : '−'} ${r.by}`;
}

export function decide(promotion: Promotion, challenger: MetricTable, champion: MetricTable | undefined): Decision {
  const outcomes = promotion.rules.map((rule): RuleOutcome => {
    const name = describeRule(rule);
    const mine = challenger[rule.metric];
    if (mine === undefined) return { rule: name, passed: false, detail: `the run has no metric ${rule.metric}` };
    if ('equals' in rule) {
      return { rule: name, passed: mine === rule.equals, detail: `challenger ${String(mine)}` };
    }
    if (typeof mine !== 'number')
      return { rule: name, passed: false, detail: `${rule.metric} is ${String(mine)}, not a number` };
    if (champion === undefined) return { rule: name, passed: true, detail: `challenger ${fmt(mine)}; no champion yet` };
    const theirs = champion[rule.metric];
    if (typeof theirs !== 'number')
      return { rule: name, passed: true, detail: `challenger ${fmt(mine)}; the champion has no ${rule.metric}` };
    const gain = rule.better === 'higher' ? mine - theirs : theirs - mine;
    return {
      rule: name,
      passed: gain >= rule.by - 1e-12,
      detail: `challenger ${fmt(mine)} vs champion ${fmt(theirs)} (${gain >= 0 ? '+' : ''}${fmt(gain)} better)`,
    };
  });
  return { promoted: outcomes.every((o) => o.passed), outcomes };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}
