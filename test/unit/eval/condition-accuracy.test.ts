import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clipSourcesFrom,
  readClipSources,
  type ClipConditions,
  type SourcesFile,
} from '../../../src/eval/clip-sources';
import {
  bandOf,
  conditionBreakdown,
  conditionMetrics,
  setMetricName,
  snrBands,
} from '../../../src/eval/condition-accuracy';
import { StageInputError } from '../../../src/errors';

/**
 * Accuracy by acoustic condition on a hand-made test split whose numbers are worked out below
 * (bands [10, 20, 30]; eff = effective SNR, dB):
 *
 *   clip                    heldOut  eff    quiet  background       true  float  int
 *   yes/a_nohash_0.wav      voice    4.5    no     babble           yes   no     no
 *   no/a_nohash_0.wav       voice    9.99   no     pink             no    yes    no
 *   yes/b_nohash_0.wav      voice    10     no     pink             yes   yes    yes
 *   no/b_nohash_0.wav       voice    45     yes    pink             no    no     no
 *   yes/f_nohash_0.wav      engine   -3     no     babble           yes   no     no
 *   no/f_nohash_0.wav       engine   25     no     recorded:crowd   no    no     no
 *   yes/f_nohash_1.wav      engine   30     yes    recorded:crowd   yes   yes    no
 *   _silence_/s_nohash_0    false    —      no     pink             sil   sil    sil
 *   no/old_nohash_0.wav     engine   (no conditions recorded)       no    yes    yes
 *
 * held-out voices: < 10 → 0/2 float, 1/2 int; 10–20 → 1/1, 1/1; ≥ 30 → 1/1, 1/1.
 * held-out engines: < 10 → 0/1; 20–30 → 1/1; ≥ 30 → 1/1 (int 0/1); unknown → 0/1.
 * test (all): < 10 0/3; 10–20 1/1; 20–30 1/1; ≥ 30 2/2; no speech 1/1; unknown 0/1.
 */

const [SIL, YES, NO] = [0, 1, 2];
const cond = (
  effectiveSnrDb: number | undefined,
  quiet: boolean,
  background: string,
  augment: string[] = [],
): ClipConditions => ({
  ...(effectiveSnrDb !== undefined ? { snrDb: effectiveSnrDb, effectiveSnrDb } : {}),
  quiet,
  background,
  augment,
});
const SOURCES: SourcesFile = {
  format: 1,
  engines: {},
  clips: {
    'yes/a_nohash_0.wav': { engine: 'pico', voice: 'a', heldOut: 'voice', conditions: cond(4.5, false, 'babble') },
    'no/a_nohash_0.wav': { engine: 'pico', voice: 'a', heldOut: 'voice', conditions: cond(9.99, false, 'pink') },
    'yes/b_nohash_0.wav': { engine: 'pico', voice: 'b', heldOut: 'voice', conditions: cond(10, false, 'pink') },
    'no/b_nohash_0.wav': { engine: 'pico', voice: 'b', heldOut: 'voice', conditions: cond(45, true, 'pink') },
    'yes/f_nohash_0.wav': {
      engine: 'flite',
      voice: 'kal',
      heldOut: 'engine',
      conditions: cond(-3, false, 'babble', ['room']),
    },
    'no/f_nohash_0.wav': {
      engine: 'flite',
      voice: 'kal',
      heldOut: 'engine',
      conditions: cond(25, false, 'recorded:crowd'),
    },
    'yes/f_nohash_1.wav': {
      engine: 'flite',
      voice: 'kal',
      heldOut: 'engine',
      conditions: cond(30, true, 'recorded:crowd'),
    },
    '_silence_/s_nohash_0.wav': {
      engine: 'silence',
      voice: 'pink',
      heldOut: false,
      conditions: cond(undefined, false, 'pink'),
    },
    'no/old_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine' },
  },
};
const CLIPS = Object.keys(SOURCES.clips);
const TRUTH = [YES, NO, YES, NO, YES, NO, YES, SIL, NO];
const FLOAT = [NO, YES, YES, NO, NO, NO, YES, SIL, YES];
const INT = [NO, NO, YES, NO, NO, NO, NO, SIL, YES];

/** [key, clips, correct, intCorrect] per row. */
const rows = (rs: readonly { key: string; clips: number; correct: number; intCorrect?: number }[]) =>
  rs.map((r) => [r.key, r.clips, r.correct, r.intCorrect]);

describe('snrBands', () => {
  it('makes a band below the first edge, one between neighbours and one at or above the last', () => {
    const bands = snrBands([10, 20, 30]);
    expect(bands.map((b) => [b.key, b.label, b.lo, b.hi])).toEqual([
      ['lt10', '< 10 dB', null, 10],
      ['10to20', '10–20 dB', 10, 20],
      ['20to30', '20–30 dB', 20, 30],
      ['ge30', '≥ 30 dB', 30, null],
    ]);
    // Lower edge inclusive, upper exclusive.
    expect([-50, 9.999, 10, 19.99, 20, 30, 90].map((x) => bandOf(bands, x).key)).toEqual([
      'lt10',
      'lt10',
      '10to20',
      '10to20',
      '20to30',
      'ge30',
      'ge30',
    ]);
    expect(snrBands([-5, 2.5]).map((b) => b.key)).toEqual(['ltm5', 'm5to2p5', 'ge2p5']);
  });

  it('rejects edges that are not strictly ascending', () => {
    expect(() => snrBands([10, 10])).toThrow(StageInputError);
    expect(() => snrBands([20, 10])).toThrow('strictly ascending');
    expect(() => snrBands([])).toThrow(StageInputError);
  });
});

describe('conditionBreakdown', () => {
  const b = conditionBreakdown({
    clips: CLIPS,
    truth: TRUTH,
    predicted: FLOAT,
    intPredicted: INT,
    sources: clipSourcesFrom('s.json', SOURCES),
    edgesDb: [10, 20, 30],
  });
  const set = (name: string) => b.sets.find((s) => s.set === name)!;

  it('has every test clip, then each held-out class present, in a fixed order', () => {
    expect(b.sets.map((s) => [s.set, s.clips, s.withConditions, s.correct])).toEqual([
      ['test', 9, 8, 5],
      ['train-voice', 1, 1, 1],
      ['held-out-voice', 4, 4, 2],
      ['held-out-engine', 4, 3, 2],
    ]);
    expect(b.snrEdgesDb).toEqual([10, 20, 30]);
  });

  it('counts float and integer accuracy per effective-SNR band; silence is no speech, missing conditions unknown', () => {
    expect(rows(set('held-out-voice').bySnr)).toEqual([
      ['lt10', 2, 0, 1],
      ['10to20', 1, 1, 1],
      ['ge30', 1, 1, 1],
    ]);
    expect(rows(set('held-out-engine').bySnr)).toEqual([
      ['lt10', 1, 0, 0],
      ['20to30', 1, 1, 1],
      ['ge30', 1, 1, 0],
      ['unknown', 1, 0, 0],
    ]);
    expect(rows(set('test').bySnr)).toEqual([
      ['lt10', 3, 0, 1],
      ['10to20', 1, 1, 1],
      ['20to30', 1, 1, 1],
      ['ge30', 2, 2, 1],
      ['noSpeech', 1, 1, 1],
      ['unknown', 1, 0, 0],
    ]);
    expect(set('test').bySnr.map((r) => r.label)).toEqual([
      '< 10 dB',
      '10–20 dB',
      '20–30 dB',
      '≥ 30 dB',
      'no speech',
      'not recorded',
    ]);
    const lt10 = set('held-out-voice').bySnr[0]!;
    expect([lt10.accuracy, lt10.intAccuracy]).toEqual([0, 0.5]);
  });

  it('splits quiet from regular clips and counts per background (names in code-unit order, unknown last)', () => {
    expect(rows(set('test').byQuiet)).toEqual([
      ['quiet', 2, 2, 1],
      ['regular', 6, 3, 4],
      ['unknown', 1, 0, 0],
    ]);
    expect(rows(set('test').byBackground)).toEqual([
      ['babble', 2, 0, 0],
      ['pink', 4, 3, 4],
      ['recorded:crowd', 2, 2, 1],
      ['unknown', 1, 0, 0],
    ]);
  });

  it('leaves the integer fields out without an integer model', () => {
    const f = conditionBreakdown({
      clips: CLIPS,
      truth: TRUTH,
      predicted: FLOAT,
      sources: clipSourcesFrom('s.json', SOURCES),
      edgesDb: [10],
    });
    expect(f.sets[0]!.bySnr.map((r) => [r.key, r.clips, r.intAccuracy])).toEqual([
      ['lt10', 3, undefined],
      ['ge10', 4, undefined],
      ['noSpeech', 1, undefined],
      ['unknown', 1, undefined],
    ]);
  });

  it('names its metrics accuracyBySnr.<set>.<band> (and int, clips, quiet, background)', () => {
    const m = conditionMetrics(b);
    expect(m['accuracyBySnr.heldOutVoice.lt10']).toBe(0);
    expect(m['intAccuracyBySnr.heldOutVoice.lt10']).toBe(0.5);
    expect(m['clipsBySnr.heldOutVoice.lt10']).toBe(2);
    expect(m['accuracyBySnr.heldOutEngine.ge30']).toBe(1);
    expect(m['intAccuracyBySnr.heldOutEngine.ge30']).toBe(0);
    expect(m['accuracyBySnr.test.20to30']).toBe(1);
    expect(m['accuracyByQuiet.test.regular']).toBe(0.5);
    expect(m['accuracyByBackground.test.pink']).toBe(0.75);
    expect(m['intAccuracyByBackground.test.pink']).toBe(1);
    expect(m).not.toHaveProperty('accuracyBySnr.heldOutVoice.20to30'); // no clip there
    expect(setMetricName('held-out-engine')).toBe('heldOutEngine');
  });

  it('without any recorded conditions every row is unknown', () => {
    const none: SourcesFile = {
      ...SOURCES,
      clips: Object.fromEntries(
        Object.entries(SOURCES.clips).map(([k, v]) => [k, { engine: v.engine, voice: v.voice, heldOut: v.heldOut }]),
      ),
    };
    const u = conditionBreakdown({
      clips: CLIPS,
      truth: TRUTH,
      predicted: FLOAT,
      sources: clipSourcesFrom('s.json', none),
      edgesDb: [10, 20, 30],
    });
    expect(u.sets[0]!.withConditions).toBe(0);
    expect(rows(u.sets[0]!.bySnr)).toEqual([['unknown', 9, 5, undefined]]);
  });

  it('a recording with nothing mixed in (background none) has no known SNR: unknown band, not no speech', () => {
    const rec: SourcesFile = {
      format: 1,
      engines: {},
      clips: {
        'yes/r_nohash_0.wav': {
          engine: 'recorded',
          voice: 'r',
          heldOut: 'voice',
          conditions: cond(undefined, false, 'none'),
        },
        'no/r_nohash_0.wav': {
          engine: 'recorded',
          voice: 'r',
          heldOut: 'voice',
          conditions: cond(12, false, 'recorded:hall'),
        },
      },
    };
    const b = conditionBreakdown({
      clips: ['yes/r_nohash_0.wav', 'no/r_nohash_0.wav'],
      truth: [YES, NO],
      predicted: [YES, YES],
      sources: clipSourcesFrom('s.json', rec),
      edgesDb: [10, 20, 30],
    });
    expect(rows(b.sets[0]!.bySnr)).toEqual([
      ['10to20', 1, 0, undefined],
      ['unknown', 1, 1, undefined],
    ]);
    expect(rows(b.sets[0]!.byBackground).map((r) => r[0])).toEqual(['none', 'recorded:hall']);
  });

  it('rejects inputs of different lengths', () => {
    expect(() =>
      conditionBreakdown({
        clips: CLIPS,
        truth: TRUTH.slice(1),
        predicted: FLOAT,
        sources: clipSourcesFrom('s.json', SOURCES),
        edgesDb: [10],
      }),
    ).toThrow(StageInputError);
  });
});

describe('sources.json conditions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conditions-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads clips with and without conditions, and names a malformed conditions field', () => {
    writeFileSync(join(dir, 'sources.json'), JSON.stringify(SOURCES));
    const s = readClipSources(dir);
    expect(s.sourceOf('yes/f_nohash_0.wav').conditions).toEqual({
      snrDb: -3,
      effectiveSnrDb: -3,
      quiet: false,
      background: 'babble',
      augment: ['room'],
    });
    expect(s.sourceOf('no/old_nohash_0.wav').conditions).toBeUndefined();
    const bad = {
      ...SOURCES,
      clips: { 'yes/a_nohash_0.wav': { engine: 'pico', voice: 'a', heldOut: 'voice', conditions: { quiet: 'no' } } },
    };
    writeFileSync(join(dir, 'sources.json'), JSON.stringify(bad));
    expect(() => readClipSources(dir)).toThrow(/clips\.yes\/a_nohash_0\.wav\.conditions\.quiet/);
  });
});
