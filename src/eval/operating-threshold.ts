/**
 * Operating thresholds of evaluate-ad: per machine ID, the score above which a clip alarms,
 * chosen on normal clips only so that a chosen share of normal clips (the false-alarm rate
 * α) alarms (docs/anomaly-detection.md#operating-point).
 *
 * Two rules, both "conformal" in the rank sense: for n exchangeable normal scores, a new
 * normal score exceeds the k-th highest of them with probability k / (n + 1), so alarming
 * above the k-th highest with k = ⌊α (n + 1)⌋ keeps the expected false-alarm rate at or
 * below α (split conformal prediction; Vovk, Gammerman & Shafer, "Algorithmic Learning in a
 * Random World", §2). The earlier rule (alarm above the (⌊α n⌋ + 1)-th highest) has
 * expected rate (⌊α n⌋ + 1) / (n + 1) > α: with 4 validation normals per ID and α = 0.1 it
 * alarms above the highest of 4, i.e. on 1 normal in 5, before any sampling noise.
 *
 *  - `rank`: that rule on one ID's normals. With few normals the reachable rates are coarse
 *    (k / (n + 1)); below 1 / (n + 1) it alarms above the highest normal.
 *  - `pooled`: each ID's normals are standardized by their own mean and standard deviation,
 *    the rank rule picks one z over all IDs' standardized normals together (16 IDs × 14
 *    normals = 224 instead of 14), and each ID's threshold is its mean + z · its sd. The
 *    IDs share the shape of the normal-score distribution, not its location or scale.
 *  - `shift`: as `pooled` with each ID's mean removed but not its scale: the IDs share the
 *    spread too. The combined score is already standardized per ID (src/eval/combined-scores.ts),
 *    so its scale is comparable across IDs, and a 10-clip sd is itself noisy.
 */

export type ThresholdRule = 'rank' | 'pooled' | 'shift';

/** Just above `v`: halfway to the next higher score, or an ulp-sized step above the highest. */
function justAbove(v: number, sortedDescending: readonly number[]): number {
  let next: number | undefined;
  for (const s of sortedDescending) {
    if (s > v) next = s;
    else break;
  }
  return next === undefined ? v + Math.max(Number.EPSILON, Math.abs(v) * 1e-12) : (v + next) / 2;
}

/**
 * Threshold t (a clip alarms when score ≥ t) such that a new normal score alarms with
 * probability ≤ falseAlarmRate if it is exchangeable with `normals`: t lies just above the
 * k-th highest normal, k = ⌊α (n + 1)⌋; scores tied with it do not alarm. k = 0 (α < 1 / (n + 1))
 * gives the threshold just above the highest normal, the lowest rate n normals can justify.
 */
export function rankThreshold(normals: readonly number[], falseAlarmRate: number): number {
  if (normals.length === 0) throw new RangeError('operating threshold: no normal scores');
  if (!(falseAlarmRate >= 0 && falseAlarmRate <= 1))
    throw new RangeError(`operating threshold: false-alarm rate ${falseAlarmRate} is not in [0, 1]`);
  if (normals.some((s) => !Number.isFinite(s)))
    throw new RangeError('operating threshold: a normal score is not finite');
  const sorted = [...normals].sort((a, b) => b - a);
  const k = Math.floor(falseAlarmRate * (sorted.length + 1) + 1e-9);
  if (k > sorted.length) return -Infinity; // every normal may alarm
  return justAbove(sorted[Math.max(k, 1) - 1]!, sorted);
}

/** Mean and sample standard deviation. */
function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { mean, sd: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0 };
}

/**
 * One threshold per ID (the order of `normalsById`) by `rule`. `pooled` falls back to `rank`
 * for an ID whose normals cannot be standardized (fewer than 2, or all equal).
 */
export function operatingThresholds(
  normalsById: ReadonlyArray<readonly number[]>,
  falseAlarmRate: number,
  rule: ThresholdRule,
): number[] {
  normalsById.forEach((n, i) => {
    if (n.length === 0) throw new RangeError(`operating threshold: machine ${i} has no normal scores`);
  });
  if (rule === 'rank') return normalsById.map((n) => rankThreshold(n, falseAlarmRate));
  const stats = normalsById.map((n) => (rule === 'shift' ? { mean: meanSd(n).mean, sd: 1 } : meanSd(n)));
  const pooled: number[] = [];
  normalsById.forEach((n, i) => {
    const { mean, sd } = stats[i]!;
    if (sd > 0) for (const s of n) pooled.push((s - mean) / sd);
  });
  if (pooled.length === 0) return normalsById.map((n) => rankThreshold(n, falseAlarmRate));
  const z = rankThreshold(pooled, falseAlarmRate);
  return normalsById.map((n, i) => {
    const { mean, sd } = stats[i]!;
    return sd > 0 ? mean + z * sd : rankThreshold(n, falseAlarmRate);
  });
}
