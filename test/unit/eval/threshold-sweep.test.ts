import { StageInputError } from '../../../src/errors';
import { evaluateStreams, matchAtThreshold, prepareEventEvaluation, type StreamPosteriors } from '../../../src/eval';
import { Prng } from '../../../src/util/prng';
import { kw, LABELS, makePosteriors, neg, REFERENCE, type Bump } from './fixtures';

const reference = (): StreamPosteriors => ({
  id: 'reference.wav',
  durationSec: REFERENCE.durationSec,
  posteriors: makePosteriors(REFERENCE.frames, REFERENCE.bumps),
  events: REFERENCE.events,
});

describe('evaluateStreams on the reference stream (fixtures.ts REFERENCE)', () => {
  it('without smoothing, θ = 0.5: 1 hit, 1 misclassification, 1 false reject, 1 false accept', () => {
    const ev = evaluateStreams([reference()], LABELS, { smoothingFrames: 1, thresholds: [0.5] });
    expect(ev.keywords).toEqual(['yes', 'no']);
    expect(ev.totals).toEqual({
      streams: 1,
      frames: 1800,
      durationSec: 36,
      hours: 0.01,
      keywordEvents: 3,
      negativeEvents: 1,
    });
    expect(ev.perThreshold).toHaveLength(1);
    expect(ev.perThreshold[0]).toEqual({
      threshold: 0.5,
      keywordEvents: 3,
      negativeEvents: 1,
      hits: 1,
      misclassifications: 1,
      falseRejects: 1,
      falseAccepts: 1,
      falseAcceptsOnNegatives: 0,
      frr: 2 / 3, // (1 false reject + 1 misclassification) / 3 keyword events
      missRate: 1 / 3,
      misclassificationRate: 1 / 3,
      faPerHour: 100, // 1 false accept / (36 s = 0.01 h), exactly
      // hit: frame 140 = 2800 ms, offset 2.5 s → 300 ms = 15 frames
      latencyMs: { count: 1, mean: 300, median: 300, p90: 300, meanFrames: 15 },
    });
    expect(ev.det).toEqual([{ threshold: 0.5, frr: 2 / 3, faPerHour: 100 }]);
    // 100 FA/h > the default target of 1: the only threshold is chosen, flagged as not meeting it.
    expect(ev.operatingPoint).toMatchObject({ threshold: 0.5, constraintMet: false, targetFaPerHour: 1 });
    expect(ev.eventConfusion.counts).toEqual([
      [1, 0, 1], // yes: E1 hit, E3 rejected (false reject)
      [1, 0, 0], // no: E2 misclassified as yes
      [0, 0, 1], // _unknown_: bed rejected
      [0, 1, 0], // _background_: 'no' at 30 s
    ]);
  });

  it('with a 5-frame causal average the hit comes 2 frames later: latency 340 ms', () => {
    // 'yes' = 0.9 from frame 140: smoothed 0.18, 0.36, 0.54 at frames 140, 141, 142 → fires
    // at 142 = 2840 ms; offset 2.5 s → 340 ms. Counts are unchanged.
    const ev = evaluateStreams([reference()], LABELS, { smoothingFrames: 5, thresholds: [0.5] });
    expect(ev.perThreshold[0]).toMatchObject({
      hits: 1,
      misclassifications: 1,
      falseRejects: 1,
      falseAccepts: 1,
      faPerHour: 100,
    });
    expect(ev.perThreshold[0]!.latencyMs).toEqual({ count: 1, mean: 340, median: 340, p90: 340, meanFrames: 17 });
  });

  it('frameOffsetMs shifts detection times: +100 ms gives latency 400 ms', () => {
    const ev = evaluateStreams([reference()], LABELS, { smoothingFrames: 1, thresholds: [0.5], frameOffsetMs: 100 });
    expect(ev.perThreshold[0]!.latencyMs?.mean).toBe(400);
  });

  it('a late tolerance of 300 ms (15 frames) turns the hit at +300 ms edge-exact, 280 ms misses it', () => {
    const at = (lateMs: number) =>
      evaluateStreams([reference()], LABELS, { smoothingFrames: 1, thresholds: [0.5], lateMs }).perThreshold[0]!;
    expect(at(300)).toMatchObject({ hits: 1, falseAccepts: 1 });
    expect(
      evaluateStreams([reference()], LABELS, { smoothingFrames: 1, thresholds: [0.5], lateFrames: 15 }).perThreshold[0],
    ).toMatchObject({ hits: 1 });
    // At 280 ms E1's firing (2.80 s) falls outside [1.9, 2.78] s → a false accept; E2's
    // firing (10.80 s) is still inside [9.9, 10.88] s.
    expect(at(280)).toMatchObject({ hits: 0, misclassifications: 1, falseRejects: 2, falseAccepts: 2 });
  });

  it('above every bump (θ = 0.95) nothing fires: all keywords rejected, no false accepts', () => {
    const ev = evaluateStreams([reference()], LABELS, { smoothingFrames: 1, thresholds: [0.5, 0.95] });
    expect(ev.perThreshold[1]).toMatchObject({
      hits: 0,
      falseRejects: 3,
      falseAccepts: 0,
      frr: 1,
      faPerHour: 0,
      latencyMs: null,
    });
    // 0.95 meets the 1 FA/h target; 0.5 does not.
    expect(ev.operatingPoint).toMatchObject({ threshold: 0.95, constraintMet: true });
    expect(ev.eventConfusion.counts.map((row) => row[2])).toEqual([2, 1, 1, 0]);
  });

  it('a firing on a negative word counts as a false accept on it', () => {
    const s = reference();
    const withNeg = {
      ...s,
      posteriors: makePosteriors(REFERENCE.frames, [...REFERENCE.bumps, { from: 1420, to: 1425, label: 'no', p: 0.9 }]),
    };
    // 'no' at frame 1420 = 28.4 s, inside bed's [27.9, 29.5] s.
    const r = evaluateStreams([withNeg], LABELS, { smoothingFrames: 1, thresholds: [0.5] }).perThreshold[0]!;
    expect(r).toMatchObject({ falseAccepts: 2, falseAcceptsOnNegatives: 1, faPerHour: 200 });
  });

  it('sums over streams and hours', () => {
    const ev = evaluateStreams([reference(), { ...reference(), id: 'copy.wav' }], LABELS, {
      smoothingFrames: 1,
      thresholds: [0.5],
    });
    expect(ev.totals).toMatchObject({ streams: 2, durationSec: 72, keywordEvents: 6 });
    expect(ev.perThreshold[0]).toMatchObject({ hits: 2, falseAccepts: 2, faPerHour: 100, frr: 2 / 3 });
  });

  it('drill-down: matchAtThreshold names the detections', () => {
    const p = prepareEventEvaluation([reference()], LABELS, { smoothingFrames: 1 });
    const [m] = matchAtThreshold(p, 0.5);
    expect(m!.background).toEqual([{ frame: 1500, timeMs: 30000, label: 'no' }]);
  });
});

describe('threshold sweep', () => {
  /**
   * Two 120 s streams with isolated single-peaked bumps (triangles 15 frames wide, one per
   * 2 s, far more than the 500 ms refractory period apart) of random height and keyword;
   * every other bump position carries a keyword event of a random label, so bumps are hits,
   * misclassifications and background false accepts. Each bump then fires at θ exactly when
   * its smoothed peak ≥ θ, so FA/h can only fall and FRR only rise as θ grows.
   */
  function isolatedBumps(seed: string): StreamPosteriors {
    const rng = Prng.derive('eval-test', seed);
    const frames = 6000;
    const bumps: Bump[] = [];
    const events = [];
    for (let slot = 0; slot < 60; slot++) {
      const from = slot * 100 + 50;
      const h = rng.uniform(0.05, 1);
      const label = rng.pick(['yes', 'no']);
      bumps.push({ from, to: from + 15, label, p: (i) => h * (1 - Math.abs(i - 7) / 8) });
      if (slot % 2 === 0) events.push(kw(rng.pick(['yes', 'no']), (from - 30) * 0.02, (from - 5) * 0.02));
      else if (slot % 3 === 0) events.push(neg('bed', (from - 30) * 0.02, (from - 5) * 0.02));
    }
    return { id: seed, durationSec: 120, posteriors: makePosteriors(frames, bumps), events };
  }

  it('FA/h is non-increasing and FRR non-decreasing with the threshold (isolated peaks)', () => {
    const ev = evaluateStreams([isolatedBumps('a'), isolatedBumps('b')], LABELS, { smoothingFrames: 3 });
    const det = ev.det;
    expect(det).toHaveLength(95);
    // Collect violations and compare once: a failure lists every offending step.
    const violations = det.slice(1).flatMap((d, i) => {
      const prev = det[i]!;
      const v: string[] = [];
      if (!(d.threshold > prev.threshold)) v.push(`θ ${d.threshold} after ${prev.threshold}`);
      if (d.faPerHour > prev.faPerHour) v.push(`FA/h rises ${prev.faPerHour} → ${d.faPerHour} at θ ${d.threshold}`);
      if (d.frr < prev.frr) v.push(`FRR falls ${prev.frr} → ${d.frr} at θ ${d.threshold}`);
      return v;
    });
    expect(violations).toEqual([]);
    // Not vacuous: the sweep spans a real trade-off.
    expect(det[0]!.faPerHour).toBeGreaterThan(30);
    expect(det[94]!.faPerHour).toBe(0);
    expect(det[0]!.frr).toBeLessThan(det[94]!.frr);
    // Every threshold accounts for every keyword event exactly once.
    expect(
      ev.perThreshold.filter((r) => r.hits + r.misclassifications + r.falseRejects !== ev.totals.keywordEvents),
    ).toEqual([]);
  });

  it('is not monotone in general: a posterior dipping between two thresholds fires twice at the higher one', () => {
    // 'yes' in background: 0.8 on frames 100–139, 0.5 on 140–169, 0.8 on 170–209. At θ = 0.4
    // one excursion → 1 firing; at θ = 0.6 two excursions 70 frames (> 25) apart → 2 firings.
    const p = makePosteriors(600, [
      { from: 100, to: 140, label: 'yes', p: 0.8 },
      { from: 140, to: 170, label: 'yes', p: 0.5 },
      { from: 170, to: 210, label: 'yes', p: 0.8 },
    ]);
    const ev = evaluateStreams([{ id: 'dip', durationSec: 12, posteriors: p, events: [] }], LABELS, {
      smoothingFrames: 1,
      thresholds: [0.4, 0.6],
    });
    expect(ev.perThreshold.map((r) => r.falseAccepts)).toEqual([1, 2]);
  });
});

describe('input validation', () => {
  const bad =
    (streams: StreamPosteriors[], labels: readonly string[] = LABELS, options = {}) =>
    () =>
      evaluateStreams(streams, labels, options);

  it('names the stream and event at fault', () => {
    const s = reference();
    expect(bad([{ ...s, events: [kw('up', 1, 2)] }])).toThrow(
      'stream "reference.wav": events[0]: keyword "up" is not one of the evaluated keywords (yes, no)',
    );
    expect(bad([{ ...s, events: [kw('yes', 2, 1)] }])).toThrow(/events\[0\]: expected 0 ≤ onsetSec < offsetSec/);
    expect(bad([{ ...s, events: [kw('yes', 35, 37)] }])).toThrow(/after the end of the stream \(36 s\)/);
    expect(bad([{ ...s, durationSec: 0 }])).toThrow(/durationSec must be a positive number/);
    expect(bad([{ ...s, posteriors: new Float32Array(7) }])).toThrow(
      /reference\.wav.*not a whole number of frames of 4 classes/,
    );
    const nan = makePosteriors(10, []);
    nan[9] = Number.NaN;
    expect(bad([{ ...s, posteriors: nan }])).toThrow(/frame 2, class 1 is NaN/);
  });

  it('checks labels, keywords and options', () => {
    const s = reference();
    expect(bad([])).toThrow(/no streams/);
    expect(bad([s], ['_silence_', '_unknown_'])).toThrow(/no keyword among the labels/);
    expect(bad([s], ['a', 'a'])).toThrow(/"a" appears twice/);
    expect(bad([s], LABELS, { keywords: ['maybe'] })).toThrow(/keyword "maybe" is not one of the model's labels/);
    expect(bad([s], LABELS, { smoothingFrames: -1 })).toThrow(StageInputError);
    expect(bad([s], LABELS, { smoothingFrames: -1 })).toThrow(/options\.smoothingFrames/);
    // Explicit keywords restrict the evaluation: 'no' events are then unknown keywords.
    expect(bad([s], LABELS, { keywords: ['yes'] })).toThrow(
      /keyword "no" is not one of the evaluated keywords \(yes\)/,
    );
  });
});
