import { isAbnormalPath, type ClipScore, type PatchRows } from './anomaly-scores';

/**
 * The `combined` clip score of evaluate-ad: several per-patch scores, each standardized per
 * machine ID with the mean and standard deviation of that score over the ID's validation
 * patches (normal sound only, never test clips), summed with equal weights, and averaged over
 * the clip's patches. Standardizing puts scores of different units (Mahalanobis² of a
 * 64-d embedding, of 160-d frame windows, of a 24-lag autocorrelation) on one scale, so that
 * none dominates by its size alone; the fixed rule (equal weights, no tuning on anomalies) is
 * what makes the sum a declared score (docs/anomaly-detection.md#combined-score).
 */

/** One component's per-patch scores on the validation and the scored (test) patches. */
export interface ComponentScores {
  readonly name: string;
  readonly validation: Float64Array;
  readonly scored: Float64Array;
}

export interface Standardization {
  readonly mean: number;
  readonly sd: number;
}

/** Mean and standard deviation (population) of each label's validation scores. */
export function standardizationById(
  scores: Float64Array,
  labelIndex: readonly number[],
  labels: number,
): Array<Standardization | undefined> {
  const n = new Float64Array(labels);
  const sum = new Float64Array(labels);
  const sq = new Float64Array(labels);
  labelIndex.forEach((l, i) => {
    n[l]!++;
    sum[l]! += scores[i]!;
  });
  labelIndex.forEach((l, i) => {
    const d = scores[i]! - sum[l]! / n[l]!;
    sq[l]! += d * d;
  });
  return Array.from({ length: labels }, (_, l) => {
    if (n[l] === 0) return undefined;
    const sd = Math.sqrt(sq[l]! / n[l]!);
    return { mean: sum[l]! / n[l]!, sd };
  });
}

/**
 * Sum over components of (score − mean_ID) / sd_ID per scored patch. An ID without validation
 * patches, or whose validation scores are all equal (sd 0), cannot be standardized and is an
 * error naming the component and the ID.
 */
export function combinedPatchScores(
  components: readonly ComponentScores[],
  scoredLabels: readonly number[],
  validationLabels: readonly number[],
  labelNames: readonly string[],
): Float64Array {
  if (components.length === 0) throw new RangeError('combined score: no component scores');
  const out = new Float64Array(scoredLabels.length);
  for (const z of standardizedPatchScores(components, scoredLabels, validationLabels, labelNames)) {
    z.forEach((v, i) => (out[i]! += v));
  }
  return out;
}

/**
 * Each component's standardized scores (score − mean_ID) / sd_ID per scored patch, in the
 * order of `components`: the summands of combinedPatchScores, kept apart so that the
 * evaluation can record each term's clip mean (the combined clip score is their sum).
 */
export function standardizedPatchScores(
  components: readonly ComponentScores[],
  scoredLabels: readonly number[],
  validationLabels: readonly number[],
  labelNames: readonly string[],
): Float64Array[] {
  const parts: Float64Array[] = [];
  for (const c of components) {
    const out = new Float64Array(scoredLabels.length);
    parts.push(out);
    if (c.scored.length !== scoredLabels.length || c.validation.length !== validationLabels.length) {
      throw new RangeError(
        `combined score: component ${c.name} has ${c.scored.length} / ${c.validation.length} scores for ${scoredLabels.length} / ${validationLabels.length} patches`,
      );
    }
    const st = standardizationById(c.validation, validationLabels, labelNames.length);
    scoredLabels.forEach((l, i) => {
      const s = st[l];
      if (!s || !(s.sd > 0)) {
        throw new RangeError(
          `combined score: component ${c.name} cannot be standardized for machine ${labelNames[l] ?? l}: ${s ? 'its validation scores are all equal' : 'it has no validation patches'}`,
        );
      }
      out[i] = (c.scored[i]! - s.mean) / s.sd;
    });
  }
  return parts;
}

/** Per-clip mean of per-patch scores, in order of first appearance of each clip. */
export function clipMeanScores(rows: PatchRows, patchScores: ArrayLike<number>): ClipScore[] {
  if (patchScores.length !== rows.clips.length) {
    throw new RangeError(`clip scores: ${patchScores.length} patch scores for ${rows.clips.length} patches`);
  }
  const acc = new Map<string, { sum: number; n: number; label: number }>();
  rows.clips.forEach((clip, i) => {
    const a = acc.get(clip);
    if (a) {
      a.sum += patchScores[i]!;
      a.n++;
    } else acc.set(clip, { sum: patchScores[i]!, n: 1, label: rows.labelIndex[i]! });
  });
  return [...acc].map(([clip, a]) => {
    const [type, id] = rows.labels[a.label]!.split('/') as [string, string];
    return { clip, type, id: id ?? '', anomalous: isAbnormalPath(clip), score: a.sum / a.n, patches: a.n };
  });
}
