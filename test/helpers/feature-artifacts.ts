import * as path from 'node:path';
import { writeFeatureTensor } from '../../src/dsp/feature-tensor';
import type { ArtifactRef } from '../../src/store/artifact-store';
import type { LocalStore } from '../../src/store/local-store';
import { syntheticData } from '../unit/nn/synthetic-data';

/**
 * Seeded synthetic 20×10 train / validation feature tensors of four KWS labels, written to
 * `dir` and put in `store`: the `features` artifacts a train or dnas stage reads.
 */
export async function storeSyntheticFeatures(
  store: LocalStore,
  dir: string,
  sizes: { n: number; nVal: number },
): Promise<ArtifactRef[]> {
  const data = syntheticData({ ...sizes, shape: [20, 10], numClasses: 4 });
  const labels = ['_silence_', '_unknown_', 'yes', 'no'];
  const refs: ArtifactRef[] = [];
  for (const [name, set] of [
    ['train', data.train],
    ['validation', data.validation],
  ] as const) {
    const file = path.join(dir, `${name}.feat`);
    writeFeatureTensor(
      file,
      {
        shape: [set.n, 20, 10],
        split: name,
        labels,
        frontEnd: {},
        labelIndex: [...set.y],
        clips: [...set.y].map((_, i) => `c${i}.wav`),
      },
      set.x,
    );
    const ref = await store.putFile(file);
    refs.push({ ...ref, name, mediaType: 'application/x-tinyops-features' });
  }
  return refs;
}
