import { evaluateStreams, matchAtThreshold, prepareEventEvaluation } from '../../../src/eval';
import { falseAcceptsByWord } from '../../../src/eval/false-accepts-by-word';
import { kw, LABELS, makePosteriors, neg } from './fixtures';

/**
 * Two streams of 20 s (1000 frames of 20 ms, smoothing 1, early 100 ms / late 1000 ms):
 *   A: yet [2.0, 2.4] with a 'yes' bump (0.95) at 2.6 s → false accept on "yet" as "yes"
 *      yet [8.0, 8.4] with a 'yes' bump (0.7) at 8.6 s → a false accept only below θ = 0.7
 *      bed [14.0, 14.4], nothing                      → rejected
 *   B: yet [3.0, 3.4] with a 'no' bump (0.95) at 3.6 s  → false accept on "yet" as "no"
 *      goal [9.0, 9.4] with a 'no' bump (0.95) at 9.6 s → false accept on "goal" as "no"
 *      yes [15.0, 15.4] with a 'yes' bump (0.95)        → a hit, not in the table
 */
const STREAMS = [
  {
    id: 'A',
    durationSec: 20,
    events: [neg('yet', 2.0, 2.4), neg('yet', 8.0, 8.4), neg('bed', 14.0, 14.4)],
    posteriors: makePosteriors(1000, [
      { from: 130, to: 135, label: 'yes', p: 0.95 },
      { from: 430, to: 435, label: 'yes', p: 0.7 },
    ]),
  },
  {
    id: 'B',
    durationSec: 20,
    events: [neg('yet', 3.0, 3.4), neg('goal', 9.0, 9.4), kw('yes', 15.0, 15.4)],
    posteriors: makePosteriors(1000, [
      { from: 180, to: 185, label: 'no', p: 0.95 },
      { from: 480, to: 485, label: 'no', p: 0.95 },
      { from: 780, to: 785, label: 'yes', p: 0.95 },
    ]),
  },
];
const OPTIONS = { smoothingFrames: 1, thresholds: [0.5, 0.9] };

describe('falseAcceptsByWord', () => {
  const prepared = prepareEventEvaluation(STREAMS, LABELS, OPTIONS);

  it('counts, per negative word, its events, the firings on it and which keyword fired', () => {
    const t = falseAcceptsByWord(matchAtThreshold(prepared, 0.9));
    expect(t.words).toEqual([
      { word: 'yet', events: 3, falseAccepts: 2, rate: 2 / 3, firedAs: { yes: 1, no: 1 } },
      { word: 'goal', events: 1, falseAccepts: 1, rate: 1, firedAs: { no: 1 } },
      { word: 'bed', events: 1, falseAccepts: 0, rate: 0, firedAs: {} },
    ]);
    expect(t).toMatchObject({ negativeEvents: 5, falseAcceptsOnNegatives: 3, perNegativeWord: 3 / 5 });
  });

  it('agrees with the threshold report: its total is falseAcceptsOnNegatives at every threshold', () => {
    const ev = evaluateStreams(STREAMS, LABELS, OPTIONS);
    for (const r of ev.perThreshold) {
      expect(falseAcceptsByWord(matchAtThreshold(prepared, r.threshold)).falseAcceptsOnNegatives).toBe(
        r.falseAcceptsOnNegatives,
      );
    }
    // The 0.7 bump on the second "yet" only counts at the lower threshold.
    expect(falseAcceptsByWord(matchAtThreshold(prepared, 0.5)).words[0]).toMatchObject({
      word: 'yet',
      falseAccepts: 3,
      firedAs: { yes: 2, no: 1 },
    });
  });

  it('is empty, with rate 0, for streams without negative words', () => {
    expect(falseAcceptsByWord([{ keyword: [], negative: [], background: [] }])).toEqual({
      words: [],
      negativeEvents: 0,
      falseAcceptsOnNegatives: 0,
      perNegativeWord: 0,
    });
  });
});
