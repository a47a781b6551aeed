import { StageInputError } from '../../../src/errors';
import { assertVoicesInstalled } from '../../../src/synth/kws-checks';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { assignSplits, kwsLabels, labelCounts } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';

describe('synthKwsConfigSchema', () => {
  const defaults = synthKwsConfigSchema.parse({});

  it('defaults to the 12-class Speech Commands setup: 10 keywords × 300 + _silence_ + _unknown_ = 3600 clips', () => {
    expect(defaults.keywords).toEqual(['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go']);
    expect(defaults.negatives.length).toBeGreaterThanOrEqual(25);
    expect(kwsLabels(defaults)).toHaveLength(12);
    expect([...labelCounts(defaults).values()].reduce((a, b) => a + b, 0)).toBe(3600);
    expect(defaults).toMatchObject({
      perKeyword: 300,
      sampleRate: 16000,
      clipMs: 1000,
      split: { validation: 0.1, test: 0.1 },
    });
    expect(defaults.streams).toMatchObject({ count: 10, durationSec: 60 });
  });

  it('default voices are all installed in this espeak-ng', async () => {
    await expect(assertVoicesInstalled(defaults)).resolves.toBeUndefined();
  });

  it('rejects unknown keys, bad values and inconsistent combinations, naming the path', () => {
    const issues = (input: unknown): string[] => {
      const r = synthKwsConfigSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ perKeywords: 3 })).toEqual([expect.stringContaining('perKeywords')]);
    expect(issues({ sampleRate: 8000 })[0]).toMatch(/^sampleRate:/);
    expect(issues({ keywords: ['Yes'] })[0]).toMatch(/^keywords\.0:/);
    expect(issues({ keywords: ['yes', 'yes'] })).toEqual(['keywords: duplicate entry "yes"']);
    expect(issues({ negatives: ['bed', 'yes'] })).toEqual(['negatives.1: "yes" is also a keyword']);
    expect(issues({ testVoices: ['en-us'] })).toEqual([
      'testVoices.0: "en-us" is also a training voice; test voices must be held out',
    ]);
    expect(issues({ backgrounds: [{ type: 'file' }] })).toEqual(['backgrounds.0.path: a file background needs a path']);
    expect(issues({ pitch: [60, 40] })[0]).toMatch(/^pitch: expected \[min, max\]/);
    expect(issues({ split: { validation: 0.5, test: 0.5 } })).toEqual([
      'split: validation + test must leave clips for training',
    ]);
    expect(issues({ streams: { count: 2, bogus: 1 } })[0]).toMatch(/^streams:/);
  });
});

describe('assertVoicesInstalled', () => {
  it('names the field, index and value of a voice espeak-ng does not have', async () => {
    const c = synthKwsConfigSchema.parse({ voices: ['en-us', 'en-us+zz9'], testVoices: ['en-gb'] });
    await expect(assertVoicesInstalled(c)).rejects.toThrow(StageInputError);
    await expect(assertVoicesInstalled(c)).rejects.toThrow(
      /^voices\[1\]: espeak-ng voice "en-us\+zz9": variant not installed/,
    );
    const d = synthKwsConfigSchema.parse({ voices: ['en-us'], testVoices: ['klingon'] });
    await expect(assertVoicesInstalled(d)).rejects.toThrow(
      /^testVoices\[0\]: espeak-ng voice "klingon": language not installed/,
    );
  });
});

describe('assignSplits', () => {
  it('holds out round(n·fraction) clips per split, deterministically', () => {
    const rng = rngForSeed(1, 'data');
    const s = assignSplits(300, { validation: 0.1, test: 0.1 }, rng, 'yes');
    expect(s.filter((x) => x === 'test')).toHaveLength(30);
    expect(s.filter((x) => x === 'validation')).toHaveLength(30);
    expect(assignSplits(300, { validation: 0.1, test: 0.1 }, rng, 'yes')).toEqual(s);
    expect(assignSplits(300, { validation: 0.1, test: 0.1 }, rng, 'no')).not.toEqual(s);
  });
});
