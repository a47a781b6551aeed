import { budgetsFor } from '../../../activities/dnas';
import { dnasConfigSchema } from '../../../src/dnas/dnas-config';
import { runSearch } from '../../../src/dnas/search';
import { voiceSplit, type ClipVoice } from '../../../src/dnas/search-subset';
import { StageInputError } from '../../../src/errors';
import { Prng } from '../../../src/util/prng';
import { syntheticData } from '../nn/synthetic-data';

/**
 * `archSplitBy: voice`: the architecture steps' clips are whole voices the weight steps never
 * see. Voices are assigned to the synthetic clips in the shape of kws.yaml's data: an engine with
 * many voices of a few clips each (espeak-ng), one with three large voices (rhvoice), one with a
 * single voice (pico), and speakerless `_silence_` clips (label 0).
 */
describe('dnas archSplitBy: voice', () => {
  const data = syntheticData({ n: 240, nVal: 24, shape: [49, 10], numClasses: 4, seed: 5 });
  const size = 49 * 10;
  const voiceOf = (i: number, label: number): ClipVoice | null => {
    if (label === 0) return null;
    if (i % 5 === 0) return { engine: 'pico', voice: 'en-US' };
    if (i % 5 === 1) return { engine: 'rhvoice', voice: ['alan', 'bdl', 'slt'][i % 3]! };
    return { engine: 'espeak-ng', voice: `v${i % 23}` };
  };
  const voices = Array.from(data.train.y, (label, i) => voiceOf(i, label));
  const key = (v: ClipVoice | null) => (v === null ? null : `${v.engine}/${v.voice}`);

  it('holds apart whole voices per engine, keeps one-voice engines with the weights, and is seeded', () => {
    const s = voiceSplit(data.train, size, voices, 0.3, Prng.derive('v', 1));
    expect(s.kept.n + s.rest.n).toBe(data.train.n);
    const keptVoices = new Set(s.keptIndex.map((i) => key(voices[i]!)));
    const restVoices = new Set(s.restIndex.map((i) => key(voices[i]!)));
    restVoices.delete(null);
    // No voice has clips on both sides; pico (one voice) is all with the weights.
    for (const v of restVoices) expect(keptVoices.has(v)).toBe(false);
    expect(s.wholeEngines).toEqual(['pico']);
    expect(Object.keys(s.heldVoices)).toEqual(['espeak-ng', 'rhvoice']);
    expect(s.heldVoices.rhvoice).toHaveLength(1); // one of three voices ≈ 30%
    for (const [engine, held] of Object.entries(s.heldVoices)) {
      const all = voices.filter((v) => v?.engine === engine);
      const out = all.filter((v) => held.includes(v!.voice)).length;
      expect(out / all.length).toBeGreaterThan(0.15);
      expect(out / all.length).toBeLessThan(0.45);
      expect(held.length).toBeLessThan(new Set(all.map((v) => v!.voice)).size);
    }
    // Speakerless clips split per label by clip, about the same share.
    const silent = voices.filter((v) => v === null).length;
    expect(s.restWithoutVoice).toBe(silent - Math.round(silent * 0.7));
    // The parts are the rows they name, in order.
    s.restIndex.forEach((row, j) => {
      expect(s.rest.y[j]).toBe(data.train.y[row]);
      expect(s.rest.x[j * size + 7]).toBe(data.train.x[row * size + 7]);
    });
    const again = voiceSplit(data.train, size, voices, 0.3, Prng.derive('v', 1));
    expect(again.restIndex).toEqual(s.restIndex);
    const other = voiceSplit(data.train, size, voices, 0.3, Prng.derive('v', 2));
    expect(other.restIndex).not.toEqual(s.restIndex);
  });

  it('fails clearly when no engine has two voices to split', () => {
    const one = voices.map((v) => (v === null ? null : { engine: v.engine, voice: 'same' }));
    const split = () => voiceSplit(data.train, size, one, 0.3, Prng.derive('v', 1));
    expect(split).toThrow(StageInputError);
    expect(split).toThrow(/archSplitBy: voice needs an engine with at least two voices .*espeak-ng 1, .*pico 1/);
    expect(() => voiceSplit(data.train, size, voices.slice(1), 0.3, Prng.derive('v', 1))).toThrow(RangeError);
    expect(() => voiceSplit(data.train, size, voices, 0, Prng.derive('v', 1))).toThrow(/fraction 0/);
  });

  const config = (over: Record<string, unknown>) =>
    dnasConfigSchema.parse({
      board: 'stm32f446re',
      searchSpace: { firstConv: { widths: [8, 16] }, blocks: { depth: 1, widths: [8, 16] } },
      epochs: 2,
      warmupEpochs: 1,
      batchSize: 32,
      archFraction: 0.3,
      ...over,
    });
  const target = { core: 'cortex-m4' as const, clockHz: 180e6 };

  it('absent means by clip, and stays out of the resolved config (cache keys of existing searches stay)', () => {
    expect('archSplitBy' in config({})).toBe(false);
    expect(config({ archSplitBy: 'voice' }).archSplitBy).toBe('voice');
    expect(dnasConfigSchema.safeParse({ archSplitBy: 'speaker' }).success).toBe(false);
  });

  it('a search with the voice split steps α over the held-apart voices, reproducibly, and differs from the clip split', async () => {
    const c = config({ archSplitBy: 'voice', trainFraction: 0.5 });
    const budgets = budgetsFor(c, 'stm32f446re');
    const a = await runSearch(data, c, target, budgets, { rng: Prng.derive('s', 1) }, voices);
    const b = await runSearch(data, c, target, budgets, { rng: Prng.derive('s', 1) }, voices);
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    expect(a.archVoices?.wholeEngines).toEqual(['pico']);
    expect(Object.keys(a.archVoices!.held)).toEqual(['espeak-ng', 'rhvoice']);
    expect(a.archClips).toBeGreaterThan(0);
    expect(a.archClips).toBeLessThan(0.35 * a.searchClips);
    const byClip = await runSearch(data, config({ trainFraction: 0.5 }), target, budgets, { rng: Prng.derive('s', 1) });
    expect(byClip.archVoices).toBeUndefined();
    expect(byClip.searchClips).toBe(a.searchClips); // the same subset; only the split differs
    expect(JSON.stringify(byClip.trace[1]!.z)).not.toBe(JSON.stringify(a.trace[1]!.z));
    const explicit = await runSearch(data, config({ trainFraction: 0.5, archSplitBy: 'clip' }), target, budgets, {
      rng: Prng.derive('s', 1),
    });
    expect(JSON.stringify(explicit.trace)).toBe(JSON.stringify(byClip.trace));
  }, 180_000);

  it('needs archFraction and a voice for every clip', async () => {
    const budgets = budgetsFor(config({}), 'stm32f446re');
    await expect(
      runSearch(
        data,
        config({ archSplitBy: 'voice', archFraction: 0 }),
        target,
        budgets,
        { rng: Prng.derive('s') },
        voices,
      ),
    ).rejects.toThrow(/archSplitBy: voice holds apart `archFraction` of the clips, but archFraction is 0/);
    await expect(
      runSearch(data, config({ archSplitBy: 'voice' }), target, budgets, { rng: Prng.derive('s') }),
    ).rejects.toThrow(/needs the voice of every training clip \(240\); got none/);
  });
});
