import { StageInputError } from '../../../src/errors';
import { DEFAULT_THRESHOLDS, parseEventEvalOptions } from '../../../src/eval/options';
import { expandThresholdRange, thresholdRangeSchema } from '../../../src/eval/threshold-range';

/** The list pipelines/kws.yaml spelled out before it used a range (the evaluate cache key depends on it). */
const KWS_LIST_BEFORE_RANGES = [
  0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.2, 0.21, 0.22, 0.23, 0.24,
  0.25, 0.26, 0.27, 0.28, 0.29, 0.3, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39, 0.4, 0.41, 0.42, 0.43, 0.44,
  0.45, 0.46, 0.47, 0.48, 0.49, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6, 0.61, 0.62, 0.63, 0.64,
  0.65, 0.66, 0.67, 0.68, 0.69, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82, 0.83, 0.84,
  0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.992,
  0.994, 0.996, 0.998,
];

const range = (r: object) => expandThresholdRange(thresholdRangeSchema.parse(r));

describe('threshold ranges', () => {
  it('expand to exactly the doubles the written-out list parses to', () => {
    const out = range({
      from: 0.05,
      to: 0.96,
      step: 0.01,
      then: [0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.992, 0.994, 0.996, 0.998],
    });
    expect(out).toEqual(KWS_LIST_BEFORE_RANGES);
    // Bit-identical, not just close: JSON (the cache key's form) is the same text.
    expect(JSON.stringify(out)).toBe(JSON.stringify(KWS_LIST_BEFORE_RANGES));
    expect(range({ from: 0.05, to: 0.99, step: 0.01 })).toEqual([...DEFAULT_THRESHOLDS]);
    expect(range({ from: 0.001, to: 0.003, step: 0.001 })).toEqual([0.001, 0.002, 0.003]);
  });

  it('rejects a range that does not end on a step or runs backwards', () => {
    expect(range({ from: 0.1, to: 0.55, step: 0.1 })).toBe(
      'to (0.55) is not from (0.1) plus a whole number of steps (0.1)',
    );
    expect(range({ from: 0.5, to: 0.1, step: 0.1 })).toBe('to (0.1) must be ≥ from (0.5)');
  });

  it('are accepted where a list is, and resolve to the same options', () => {
    const asRange = parseEventEvalOptions({ thresholds: { from: 0.1, to: 0.3, step: 0.1, then: [0.35] } });
    const asList = parseEventEvalOptions({ thresholds: [0.1, 0.2, 0.3, 0.35] });
    expect(asRange).toEqual(asList);
    expect(parseEventEvalOptions({}).thresholds).toEqual([...DEFAULT_THRESHOLDS]);
  });

  it('report a bad range and a non-increasing tail as user errors with the path', () => {
    expect(() => parseEventEvalOptions({ thresholds: { from: 0.1, to: 0.25, step: 0.1 } })).toThrow(StageInputError);
    expect(() => parseEventEvalOptions({ thresholds: { from: 0.1, to: 0.3, step: 0.1, then: [0.2] } })).toThrow(
      /thresholds.*strictly increasing/,
    );
  });
});
