import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SynthKwsConfig } from '../../../src/synth/kws-config';
import { generateKwsDataset } from '../../../src/synth/kws-dataset';
import type { RngFor } from '../../../src/synth/rng-for';
import { dirDigest } from './dir-digest';

/**
 * For tests of an opt-in synth-kws option: a temporary root (made before, removed after the
 * describe block's tests) and `make(variant, plain)`, which generates the variant dataset twice
 * — the second time in reverse clip order — requires the same bytes, requires the same
 * validation and test lists as the plain dataset (the option must not move clips between
 * splits), and returns both directories.
 */
export function variantDatasets(prefix: string): {
  make(variant: SynthKwsConfig, plain: SynthKwsConfig, rng: RngFor): Promise<{ variant: string; plain: string }>;
} {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return {
    async make(variant, plain, rng) {
      const a = join(root, 'a');
      const b = join(root, 'b');
      const p = join(root, 'plain');
      await generateKwsDataset(variant, a, rng);
      await generateKwsDataset(variant, b, rng, undefined, { reverseOrder: true });
      await generateKwsDataset(plain, p, rng);
      expect(dirDigest(b)).toEqual(dirDigest(a));
      for (const list of ['testing_list.txt', 'validation_list.txt'])
        expect(readFileSync(join(a, list), 'utf8')).toEqual(readFileSync(join(p, list), 'utf8'));
      return { variant: a, plain: p };
    },
  };
}
