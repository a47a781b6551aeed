import type * as TF from '@tensorflow/tfjs-node';
import { reconstructionErrors, stackFrames, standardize, type Standardization } from '../nn/fc-autoencoder';
import { isAbnormalPath, type ClipScore, type PatchRows } from './anomaly-scores';

/**
 * Clip scores of the FC-autoencoder baseline (DCASE 2020 task 2 baseline; src/nn/fc-autoencoder.ts):
 * the mean squared reconstruction error over every stacked-frame vector of the clip's
 * patches, each machine type scored by its own autoencoder (the baseline trains one per type).
 */

export interface TypeAutoencoder {
  readonly model: TF.LayersModel;
  readonly standardization: Standardization;
}

export interface AutoencoderInput {
  readonly context: number;
  /** Patch shape [frames, bands]. */
  readonly patchShape: readonly [number, number];
  /** By machine type (the part of a label before `/`). */
  readonly byType: ReadonlyMap<string, TypeAutoencoder>;
}

/** Per-clip scores, in order of first appearance; a type without an autoencoder is an error naming it. */
export async function autoencoderClipScores(
  rows: PatchRows,
  patches: Float32Array,
  ae: AutoencoderInput,
): Promise<ClipScore[]> {
  const [frames, bands] = ae.patchShape;
  const size = frames * bands;
  const dim = ae.context * bands;
  const perPatch = frames - ae.context + 1;
  const errors = new Float64Array(rows.clips.length);
  const types = [...new Set(rows.labelIndex.map((l) => rows.labels[l]!.split('/')[0]!))];
  for (const type of types) {
    const model = ae.byType.get(type);
    if (!model)
      throw new RangeError(
        `autoencoder: no model for machine type "${type}" (has ${[...ae.byType.keys()].join(', ') || 'none'})`,
      );
    const idx = rows.labelIndex.map((l, i) => (rows.labels[l]!.split('/')[0] === type ? i : -1)).filter((i) => i >= 0);
    const mine = new Float32Array(idx.length * size);
    idx.forEach((r, k) => mine.set(patches.subarray(r * size, (r + 1) * size), k * size));
    const x = standardize(stackFrames(mine, frames, bands, ae.context), dim, model.standardization);
    const e = await reconstructionErrors(model.model, x, dim);
    idx.forEach((r, k) => {
      let s = 0;
      for (let t = 0; t < perPatch; t++) s += e[k * perPatch + t]!;
      errors[r] = s / perPatch;
    });
  }
  const acc = new Map<string, { sum: number; n: number; label: number }>();
  rows.clips.forEach((clip, i) => {
    const a = acc.get(clip);
    if (a) {
      a.sum += errors[i]!;
      a.n++;
    } else acc.set(clip, { sum: errors[i]!, n: 1, label: rows.labelIndex[i]! });
  });
  return [...acc].map(([clip, a]) => {
    const [type, id] = rows.labels[a.label]!.split('/') as [string, string];
    return { clip, type, id: id ?? '', anomalous: isAbnormalPath(clip), score: a.sum / a.n, patches: a.n };
  });
}
