import type { ScoredClip } from './auc';

/**
 * Clip anomaly scores of the self-supervised machine-ID classifier (MicroNets §4.3, after
 * Giri et al. 2020): the classifier was trained to tell the machines apart on normal
 * sound, so a clip whose patches it cannot attribute to their own machine sounds unlike
 * that machine's normal operation. Score of a clip = the mean over its patches of
 *   neg-log-prob:     −log p(true ID | patch)          (default; the issue's definition)
 *   one-minus-prob:   1 − p(true ID | patch)           (MicroNets' "negative softmax score")
 * Patches are the rows of a log-mel feature file (features type: logmel): row i has label
 * labels[labelIndex[i]] = `<type>/<id>` and clip clips[i], whose path says its condition
 * (`<type>/<id>/abnormal/...`).
 */

export type AnomalyScoreKind = 'neg-log-prob' | 'one-minus-prob';

/** The smallest probability −log is taken of (float32 softmax can round to 0). */
export const PROB_FLOOR = 1e-7;

export interface PatchRows {
  readonly labels: readonly string[];
  readonly labelIndex: readonly number[];
  readonly clips: readonly string[];
}

export interface ClipScore extends ScoredClip {
  readonly clip: string;
  readonly patches: number;
}

/** Whether a dataset path is an anomalous clip (`<type>/<id>/abnormal/<name>`). */
export function isAbnormalPath(path: string): boolean {
  return path.split('/')[2] === 'abnormal';
}

/** Per-clip scores, in order of first appearance of each clip. `posteriors` is rows × classes. */
export function clipAnomalyScores(
  rows: PatchRows,
  posteriors: Float32Array,
  kind: AnomalyScoreKind = 'neg-log-prob',
): ClipScore[] {
  const classes = rows.labels.length;
  if (posteriors.length !== rows.clips.length * classes) {
    throw new RangeError(
      `anomaly scores: ${posteriors.length} posteriors for ${rows.clips.length} rows × ${classes} classes`,
    );
  }
  const acc = new Map<string, { sum: number; n: number; label: number }>();
  for (let i = 0; i < rows.clips.length; i++) {
    const label = rows.labelIndex[i]!;
    const p = posteriors[i * classes + label]!;
    const s = kind === 'neg-log-prob' ? -Math.log(Math.max(p, PROB_FLOOR)) : 1 - p;
    const a = acc.get(rows.clips[i]!);
    if (a) {
      if (a.label !== label) throw new RangeError(`anomaly scores: clip ${rows.clips[i]} has patches of two machines`);
      a.sum += s;
      a.n++;
    } else acc.set(rows.clips[i]!, { sum: s, n: 1, label });
  }
  return [...acc].map(([clip, a]) => {
    const [type, id] = rows.labels[a.label]!.split('/') as [string, string];
    return { clip, type, id: id ?? '', anomalous: isAbnormalPath(clip), score: a.sum / a.n, patches: a.n };
  });
}

/**
 * Per-patch −log p(true ID | patch) (the rows' own labels), for the classifier's term of the
 * `combined` score (src/eval/combined-scores.ts). `posteriors` is rows × classes.
 */
export function patchNegLogProbs(
  rows: Pick<PatchRows, 'labels' | 'labelIndex'>,
  posteriors: Float32Array,
): Float64Array {
  const classes = rows.labels.length;
  const n = rows.labelIndex.length;
  if (posteriors.length !== n * classes) {
    throw new RangeError(`anomaly scores: ${posteriors.length} posteriors for ${n} rows × ${classes} classes`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.log(Math.max(posteriors[i * classes + rows.labelIndex[i]!]!, PROB_FLOOR));
  return out;
}
