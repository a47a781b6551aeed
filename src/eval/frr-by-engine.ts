import { UNKNOWN_SOURCE } from './clip-sources';
import type { StreamMatch } from './event-metrics';

/**
 * The false reject rate at one threshold, per engine that spoke the keywords (stream index
 * events carry `engine` under the clip-source contract). Same definition as the overall FRR
 * (event-metrics.ts): (missed + misclassified) / keyword events, so the rows' events add up
 * to the total. Events without `engine` (streams made before the contract) count as `unknown`.
 */

export interface EngineFrr {
  readonly engine: string;
  readonly keywordEvents: number;
  readonly hits: number;
  readonly falseRejects: number;
  readonly misclassifications: number;
  readonly frr: number;
}

/** Rows sorted by engine name; empty when no keyword event names an engine. */
export function frrByEngine(matches: readonly StreamMatch[]): EngineFrr[] {
  const rows = new Map<
    string,
    { keywordEvents: number; hits: number; falseRejects: number; misclassifications: number }
  >();
  let named = false;
  for (const m of matches) {
    for (const o of m.keyword) {
      if (o.event.engine !== undefined) named = true;
      const engine = o.event.engine ?? UNKNOWN_SOURCE;
      const r =
        rows.get(engine) ??
        rows.set(engine, { keywordEvents: 0, hits: 0, falseRejects: 0, misclassifications: 0 }).get(engine)!;
      r.keywordEvents++;
      if (o.type === 'hit') r.hits++;
      else if (o.type === 'false-reject') r.falseRejects++;
      else r.misclassifications++;
    }
  }
  if (!named) return [];
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([engine, r]) => ({
      engine,
      ...r,
      frr: r.keywordEvents > 0 ? (r.falseRejects + r.misclassifications) / r.keywordEvents : 0,
    }));
}
