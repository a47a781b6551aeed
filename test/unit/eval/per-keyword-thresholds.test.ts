import { prepareEventEvaluation, type StreamPosteriors } from '../../../src/eval';
import {
  choosePerKeywordThresholds,
  countsByKeyword,
  lagrangianThresholds,
  perKeywordThresholdsSchema,
  type SweepCounts,
} from '../../../src/eval/per-keyword-thresholds';
import { perKeywordEvaluation, perKeywordMetrics } from '../../../src/eval/per-keyword-evaluation';
import { matchAtThreshold } from '../../../src/eval/threshold-sweep';
import { isTinyopsError } from '../../../src/errors';
import { kw, LABELS, makePosteriors, neg } from './fixtures';

/**
 * A 72 s tuning stream (0.02 h: one false accept = 50 FA/h), 20 ms frames, smoothing 1:
 *   yes said twice with a weak posterior 0.6 (hit only at θ = 0.5),
 *   no said once at 0.95 (hit at every θ),
 *   negative "yet" at 30 s fires yes at 0.8 (θ ≤ 0.75), negative "now" at 40 s fires no at 0.7 (θ ≤ 0.65).
 * Per keyword (misses, false accepts) over θ = 0.5, 0.65, 0.75, 0.85, 0.9:
 *   yes (0,1) (2,1) (2,1) (2,0) (2,0);  no (0,1) (0,1) (0,0) (0,0) (0,0).
 */
const THRESHOLDS = [0.5, 0.65, 0.75, 0.85, 0.9];
const BUMPS = [
  { from: 110, to: 120, label: 'yes', p: 0.6 },
  { from: 510, to: 520, label: 'yes', p: 0.6 },
  { from: 1010, to: 1020, label: 'no', p: 0.95 },
  { from: 1510, to: 1520, label: 'yes', p: 0.8 },
  { from: 2010, to: 2020, label: 'no', p: 0.7 },
];
const EVENTS = [
  kw('yes', 2.0, 2.5),
  kw('yes', 10.0, 10.5),
  kw('no', 20.0, 20.5),
  neg('yet', 30.0, 30.5),
  neg('now', 40.0, 40.5),
];
const tuning: StreamPosteriors = {
  id: 'tune.wav',
  durationSec: 72,
  posteriors: makePosteriors(3600, BUMPS),
  events: EVENTS,
};
const prepare = (s: StreamPosteriors, targetFaPerHour: number) =>
  prepareEventEvaluation([s], LABELS, { smoothingFrames: 1, thresholds: THRESHOLDS, targetFaPerHour });

describe('lagrangianThresholds on a hand-made tuning sweep', () => {
  const row = (threshold: number, yes: [number, number], no: [number, number]): SweepCounts => ({
    threshold,
    byKeyword: {
      yes: { events: 2, hits: 2 - yes[0], falseAccepts: yes[1] },
      no: { events: 1, hits: 1 - no[0], falseAccepts: no[1] },
    },
  });
  const sweep = [
    row(0.5, [0, 1], [0, 1]),
    row(0.65, [2, 1], [0, 1]),
    row(0.75, [2, 1], [0, 0]),
    row(0.85, [2, 0], [0, 0]),
    row(0.9, [2, 0], [0, 0]),
  ];

  it('takes argmin misses + λ·FA per keyword, ties to the higher θ', () => {
    // λ = 1: yes costs 1 at 0.5, 2 at 0.85/0.9; no costs 0 from 0.75 up → the highest, 0.9.
    expect(lagrangianThresholds(sweep, ['yes', 'no'], 1, 0)).toEqual([0.5, 0.9]);
    // λ = 2: yes costs 2 at 0.5 and 2 at 0.85 and 0.9: a three-way tie → 0.9.
    expect(lagrangianThresholds(sweep, ['yes', 'no'], 2, 0)).toEqual([0.9, 0.9]);
    // λ = 0.5: misses dominate → 0.5 for yes.
    expect(lagrangianThresholds(sweep, ['yes', 'no'], 0.5, 0)).toEqual([0.5, 0.9]);
  });

  it('charges a keyword with no false accepts of its own a share of the pooled ones (prior)', () => {
    // A keyword that never fired on the tuning streams: without the prior its θ is the lowest.
    const quiet = sweep.map((r) => ({
      ...r,
      byKeyword: { ...r.byKeyword, stop: { events: 1, hits: r.threshold <= 0.65 ? 1 : 0, falseAccepts: 0 } },
    }));
    const kws = ['yes', 'no', 'stop'];
    expect(lagrangianThresholds(quiet, kws, 1, 0)[2]).toBe(0.65);
    // α = 3: stop at 0.5/0.65 is charged 3 · 2/3 = 2 (two false accepts pooled over 3 keywords),
    // at 0.75 one miss + 3 · 1/3 = 2, at 0.85 and 0.9 one miss → the higher, 0.9.
    expect(lagrangianThresholds(quiet, kws, 1, 3)[2]).toBe(0.9);
  });

  it('rejects an empty sweep and a keyword without counts', () => {
    expect(() => lagrangianThresholds([], ['yes'], 1, 0)).toThrow(/no thresholds/);
    expect(() => lagrangianThresholds(sweep, ['go'], 1, 0)).toThrow(/no counts for keyword "go"/);
  });
});

describe('choosePerKeywordThresholds on hand-made tuning streams', () => {
  it('counts the sweep per keyword as the matcher does', () => {
    const counts = countsByKeyword(matchAtThreshold(prepare(tuning, 0), 0.5), ['yes', 'no']);
    expect(counts).toEqual({
      yes: { events: 2, hits: 2, falseAccepts: 1 },
      no: { events: 1, hits: 1, falseAccepts: 1 },
    });
  });

  it('keeps the λ with the lowest FRR within the budget, checked with all thresholds together', () => {
    const config = perKeywordThresholdsSchema.parse({ pooledFaPrior: 0, lambdas: [0.5, 1, 3, 5] });
    // 50 FA/h = one false accept: λ ≤ 1 gives {yes 0.5, no 0.9}: FRR 0, the "yet" fires yes.
    const loose = choosePerKeywordThresholds(prepare(tuning, 50), config);
    expect(loose.thresholds).toEqual({ yes: 0.5, no: 0.9 });
    expect(loose.lambda).toBe(1); // 0.5 and 1 give the same thresholds: the larger λ
    expect(loose.result).toMatchObject({ frr: 0, falseAccepts: 1, faPerHour: 50 });
    expect(loose.constraintMet).toBe(true);
    // The single θ meeting 50 FA/h (0.75) misses both yes: FRR 2/3. Per keyword: 0.
    // 0 FA/h: only λ ≥ 2 ({0.9, 0.9}) stays quiet; of 3 and 5 (same thresholds) the larger λ.
    const strict = choosePerKeywordThresholds(prepare(tuning, 0), config);
    expect(strict.thresholds).toEqual({ yes: 0.9, no: 0.9 });
    expect(strict.lambda).toBe(5);
    expect(strict.result).toMatchObject({ faPerHour: 0, hits: 1 });
    expect(strict.reason).toMatch(/^λ = 5: lowest tuning FRR \(0\.6667\) among 1 of 2 per-keyword threshold set\(s\)/);
  });

  it('says so when no λ reaches the budget and takes the lowest FA/h', () => {
    // A background "no" at 0.99 fires at every θ: 0 FA/h is out of reach.
    const spiky: StreamPosteriors = {
      ...tuning,
      posteriors: makePosteriors(3600, [...BUMPS, { from: 3000, to: 3010, label: 'no', p: 0.99 }]),
    };
    const c = choosePerKeywordThresholds(prepare(spiky, 0), perKeywordThresholdsSchema.parse({ pooledFaPrior: 0 }));
    expect(c.constraintMet).toBe(false);
    expect(c.result.falseAccepts).toBe(1);
    expect(c.thresholds).toEqual({ yes: 0.9, no: 0.9 });
    expect(c.reason).toMatch(/^no λ reaches FA\/h ≤ 0 on the tuning streams/);
  });

  it('is deterministic and independent of the order of the λ list', () => {
    const a = choosePerKeywordThresholds(prepare(tuning, 50), perKeywordThresholdsSchema.parse({ lambdas: [5, 1, 3] }));
    const b = choosePerKeywordThresholds(prepare(tuning, 50), perKeywordThresholdsSchema.parse({ lambdas: [1, 3, 5] }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('applies the tuning choice unchanged to the scored streams, with per-keyword FRR and metrics', () => {
    // Scored: the same words, but "now" fires no at 0.95 (an unseen voice): the budget breaks there.
    const scored: StreamPosteriors = {
      ...tuning,
      id: 'scored.wav',
      posteriors: makePosteriors(3600, [...BUMPS.slice(0, 4), { from: 2010, to: 2020, label: 'no', p: 0.95 }]),
    };
    const config = perKeywordThresholdsSchema.parse({ pooledFaPrior: 0, lambdas: [1, 3] });
    const e = perKeywordEvaluation(prepare(tuning, 0), prepare(scored, 0), config);
    expect(e.artifact.thresholds).toEqual({ yes: 0.9, no: 0.9 });
    expect(e.artifact.thresholdsQ16).toEqual({ yes: 58982, no: 58982 });
    expect(e.artifact.constraintMet).toBe(true);
    expect(e.artifact.scoredConstraintMet).toBe(false);
    expect(e.artifact.scored).toMatchObject({ falseAccepts: 1, faPerHour: 50 });
    expect(e.artifact.frrByKeyword.scored).toEqual({ yes: 1, no: 0 });
    expect(e.artifact.negativeFalseAccepts.words[0]).toMatchObject({ word: 'now', falseAccepts: 1 });
    expect(perKeywordMetrics(e)).toMatchObject({
      perKeywordFrr: 2 / 3,
      perKeywordFaPerHour: 50,
      perKeywordConstraintMet: false,
      perKeywordTuningFaPerHour: 0,
      'perKeywordThreshold.yes': 0.9,
      'perKeywordFrr.no': 0,
    });
    expect(e.logLines[1]).toBe('  yes: θ 0.9000 (Q16 58982), FRR tuning 100.0%, scored 100.0%');
  });

  it('rejects bad config values', () => {
    expect(perKeywordThresholdsSchema.safeParse({ pooledFaPrior: -1 }).success).toBe(false);
    expect(perKeywordThresholdsSchema.safeParse({ lambdas: [] }).success).toBe(false);
    expect(perKeywordThresholdsSchema.safeParse({ lambdas: [0] }).success).toBe(false);
    expect(perKeywordThresholdsSchema.safeParse({ lambda: 1 }).success).toBe(false);
    let err: unknown;
    try {
      countsByKeyword(matchAtThreshold(prepare(tuning, 0), 0.5), ['yes']);
    } catch (e) {
      err = e;
    }
    expect(isTinyopsError(err)).toBe(true);
  });
});
