import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../../src/audio/wav';
import type { SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, type ClipPlan } from '../../../src/synth/kws-plan';
import { acceptsSmallKwsConfig, smallKwsConfig, SMALL_KWS_RNG } from './small-kws-config';
import { variantDatasets } from './variant-datasets';

/**
 * Train copies (synth-kws `trainCopies`): each train clip again from the same render under
 * its own noise and augmentation draws (src/synth/kws-plan.ts trainCopies).
 */

const config = (over: SynthKwsConfigInput = {}) =>
  smallKwsConfig({
    backgrounds: [{ type: 'white' }, { type: 'pink' }, { type: 'brown' }],
    streamStyleUnknown: { fraction: 0.5 },
    ...over,
  });
const rng = SMALL_KWS_RNG;
const key = (p: ClipPlan) => `${p.label}/${p.index}`;

describe('planClips with trainCopies', () => {
  const one = planClips(config(), rng);
  const three = planClips(config({ trainCopies: 3 }), rng);

  it('is deterministic, and trainCopies 1 is the plan without copies', () => {
    expect(planClips(config({ trainCopies: 3 }), rng)).toEqual(three);
    expect(planClips(config({ trainCopies: 1 }), rng)).toEqual(one);
  });

  it('keeps every original clip as it was and adds two copies of each train clip, none of validation or test', () => {
    const originals = new Map(one.map((p) => [key(p), p]));
    const added = three.filter((p) => !originals.has(key(p)));
    for (const p of three.filter((q) => originals.has(key(q)))) expect(p).toEqual(originals.get(key(p)));
    const train = one.filter((p) => p.split === 'train');
    expect(added).toHaveLength(2 * train.length);
    expect(added.every((p) => p.split === 'train')).toBe(true);
    expect(new Set(three.map((p) => p.relPath)).size).toBe(three.length);
  });

  it('a copy has its original render (voice, word, prosody) and its own noise draws', () => {
    const byLabel = new Map<string, number>();
    for (const p of one) byLabel.set(p.label, Math.max(byLabel.get(p.label) ?? 0, p.index + 1));
    const originals = new Map(one.map((p) => [key(p), p]));
    let differing = 0;
    const added = three.filter((p) => !originals.has(key(p)));
    for (const copy of added) {
      const count = byLabel.get(copy.label)!;
      const original = originals.get(`${copy.label}/${copy.index % count}`)!;
      expect(original.split).toBe('train');
      if (copy.kind === 'speech' && original.kind === 'speech') {
        expect(copy.request).toEqual(original.request);
        expect(copy.source).toEqual(original.source);
        expect(copy.streamStyle?.neighbour).toEqual(original.streamStyle?.neighbour);
        if (copy.snrDb !== original.snrDb && copy.shiftMs !== original.shiftMs) differing++;
      }
    }
    expect(differing).toBeGreaterThan(0.9 * added.filter((p) => p.kind === 'speech').length);
  });

  it('rejects 0 and more than 8 copies', () => {
    expect(acceptsSmallKwsConfig({ trainCopies: 0 })).toBe(false);
    expect(acceptsSmallKwsConfig({ trainCopies: 9 })).toBe(false);
  });
});

describe('generateKwsDataset with trainCopies (espeak-ng)', () => {
  const datasets = variantDatasets('kws-copies-');

  const tiny = (trainCopies: number) =>
    config({ keywords: ['yes'], perKeyword: 6, unknownFraction: 0.5, silenceFraction: 0.5, trainCopies });

  it('same config and seed give the same bytes; a copy is the same word under other noise; splits lists unchanged', async () => {
    const { variant: a, plain } = await datasets.make(tiny(2), tiny(1), rng);
    const plans = planClips(tiny(2), rng).filter((p) => p.label === 'yes');
    const count = planClips(tiny(1), rng).filter((p) => p.label === 'yes').length;
    const copies = plans.filter((p) => p.index >= count);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const original = plans.find((p) => p.index === copy.index % count)!;
      const x = readWav(join(a, copy.relPath)).samples;
      const y = readWav(join(a, original.relPath)).samples;
      expect(x.length).toBe(y.length);
      expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(false);
      // The original is byte-identical to the dataset without copies.
      expect(readFileSync(join(a, original.relPath))).toEqual(readFileSync(join(plain, original.relPath)));
    }
  }, 120_000);
});
