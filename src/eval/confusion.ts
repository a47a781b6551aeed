import { StageInputError } from '../errors';
import type { StreamMatch } from './event-metrics';
import { BACKGROUND_LABEL, NEGATIVE_EVENT_LABEL, REJECTED_LABEL } from './options';
import { frameCount } from './smoothing';

/**
 * Confusion matrices. Two kinds:
 * - clip/frame level, `counts[true][predicted]` over the model's classes (the usual
 *   12-class Speech Commands report; a secondary number, docs/methods.md#event-based-evaluation: "frame accuracy alone
 *   is never the headline");
 * - event level with a rejection class (thesis appendix 3.A, Fig. 3.A.1), built from matches.
 */

/** `counts[t][p]` = number of items of true class t predicted as p. */
export type ConfusionCounts = number[][];

export function confusionMatrix(
  trueLabels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): ConfusionCounts {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new StageInputError(`number of classes must be a positive integer, got ${numClasses}`);
  }
  if (trueLabels.length !== predicted.length) {
    throw new StageInputError(`${trueLabels.length} true labels but ${predicted.length} predictions`);
  }
  const counts: ConfusionCounts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const check = (v: number, i: number, what: string): number => {
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new StageInputError(`${what}[${i}] = ${v} is not a class index in 0…${numClasses - 1}`);
    }
    return v;
  };
  for (let i = 0; i < trueLabels.length; i++) {
    counts[check(trueLabels[i]!, i, 'trueLabels')]![check(predicted[i]!, i, 'predicted')]!++;
  }
  return counts;
}

/** Fraction on the diagonal; throws on an empty matrix (accuracy of nothing is undefined). */
export function accuracy(counts: readonly (readonly number[])[]): number {
  let total = 0;
  let correct = 0;
  counts.forEach((row, t) => {
    row.forEach((n, p) => {
      total += n;
      if (t === p) correct += n;
    });
  });
  if (total === 0) throw new StageInputError('accuracy of an empty confusion matrix is undefined');
  return correct / total;
}

/** Predicted class per row of a [rows × classes] posterior buffer (ties → lowest index). */
export function argmaxPerRow(posteriors: ArrayLike<number>, numClasses: number): number[] {
  const rows = frameCount(posteriors.length, numClasses);
  const out = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) {
      if (posteriors[r * numClasses + c]! > posteriors[r * numClasses + best]!) best = c;
    }
    out[r] = best;
  }
  return out;
}

/**
 * The generalized event confusion matrix of appendix 3.A (Fig. 3.A.1):
 *
 *                     columns: keyword 1 … keyword N   _rejected_
 *   rows: keyword i    hit on the diagonal, else       false reject
 *                      misclassification
 *         _unknown_    false accept on a negative word  correct rejection
 *         _background_ false accept in background      (always 0)
 *
 * The thesis has one "Rejection" truth row; here it is split in two because a negative
 * word is a countable event (its rejection is a true negative) while background is not
 * (there is no count of "background moments correctly left alone", so that cell stays 0).
 * Every keyword/negative event is in exactly one cell of its row; each background row
 * entry is one detection. So rows `keyword…` sum to the keyword events, `_unknown_` to the
 * negative events, and the whole matrix to events + background false accepts.
 */
export interface EventConfusionMatrix {
  /** keywords…, `_unknown_`, `_background_`. */
  readonly rows: readonly string[];
  /** keywords…, `_rejected_`. */
  readonly columns: readonly string[];
  /** counts[row][column]. */
  readonly counts: ConfusionCounts;
}

export function eventConfusionMatrix(
  matches: readonly StreamMatch[],
  keywords: readonly string[],
): EventConfusionMatrix {
  const rows = [...keywords, NEGATIVE_EVENT_LABEL, BACKGROUND_LABEL];
  const columns = [...keywords, REJECTED_LABEL];
  const counts: ConfusionCounts = rows.map(() => new Array<number>(columns.length).fill(0));
  const rejected = keywords.length;
  const col = (label: string): number => {
    const i = keywords.indexOf(label);
    if (i < 0) throw new StageInputError(`"${label}" is not one of the keywords (${keywords.join(', ')})`);
    return i;
  };
  const unknownRow = counts[keywords.length]!;
  const backgroundRow = counts[keywords.length + 1]!;
  for (const m of matches) {
    for (const o of m.keyword) {
      const row = counts[col(o.event.label)]!;
      row[o.type === 'false-reject' ? rejected : col(o.detection.label)]!++;
    }
    for (const o of m.negative) unknownRow[o.type === 'rejected' ? rejected : col(o.detection.label)]!++;
    for (const d of m.background) backgroundRow[col(d.label)]!++;
  }
  return { rows, columns, counts };
}
