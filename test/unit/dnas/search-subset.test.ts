import { dnasConfigSchema } from '../../../src/dnas/dnas-config';
import { runSearch } from '../../../src/dnas/search';
import { stratifiedSubset } from '../../../src/dnas/search-subset';
import { budgetsFor } from '../../../activities/dnas';
import { Prng } from '../../../src/util/prng';
import { syntheticData } from '../nn/synthetic-data';

describe('dnas trainFraction: the search on a seeded per-label subset', () => {
  const data = syntheticData({ n: 120, nVal: 24, shape: [49, 10], numClasses: 4, seed: 11 });
  const size = 49 * 10;
  const counts = (y: Int32Array) => Array.from({ length: 4 }, (_, c) => y.filter((v) => v === c).length);

  it("keeps each label's share, copies the clips it keeps, and is a function of the seed", () => {
    const a = stratifiedSubset(data.train, size, 0.5, Prng.derive('sub', 1)).kept;
    const full = counts(data.train.y);
    expect(counts(a.y)).toEqual(full.map((c) => Math.max(1, Math.round(c * 0.5))));
    expect(a.x.length).toBe(a.n * size);
    // Every kept example is one of the originals with its own label, in the original order.
    let from = 0;
    for (let i = 0; i < a.n; i++) {
      const ex = a.x.subarray(i * size, (i + 1) * size);
      let k = from;
      while (k < data.train.n && !data.train.x.subarray(k * size, (k + 1) * size).every((v, j) => v === ex[j])) k++;
      expect(k).toBeLessThan(data.train.n);
      expect(a.y[i]).toBe(data.train.y[k]);
      from = k + 1;
    }
    const same = stratifiedSubset(data.train, size, 0.5, Prng.derive('sub', 1)).kept;
    const other = stratifiedSubset(data.train, size, 0.5, Prng.derive('sub', 2)).kept;
    expect(Buffer.from(same.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
    expect(Buffer.from(other.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(false);
    expect(stratifiedSubset(data.train, size, 1, Prng.derive('sub', 1)).kept).toBe(data.train);
    expect(() => stratifiedSubset(data.train, size, 0, Prng.derive('sub', 1))).toThrow(/fraction 0/);
  });

  it('a search with trainFraction steps over that many clips and is reproducible', async () => {
    const config = dnasConfigSchema.parse({
      board: 'stm32f446re',
      searchSpace: { firstConv: { widths: [8, 16] }, blocks: { depth: 1, widths: [8, 16] } },
      epochs: 2,
      warmupEpochs: 1,
      batchSize: 32,
      trainFraction: 0.25,
    });
    const target = { core: 'cortex-m4' as const, clockHz: 180e6 };
    const budgets = budgetsFor(config, 'stm32f446re');
    const a = await runSearch(data, config, target, budgets, { rng: Prng.derive('t', 1) });
    const b = await runSearch(data, config, target, budgets, { rng: Prng.derive('t', 1) });
    expect(a.searchClips).toBe(counts(data.train.y).reduce((s, c) => s + Math.max(1, Math.round(c * 0.25)), 0));
    expect(a.searchClips).toBeLessThan(data.train.n / 3);
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    const whole = await runSearch(data, { ...config, trainFraction: 1 }, target, budgets, { rng: Prng.derive('t', 1) });
    expect(whole.searchClips).toBe(data.train.n);
    expect(whole.trace[0]!.loss).not.toBe(a.trace[0]!.loss);
  }, 120_000);
});
