import { StageInputError } from '../../../src/errors';
import {
  latencyStats,
  matchStream,
  summarizeThreshold,
  type StreamMatch,
  type TimedDetection,
} from '../../../src/eval';
import { kw, neg } from './fixtures';

/** A detection at frame f with 20 ms frames and no offset. */
const det = (frame: number, label: string): TimedDetection => ({ frame, timeMs: frame * 20, label });
const TOL = { earlyMs: 100, lateMs: 1000 };

describe('matchStream', () => {
  describe('tolerance window [onset − early, offset + late]', () => {
    // Event yes [8.06, 8.12] s → window [7960, 9120] ms = frames 398…456. In binary
    // 8.06 × 1000 = 8060.000000000001 and 8.12 × 1000 = 8119.999999999999, so both edges
    // also check that decimal rounding does not move an edge by a frame.
    const e = kw('yes', 8.06, 8.12);
    const outcome = (frame: number) => matchStream([det(frame, 'yes')], [e], TOL);

    it('a detection exactly at onset − early counts; one frame earlier is a false accept', () => {
      expect(outcome(398).keyword[0]).toMatchObject({ type: 'hit', latencyMs: expect.closeTo(7960 - 8120, 9) });
      expect(outcome(397).keyword[0]).toEqual({ type: 'false-reject', event: e });
      expect(outcome(397).background).toEqual([det(397, 'yes')]);
    });

    it('a detection exactly at offset + late counts; one frame later is a false accept', () => {
      expect(outcome(456).keyword[0]).toMatchObject({ type: 'hit', latencyMs: expect.closeTo(1000, 9) });
      expect(outcome(457).keyword[0]!.type).toBe('false-reject');
      expect(outcome(457).background).toHaveLength(1);
    });
  });

  it('latency is detection time − offset, negative when the detection comes before the word ends', () => {
    // yes [2.0, 2.5]: frame 140 = 2800 ms → +300; frame 120 = 2400 ms → −100.
    expect(matchStream([det(140, 'yes')], [kw('yes', 2.0, 2.5)], TOL).keyword[0]).toMatchObject({ latencyMs: 300 });
    expect(matchStream([det(120, 'yes')], [kw('yes', 2.0, 2.5)], TOL).keyword[0]).toMatchObject({ latencyMs: -100 });
  });

  it('an event takes its earliest detection; a second firing in the same window is a false accept', () => {
    const m = matchStream([det(140, 'yes'), det(160, 'yes')], [kw('yes', 2.0, 2.5)], TOL);
    expect(m.keyword[0]).toMatchObject({ type: 'hit', detection: det(140, 'yes') });
    expect(m.background).toEqual([det(160, 'yes')]);
  });

  it('a detection serves one event only; with two detections both overlapping events are hits', () => {
    // yes [1.0, 1.4] → window [0.9, 2.4] s; yes [2.0, 2.3] → [1.9, 3.3] s. Both contain 2.0 s.
    const events = [kw('yes', 1.0, 1.4), kw('yes', 2.0, 2.3)];
    const one = matchStream([det(100, 'yes')], events, TOL);
    expect(one.keyword.map((o) => o.type)).toEqual(['hit', 'false-reject']);
    expect(one.background).toEqual([]);
    // Earliest-first matching still finds the assignment with two hits.
    const two = matchStream([det(100, 'yes'), det(110, 'yes')], events, TOL);
    expect(two.keyword.map((o) => o.type)).toEqual(['hit', 'hit']);
  });

  it('a correct firing wins over an earlier wrong one in the same window; the wrong one is a false accept', () => {
    const m = matchStream([det(130, 'no'), det(140, 'yes')], [kw('yes', 2.0, 2.5)], TOL);
    expect(m.keyword[0]).toMatchObject({ type: 'hit', detection: det(140, 'yes') });
    expect(m.background).toEqual([det(130, 'no')]);
  });

  it('a wrong-keyword detection is a misclassification unless it is another event’s hit', () => {
    // yes [1.0, 1.5] → [0.9, 2.5] s; no [2.0, 2.4] → [1.9, 3.4] s; 'no' fires at 2.3 s (in both).
    const events = [kw('yes', 1.0, 1.5), kw('no', 2.0, 2.4)];
    const m = matchStream([det(115, 'no')], events, TOL);
    expect(m.keyword.map((o) => o.type)).toEqual(['false-reject', 'hit']);
    // Alone, the same firing in the 'yes' window is a misclassification of 'yes'.
    const alone = matchStream([det(115, 'no')], [events[0]!], TOL);
    expect(alone.keyword[0]).toMatchObject({ type: 'misclassification', detection: det(115, 'no') });
  });

  it('a keyword firing on a negative word is a false accept on it; a quiet negative word is rejected', () => {
    // bed [5.0, 5.5] → [4.9, 6.5] s: frame 300 = 6.0 s. cat [8.0, 8.3]: nothing.
    const m = matchStream([det(300, 'no')], [neg('bed', 5.0, 5.5), neg('cat', 8.0, 8.3)], TOL);
    expect(m.negative.map((o) => o.type)).toEqual(['false-accept', 'rejected']);
    expect(m.background).toEqual([]);
  });

  it('keyword windows take precedence over a negative word’s window', () => {
    // bed [1.0, 1.5] → [0.9, 2.5] s; yes [2.0, 2.4] → [1.9, 3.4] s; 'yes' at 2.2 s is in both.
    const m = matchStream([det(110, 'yes')], [neg('bed', 1.0, 1.5), kw('yes', 2.0, 2.4)], TOL);
    expect(m.keyword[0]!.type).toBe('hit');
    expect(m.negative[0]!.type).toBe('rejected');
  });

  it('orders outcomes by onset whatever the input order', () => {
    const m = matchStream([], [kw('no', 5, 6), kw('yes', 1, 2)], TOL);
    expect(m.keyword.map((o) => o.event.label)).toEqual(['yes', 'no']);
  });
});

describe('latencyStats', () => {
  it('mean, median (mean of the middle two), nearest-rank p90, mean in frames', () => {
    // sorted 100 200 300 400: mean 250, median (200+300)/2, p90 = ⌈3.6⌉ = 4th = 400; 250/20 = 12.5 frames
    expect(latencyStats([300, 100, 400, 200], 20)).toEqual({
      count: 4,
      mean: 250,
      median: 250,
      p90: 400,
      meanFrames: 12.5,
    });
    // sorted 1 3 5: median 3, p90 = ⌈2.7⌉ = 3rd = 5
    expect(latencyStats([5, 1, 3], 20)).toMatchObject({ median: 3, p90: 5, mean: 3 });
    // 1…10: p90 = ⌈9⌉ = 9th = 9
    expect(
      latencyStats(
        Array.from({ length: 10 }, (_, i) => i + 1),
        20,
      )?.p90,
    ).toBe(9);
    expect(latencyStats([-40], 20)).toEqual({ count: 1, mean: -40, median: -40, p90: -40, meanFrames: -2 });
  });

  it('is null without hits', () => {
    expect(latencyStats([], 20)).toBeNull();
  });
});

describe('summarizeThreshold', () => {
  const e = kw('yes', 1, 1.5);
  const d = det(80, 'yes');
  const matches: StreamMatch[] = [
    {
      keyword: [
        { type: 'hit', event: e, detection: d, latencyMs: 100 },
        { type: 'hit', event: e, detection: d, latencyMs: 300 },
        { type: 'misclassification', event: e, detection: d },
        { type: 'false-reject', event: e },
      ],
      negative: [
        { type: 'false-accept', event: neg('bed', 3, 3.5), detection: d },
        { type: 'rejected', event: neg('cat', 5, 5.5) },
      ],
      background: [d],
    },
    { keyword: [{ type: 'false-reject', event: e }], negative: [], background: [d, d] },
  ];

  it('counts every outcome and derives the rates as documented', () => {
    // 5 keyword events: 2 hits, 1 misclassification, 2 false rejects; false accepts 1 on a
    // negative + 3 in background = 4 in 1800 s = 0.5 h → 8 per hour.
    expect(summarizeThreshold(0.4, matches, 1800, 20)).toEqual({
      threshold: 0.4,
      keywordEvents: 5,
      negativeEvents: 2,
      hits: 2,
      falseRejects: 2,
      misclassifications: 1,
      falseAccepts: 4,
      falseAcceptsOnNegatives: 1,
      frr: 3 / 5,
      missRate: 2 / 5,
      misclassificationRate: 1 / 5,
      faPerHour: 8,
      latencyMs: { count: 2, mean: 200, median: 200, p90: 300, meanFrames: 10 },
    });
  });

  it('rates are 0 without keyword events; a non-positive duration is an error', () => {
    const r = summarizeThreshold(0.5, [{ keyword: [], negative: [], background: [] }], 60, 20);
    expect(r).toMatchObject({ frr: 0, missRate: 0, misclassificationRate: 0, faPerHour: 0, latencyMs: null });
    expect(() => summarizeThreshold(0.5, [], 0, 20)).toThrow(StageInputError);
  });
});
