import { StageInputError } from '../../../src/errors';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import {
  listFormVoices,
  resolvedVoicesDigest,
  resolveVoices,
  usedEngines,
  voiceTag,
} from '../../../src/synth/voice-sources';

/** Config checks of the engines form of `voices` (kws-config.ts) and their resolution against the installed engines. */

const issues = (input: SynthKwsConfigInput): string[] => {
  const r = synthKwsConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('voices.engines validation', () => {
  it('accepts a spec-like config and fills defaults', () => {
    const c = synthKwsConfigSchema.parse({
      voices: {
        engines: {
          'espeak-ng': { testVoices: ['en-029+m2'] },
          pico: {},
          rhvoice: { exclude: ['evgeniy-eng', 'lyubov'] },
          kokoro: { speakers: 12 },
        },
      },
    });
    expect(c.voices).toEqual({
      engines: {
        'espeak-ng': { voices: 'all', exclude: [], testVoices: ['en-029+m2'], weight: 1 },
        pico: { voices: 'all', exclude: [], testVoices: [], weight: 1 },
        rhvoice: { voices: 'all', exclude: ['evgeniy-eng', 'lyubov'], testVoices: [], weight: 1 },
        kokoro: { voices: 'all', exclude: [], testVoices: [], weight: 1, speakers: 12 },
      },
      heldOutEngines: ['flite', 'festival'],
      heldOutPerKeyword: 30,
    });
    expect(usedEngines(c)).toEqual(['espeak-ng', 'pico', 'rhvoice', 'kokoro', 'flite', 'festival']);
  });

  it('refuses a held-out engine as a training engine', () => {
    expect(issues({ voices: { engines: { pico: { testVoices: ['en-GB'] }, flite: {} } } })).toEqual([
      'voices.engines.flite: "flite" is a held-out engine (never trained on; it speaks only test clips and scored streams): remove it from voices.engines',
    ]);
    // Reserved even when the user drops it from heldOutEngines.
    expect(
      issues({ voices: { engines: { pico: { testVoices: ['en-GB'] }, festival: {} }, heldOutEngines: [] } }),
    ).toHaveLength(1);
  });

  it('names an unknown engine with a did-you-mean', () => {
    expect(issues({ voices: { engines: { pcio: { testVoices: ['x'] } } } })).toEqual([
      'voices.engines.pcio: unknown engine "pcio", did you mean "pico"?',
    ]);
    expect(issues({ voices: { engines: { pico: { testVoices: ['en-GB'] } }, heldOutEngines: ['flit'] } })).toEqual([
      'voices.heldOutEngines.0: unknown engine "flit", did you mean "flite"?',
    ]);
  });

  it('needs held-out voices, keeps them out of training, and speakers only for kokoro', () => {
    expect(issues({ voices: { engines: { pico: {} } } })).toEqual([
      'voices.engines: no held-out voice: give at least one training engine testVoices (the test split measures unseen voices)',
    ]);
    expect(issues({ voices: { engines: { pico: { voices: ['en-US', 'en-GB'], testVoices: ['en-GB'] } } } })).toEqual([
      'voices.engines.pico.testVoices.0: "en-GB" is also a training voice; test voices must be held out',
    ]);
    expect(issues({ voices: { engines: { pico: { testVoices: ['en-GB'], speakers: 3 } } } })).toEqual([
      'voices.engines.pico.speakers: speakers is for kokoro (blended pseudo-speakers), not "pico"',
    ]);
    expect(issues({ voices: { engines: { pico: { testVoices: ['en-GB'] } } }, testVoices: ['en-us'] })).toEqual([
      'testVoices: with voices.engines, held-out voices go in voices.engines.<engine>.testVoices',
    ]);
  });

  it('keeps the list form (espeak-ng only, no held-out engines)', () => {
    const c = synthKwsConfigSchema.parse({ voices: ['en-us', 'en-gb'], testVoices: ['en-029'] });
    expect(usedEngines(c)).toEqual(['espeak-ng']);
    const v = listFormVoices(c);
    expect(v.train[0]!.sources.map((s) => s.tag)).toEqual(['en-us', 'en-gb']);
    expect(v.test[0]!.sources).toEqual([{ engine: 'espeak-ng', voice: 'en-029', heldOut: 'voice', tag: 'en-029' }]);
    expect(v.heldOutEngines).toEqual([]);
  });
});

describe('resolveVoices against the installed engines', () => {
  it('expands `all`, applies exclude and testVoices, and adds the held-out engines', async () => {
    const c = synthKwsConfigSchema.parse({
      voices: {
        engines: {
          rhvoice: { exclude: ['evgeniy-eng', 'lyubov'], testVoices: ['clb'] },
          mbrola: { voices: ['us1', 'en1'] },
        },
        heldOutEngines: ['flite'],
      },
    });
    const v = await resolveVoices(c);
    expect(v.train.map((g) => [g.engine, g.sources.map((s) => s.voice)])).toEqual([
      ['rhvoice', ['alan', 'bdl', 'slt']],
      ['mbrola', ['us1', 'en1']],
    ]);
    expect(v.test.map((g) => [g.engine, g.sources.map((s) => `${s.tag}:${String(s.heldOut)}`)])).toEqual([
      ['rhvoice', ['rhvoice-clb:voice']],
    ]);
    expect(v.heldOutEngines[0]!.sources.map((s) => s.voice)).toEqual(['awb', 'kal', 'kal16', 'rms', 'slt']);
    expect(v.heldOutEngines[0]!.sources.every((s) => s.heldOut === 'engine')).toBe(true);
  });

  it('digests the resolved voices: one more installed voice changes it, the same resolution does not', async () => {
    const c = synthKwsConfigSchema.parse({
      voices: { engines: { mbrola: { exclude: ['us3'], testVoices: ['en1'] } }, heldOutEngines: ['flite'] },
    });
    const v = await resolveVoices(c);
    expect(resolvedVoicesDigest(v)).toMatch(/^[0-9a-f]{64}$/);
    expect(resolvedVoicesDigest(await resolveVoices(c))).toBe(resolvedVoicesDigest(v));
    // What `voices: all` resolves to after `apt-get install mbrola-de4` (one more database).
    const mbrola = v.train[0]!;
    const more = {
      ...mbrola,
      sources: [...mbrola.sources, { ...mbrola.sources[0]!, voice: 'de4-en', tag: 'mbrola-de4-en' }],
    };
    expect(resolvedVoicesDigest({ ...v, train: [more] })).not.toBe(resolvedVoicesDigest(v));
    // A festvox voice more or less moves the held-out engines' part.
    const flite = v.heldOutEngines[0]!;
    const fewer = { ...flite, sources: flite.sources.slice(1) };
    expect(resolvedVoicesDigest({ ...v, heldOutEngines: [fewer] })).not.toBe(resolvedVoicesDigest(v));
  });

  it('espeak-ng `all`: every English language × speaker variants, without effect variants', async () => {
    const c = synthKwsConfigSchema.parse({ voices: { engines: { 'espeak-ng': { testVoices: ['en-029+m2'] } } } });
    const voices = (await resolveVoices(c)).train[0]!.sources.map((s) => s.voice);
    expect(voices).toEqual(expect.arrayContaining(['en-us', 'en-gb-scotland+f3', 'en-us-nyc+klatt2', 'en-gb+Alex']));
    expect(voices.some((v) => /\+(robosoft\d*|whisper|Demonic)$/.test(v))).toBe(false);
    expect(voices).not.toContain('en-029+m2');
    expect(voices.length).toBeGreaterThan(600);
  });

  it('names an unknown voice with the field and a did-you-mean', async () => {
    const c = synthKwsConfigSchema.parse({ voices: { engines: { rhvoice: { testVoices: ['alann'] } } } });
    const err = await resolveVoices(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageInputError);
    expect((err as Error).message).toBe(
      'voices.engines.rhvoice.testVoices[0]: rhvoice voice "alann" is not installed; did you mean "alan"?',
    );
  });

  it('makes file-name-safe tags unique per engine and voice', () => {
    expect(voiceTag('espeak-ng', 'en-us+f3')).toBe('en-us-f3');
    expect(voiceTag('pico', 'en-US')).toBe('pico-en-US');
    expect(voiceTag('festival', 'kal_diphone')).toBe('festival-kal-diphone');
  });
});
