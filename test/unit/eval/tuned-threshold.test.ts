import { applyTunedThreshold, evaluateStreams, prepareEventEvaluation, type StreamPosteriors } from '../../../src/eval';
import { kw, LABELS, makePosteriors } from './fixtures';

/**
 * 36 s streams (1800 frames). Scored: 'yes' said at 2.0–2.5 s with a weak bump (0.6) and a
 * 'no' spike (0.8) in background at 30 s. Tuning: the same weak 'yes', no spike. At a budget
 * of 0 FA/h the tuning streams pick θ = 0.5 (the 'yes' is caught, nothing else fires); the
 * scored streams alone would pick θ = 0.9 (the only one without the spike's false accept).
 */
const OPTIONS = { smoothingFrames: 1, thresholds: [0.5, 0.7, 0.9], targetFaPerHour: 0 };
const scored: StreamPosteriors = {
  id: 'scored.wav',
  durationSec: 36,
  posteriors: makePosteriors(1800, [
    { from: 140, to: 150, label: 'yes', p: 0.6 },
    { from: 1500, to: 1510, label: 'no', p: 0.8 },
  ]),
  events: [kw('yes', 2.0, 2.5)],
};
const tuning: StreamPosteriors = {
  ...scored,
  id: 'tune.wav',
  posteriors: makePosteriors(1800, [{ from: 140, to: 150, label: 'yes', p: 0.6 }]),
};

describe('applyTunedThreshold', () => {
  const scoredEval = evaluateStreams([scored], LABELS, OPTIONS);
  const tuningEval = evaluateStreams([tuning], LABELS, OPTIONS);
  const { events, tuning: summary } = applyTunedThreshold(
    scoredEval,
    prepareEventEvaluation([scored], LABELS, OPTIONS),
    tuningEval,
  );

  it('reports the scored streams at the threshold the tuning streams chose', () => {
    expect(tuningEval.operatingPoint.threshold).toBe(0.5);
    expect(scoredEval.operatingPoint.threshold).toBe(0.9);
    expect(events.operatingPoint.threshold).toBe(0.5);
    expect(events.operatingPoint.result).toEqual(scoredEval.perThreshold[0]);
    expect(events.operatingPoint.result).toMatchObject({ hits: 1, falseAccepts: 1, frr: 0, faPerHour: 100 });
    // The budget holds on the tuning streams, not on the scored ones: said so.
    expect(events.operatingPoint.constraintMet).toBe(false);
    expect(events.operatingPoint.reason).toMatch(/^chosen on 1 tuning stream\(s\) \(0\.6 min, not scored\)/);
    // Sweep and DET stay the scored streams' own.
    expect(events.perThreshold).toBe(scoredEval.perThreshold);
    expect(events.det).toBe(scoredEval.det);
  });

  it('recomputes the event confusion matrix at the tuned threshold', () => {
    const yes = events.eventConfusion.rows.indexOf('yes');
    expect(events.eventConfusion.counts[yes]![events.eventConfusion.columns.indexOf('yes')]).toBe(1);
    const bg = events.eventConfusion.rows.indexOf('_background_');
    expect(events.eventConfusion.counts[bg]![events.eventConfusion.columns.indexOf('no')]).toBe(1);
  });

  it('keeps the tuning operating point and the optimistic scored one for comparison', () => {
    expect(summary.operatingPoint).toBe(tuningEval.operatingPoint);
    expect(summary.scoredOracle).toBe(scoredEval.operatingPoint);
    expect(summary).toMatchObject({ streams: 1, hours: 0.01 });
  });
});
