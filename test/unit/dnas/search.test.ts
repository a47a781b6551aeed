import { budgetOvershoots, budgetsFor, dnasStage } from '../../../activities/dnas';
import { dnasConfigSchema, type DnasConfig } from '../../../src/dnas/dnas-config';
import { decodeSearchState, encodeSearchState, runSearch, type SearchState } from '../../../src/dnas/search';
import { architectureSchema } from '../../../src/nn/train-config';
import { Prng } from '../../../src/util/prng';
import { syntheticData } from '../nn/synthetic-data';

const M4 = { core: 'cortex-m4' as const, clockHz: 180e6 };
const tiny = (over: Record<string, unknown> = {}): DnasConfig =>
  dnasConfigSchema.parse({
    board: 'stm32f446re',
    searchSpace: { firstConv: { widths: [8, 16] }, blocks: { depth: 2, widths: [8, 16, 24] } },
    epochs: 3,
    warmupEpochs: 1,
    batchSize: 32,
    ...over,
  });

describe('dnas search', () => {
  const data = syntheticData({ n: 96, nVal: 32, shape: [49, 10], numClasses: 4, seed: 3 });

  it('derives an architecture train accepts, with its exact costs, and is reproducible', async () => {
    const config = tiny();
    const budgets = budgetsFor(config, 'stm32f446re');
    const a = await runSearch(data, config, M4, budgets, { rng: Prng.derive('s', 1) });
    const b = await runSearch(data, config, M4, budgets, { rng: Prng.derive('s', 1) });
    expect(architectureSchema.safeParse(a.architecture).success).toBe(true);
    expect(a.trace).toHaveLength(3);
    expect(a.trace[0]!.archPhase).toBe(false);
    expect(JSON.stringify(a.trace.map((t) => ({ ...t })))).toBe(JSON.stringify(b.trace.map((t) => ({ ...t }))));
    const c = await runSearch(data, config, M4, budgets, { rng: Prng.derive('s', 2) });
    expect(JSON.stringify(c.trace[0]!.loss)).not.toBe(JSON.stringify(a.trace[0]!.loss));
  }, 120_000);

  it('a resumed search continues exactly where a checkpoint left off', async () => {
    const config = tiny();
    const budgets = budgetsFor(config, 'stm32f446re');
    let saved: SearchState | undefined;
    const full = await runSearch(data, config, M4, budgets, {
      rng: Prng.derive('r'),
      onEpoch: async (t, state) => {
        if (t.epoch === 2) saved = decodeSearchState(encodeSearchState(state()));
      },
    });
    const resumed = await runSearch(data, config, M4, budgets, { rng: Prng.derive('r'), resumeFrom: saved! });
    expect(JSON.stringify(resumed.trace)).toBe(JSON.stringify(full.trace));
  }, 120_000);

  it('with the sandwich, a held-apart split and hard samples: reproducible, and resumes exactly', async () => {
    const config = tiny({ weightPaths: 'sandwich', archFraction: 0.5, relaxation: 'gumbel-hard' });
    const budgets = budgetsFor(config, 'stm32f446re');
    let saved: SearchState | undefined;
    const full = await runSearch(data, config, M4, budgets, {
      rng: Prng.derive('w'),
      onEpoch: async (t, state) => {
        if (t.epoch === 2) saved = decodeSearchState(encodeSearchState(state()));
      },
    });
    expect(full.searchClips).toBe(data.train.n);
    expect(full.archClips).toBeGreaterThan(0.4 * data.train.n); // about half held apart for the α steps
    expect(full.archClips).toBeLessThan(0.6 * data.train.n);
    expect(full.trace[2]!.z).not.toEqual(full.trace[0]!.z); // α moved after the warm-up
    const again = await runSearch(data, config, M4, budgets, { rng: Prng.derive('w') });
    expect(JSON.stringify(again.trace)).toBe(JSON.stringify(full.trace));
    const resumed = await runSearch(data, config, M4, budgets, { rng: Prng.derive('w'), resumeFrom: saved! });
    expect(JSON.stringify(resumed.trace)).toBe(JSON.stringify(full.trace));
  }, 180_000);

  it('a tight latency budget pulls the search towards cheaper architectures', async () => {
    const budgets = budgetsFor(tiny(), 'stm32f446re');
    const free = await runSearch(data, tiny({ epochs: 4 }), M4, budgets, { rng: Prng.derive('l') });
    const tight = await runSearch(
      data,
      tiny({ epochs: 4, multipliers: { initial: 5, learningRate: 1 }, archLearningRate: 0.1 }),
      M4,
      { ...budgets, latencyMs: 1 },
      { rng: Prng.derive('l') },
    );
    const last = (r: typeof free) => r.trace[r.trace.length - 1]!;
    expect(last(tight).expected.latencyMs).toBeLessThan(last(free).expected.latencyMs);
    expect(last(tight).multipliers.latency).toBeGreaterThan(0);
  }, 120_000);

  it('searches the anomaly-detection log-mel patches (32×32) with the same backbone', async () => {
    const ad = syntheticData({ n: 64, nVal: 16, shape: [32, 32], numClasses: 4, seed: 5 });
    const config = tiny({
      epochs: 2,
      searchSpace: {
        firstConv: { widths: [8, 16], kernel: [3, 3], stride: [1, 1] },
        blocks: [{ widths: [8, 16], stride: [2, 2], skippable: false }, { widths: [8, 16] }],
      },
    });
    const r = await runSearch(ad, config, M4, budgetsFor(config, 'stm32f446re'), { rng: Prng.derive('ad') });
    expect(r.architecture.blocks[0]!.stride).toEqual([2, 2]);
    expect(r.costs.arenaBytes).toBeGreaterThan(32 * 32 * 8);
  }, 120_000);

  it('a node with one width (a fixed first conv) searches the other nodes and keeps that width', async () => {
    // tf.oneHot refuses depth 1; the path evaluation built its one-hot z with it (first seen with
    // `firstConv: {widths: [172]}`, docs/results/2026-12-05-dnas-default.md).
    const config = tiny({ searchSpace: { firstConv: { widths: [12] }, blocks: { depth: 2, widths: [8, 16] } } });
    const r = await runSearch(data, config, M4, budgetsFor(config, 'stm32f446re'), { rng: Prng.derive('f') });
    expect(r.architecture.firstConv.filters).toBe(12);
    expect(r.trace).toHaveLength(3);
  }, 120_000);

  it('names the budget and the overshoot of a model that does not fit', () => {
    const over = budgetOvershoots(
      { flashBytes: 600 * 1024, sramBytes: 10 * 1024, latencyMs: 80 },
      { flashBytes: 460 * 1024, sramBytes: 115 * 1024, latencyMs: 50 },
    );
    expect(over).toEqual([
      'flash: needs 600.0 KB, budget 460.0 KB (+140.0 KB, +30.4%)',
      'latency: needs 80.00 ms, budget 50 ms (+30.00 ms, +60.0%)',
    ]);
  });

  it('config: widths must be multiples of 4, strided blocks cannot be skipped', () => {
    expect(dnasConfigSchema.safeParse({ searchSpace: { firstConv: { widths: [10] } } }).success).toBe(false);
    expect(dnasConfigSchema.safeParse({ searchSpace: { firstConv: { widths: [12, 172] } } }).success).toBe(true);
    expect(dnasConfigSchema.safeParse({ searchSpace: { blocks: [{ widths: [16], stride: [2, 2] }] } }).success).toBe(
      false,
    );
    expect(
      dnasConfigSchema.safeParse({ searchSpace: { blocks: [{ widths: [16], stride: [2, 2], skippable: false }] } })
        .success,
    ).toBe(true);
    expect(dnasStage.usesBoard).toBe(true);
  });
});
