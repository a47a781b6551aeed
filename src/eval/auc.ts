/**
 * ROC, AUC and partial AUC of anomaly scores (higher = more anomalous), as DCASE 2020
 * task 2 defines them for anomalous sound detection (the metric of MicroNets §4.3 AD).
 *
 * ROC: the threshold sweeps from +∞ down over the distinct scores; at each step every clip
 * scoring ≥ the threshold is called anomalous. Clips with equal scores enter together, so
 * a tie between a normal and an anomalous clip makes a diagonal segment.
 *
 * AUC = the area under that curve by the trapezoid rule, which is exactly the Mann–Whitney
 * statistic P(score(anomalous) > score(normal)) + ½·P(equal):
 *   AUC = (1 / (N− N+)) Σ_i Σ_j [H(A(x+_j) − A(x−_i))],  H(d) = 1 (d > 0), ½ (d = 0), 0 (d < 0).
 *
 * pAUC (p = 0.1 by default): the area under the ROC over FPR ∈ [0, p], divided by p (so a
 * perfect detector scores 1 and one that ranks every anomaly below the top p of normals
 * scores 0), with the curve interpolated linearly at FPR = p. When p·N− is an integer this
 * is DCASE 2020's discrete definition
 *   pAUC = (1 / (⌊pN−⌋ N+)) Σ_{i ≤ ⌊pN−⌋} Σ_j H(A(x+_j) − A(x−_i)),
 * the normals x−_i sorted by descending score (test/unit/eval/auc.test.ts checks both).
 * It is not sklearn's `roc_auc_score(max_fpr=p)`, which further applies McClish's
 * standardization (0.5 + ½·(A − A_min)/(A_max − A_min)).
 */

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /** Clips scoring ≥ this are called anomalous at this point (+Infinity at the origin). */
  readonly threshold: number;
}

function checkScores(normal: readonly number[], anomalous: readonly number[]): void {
  if (normal.length === 0 || anomalous.length === 0) {
    throw new RangeError(
      `ROC needs normal and anomalous scores (got ${normal.length} normal, ${anomalous.length} anomalous)`,
    );
  }
  for (const s of [...normal, ...anomalous]) if (Number.isNaN(s)) throw new RangeError('ROC: a score is NaN');
}

/** ROC points from (0, 0) to (1, 1), one per distinct score. */
export function rocCurve(normal: readonly number[], anomalous: readonly number[]): RocPoint[] {
  checkScores(normal, anomalous);
  const all = [...normal.map((s) => ({ s, a: 0 })), ...anomalous.map((s) => ({ s, a: 1 }))].sort((x, y) => y.s - x.s);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let fp = 0;
  let tp = 0;
  for (let i = 0; i < all.length;) {
    const s = all[i]!.s;
    while (i < all.length && all[i]!.s === s) {
      if (all[i]!.a) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / normal.length, tpr: tp / anomalous.length, threshold: s });
  }
  return points;
}

/** Area under the ROC for FPR ∈ [0, maxFpr] (trapezoids; the last one cut at maxFpr). */
function areaUpTo(points: readonly RocPoint[], maxFpr: number): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    if (a.fpr >= maxFpr) break;
    if (b.fpr <= maxFpr) {
      area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
    } else {
      const tprAt = a.tpr + ((b.tpr - a.tpr) * (maxFpr - a.fpr)) / (b.fpr - a.fpr);
      area += ((maxFpr - a.fpr) * (a.tpr + tprAt)) / 2;
    }
  }
  return area;
}

export function auc(normal: readonly number[], anomalous: readonly number[]): number {
  return areaUpTo(rocCurve(normal, anomalous), 1);
}

export function pauc(normal: readonly number[], anomalous: readonly number[], p = 0.1): number {
  if (!(p > 0 && p <= 1)) throw new RangeError(`pAUC: p must be in (0, 1], got ${p}`);
  return areaUpTo(rocCurve(normal, anomalous), p) / p;
}

/** One scored test clip. */
export interface ScoredClip {
  readonly type: string;
  readonly id: string;
  readonly anomalous: boolean;
  readonly score: number;
}

export interface AucResult {
  readonly auc: number;
  readonly pauc: number;
}

export interface MachineIdAuc extends AucResult {
  readonly type: string;
  readonly id: string;
  readonly normals: number;
  readonly anomalies: number;
}

export interface AnomalyMetrics extends AucResult {
  /** Per machine ID (sorted by type, then ID). */
  readonly ids: readonly MachineIdAuc[];
  /** Per machine type: the arithmetic mean over its IDs (DCASE 2020 task 2's per-type score). */
  readonly types: ReadonlyArray<AucResult & { readonly type: string }>;
  readonly p: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * AUC and pAUC per machine ID (each ID's normals against its own anomalies, as DCASE
 * does), the mean per type, and the overall mean over all IDs. An ID without normal or
 * without anomalous test clips cannot be scored and is an error naming it.
 */
export function anomalyMetrics(clips: readonly ScoredClip[], p = 0.1): AnomalyMetrics {
  const byId = new Map<string, ScoredClip[]>();
  for (const c of clips) {
    const key = `${c.type}\u0000${c.id}`;
    byId.set(key, [...(byId.get(key) ?? []), c]);
  }
  const ids: MachineIdAuc[] = [];
  for (const key of [...byId.keys()].sort()) {
    const group = byId.get(key)!;
    const [type, id] = key.split('\u0000') as [string, string];
    const normal = group.filter((c) => !c.anomalous).map((c) => c.score);
    const anomalous = group.filter((c) => c.anomalous).map((c) => c.score);
    if (normal.length === 0 || anomalous.length === 0) {
      throw new RangeError(
        `machine ${type} ${id}: AUC needs normal and anomalous test clips (has ${normal.length} normal, ${anomalous.length} anomalous)`,
      );
    }
    ids.push({
      type,
      id,
      auc: auc(normal, anomalous),
      pauc: pauc(normal, anomalous, p),
      normals: normal.length,
      anomalies: anomalous.length,
    });
  }
  if (ids.length === 0) throw new RangeError('AUC: no scored clips');
  const typeNames = [...new Set(ids.map((r) => r.type))];
  const types = typeNames.map((type) => {
    const rows = ids.filter((r) => r.type === type);
    return { type, auc: mean(rows.map((r) => r.auc)), pauc: mean(rows.map((r) => r.pauc)) };
  });
  return { ids, types, auc: mean(ids.map((r) => r.auc)), pauc: mean(ids.map((r) => r.pauc)), p };
}

/**
 * Operating threshold from validation normals: the smallest score threshold at which at
 * most `falseAlarmRate` of them are called anomalous (score ≥ threshold).
 */
export function thresholdForFalseAlarms(normalScores: readonly number[], falseAlarmRate: number): number {
  if (normalScores.length === 0) throw new RangeError('threshold: no normal scores');
  const sorted = [...normalScores].sort((a, b) => b - a);
  const allowed = Math.floor(falseAlarmRate * sorted.length);
  const v = sorted[allowed];
  if (v === undefined) return -Infinity; // every normal may alarm
  // Halfway between v and the next higher score, so only the scores above v alarm (ties with v do not).
  const higher = sorted.filter((s) => s > v);
  if (higher.length === 0) return v + Math.max(Number.EPSILON, Math.abs(v) * 1e-12);
  return (v + higher[higher.length - 1]!) / 2;
}

/** TPR and FPR of the rule score ≥ threshold. */
export function ratesAt(
  normal: readonly number[],
  anomalous: readonly number[],
  threshold: number,
): { tpr: number; fpr: number } {
  return {
    tpr: anomalous.filter((s) => s >= threshold).length / Math.max(1, anomalous.length),
    fpr: normal.filter((s) => s >= threshold).length / Math.max(1, normal.length),
  };
}
