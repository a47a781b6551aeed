import { z } from 'zod';
import { StageInputError } from '../../../src/errors';
import { eventEvalOptionsSchema, parseEventEvalOptions, refractoryFrames, resolveTiming } from '../../../src/eval';

describe('eventEvalOptionsSchema', () => {
  it('fills every default', () => {
    const o = eventEvalOptionsSchema.parse({});
    expect(o).toMatchObject({
      frameStrideMs: 20,
      frameOffsetMs: 0,
      smoothingFrames: 5,
      refractoryMs: 500,
      targetFaPerHour: 1,
      nonKeywordLabels: ['_silence_', '_unknown_'],
    });
    expect(o.thresholds).toHaveLength(95);
    expect(o.thresholds[0]).toBe(0.05);
    expect(o.thresholds[94]).toBe(0.99);
    expect(o.thresholds[45]).toBe(0.5);
    expect(o.keywords).toBeUndefined();
    // The default list is a fresh copy: mutating one parse result does not leak into the next.
    o.thresholds.push(2);
    expect(eventEvalOptionsSchema.parse({}).thresholds).toHaveLength(95);
  });

  it('resolves tolerances in ms from either unit, and the refractory period in frames', () => {
    expect(resolveTiming(eventEvalOptionsSchema.parse({}))).toEqual({
      strideMs: 20,
      offsetMs: 0,
      earlyMs: 100,
      lateMs: 1000,
      refractoryFrames: 25,
    });
    const f = resolveTiming(
      eventEvalOptionsSchema.parse({ frameStrideMs: 10, earlyFrames: 10, lateFrames: 20, refractoryMs: 105 }),
    );
    expect(f).toMatchObject({ earlyMs: 100, lateMs: 200, refractoryFrames: 11 });
    expect(resolveTiming(eventEvalOptionsSchema.parse({ earlyMs: 0, lateMs: 250 }))).toMatchObject({
      earlyMs: 0,
      lateMs: 250,
    });
  });

  it('refractoryFrames = ⌈ms / stride⌉', () => {
    expect(refractoryFrames(500, 20)).toBe(25);
    expect(refractoryFrames(510, 20)).toBe(26);
    expect(refractoryFrames(0, 20)).toBe(0);
    expect(refractoryFrames(2.1, 0.3)).toBe(7); // 2.1 / 0.3 = 7.000000000000001 in binary
  });

  it('rejects bad options with the path and a reason', () => {
    const problems = (input: unknown): string[] => {
      try {
        parseEventEvalOptions(input);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(StageInputError);
        return (e as Error).message.split('\n').slice(1);
      }
    };
    expect(problems({ smoothingFrame: 3 })).toEqual([
      expect.stringMatching(/^options: unknown key "smoothingFrame".*smoothingFrames/),
    ]);
    expect(problems({ earlyMs: 100, earlyFrames: 5 })).toEqual([
      'options.earlyFrames: set either earlyMs or earlyFrames, not both',
    ]);
    expect(problems({ lateMs: 100, lateFrames: 5 })).toEqual([
      'options.lateFrames: set either lateMs or lateFrames, not both',
    ]);
    expect(problems({ thresholds: [0.3, 0.2] })).toEqual([
      'options.thresholds.1: thresholds must be strictly increasing (0.2 after 0.3)',
    ]);
    expect(problems({ thresholds: [0, 0.5] })[0]).toMatch(/^options\.thresholds\.0:/);
    expect(problems({ thresholds: [] })[0]).toMatch(/^options\.thresholds:/);
    expect(problems({ smoothingFrames: 0 })[0]).toMatch(/^options\.smoothingFrames:/);
    expect(problems({ keywords: ['yes', 'yes'] })).toEqual(['options.keywords.1: duplicate keyword "yes"']);
    expect(problems({ keywords: ['_rejected_'] })).toEqual([
      'options.keywords.0: "_rejected_" is reserved for the event confusion matrix',
    ]);
    expect(problems({})).toEqual([]);
  });

  it('has an editor JSON Schema (input side: defaults shown, unknown keys rejected)', () => {
    const j = z.toJSONSchema(eventEvalOptionsSchema, { target: 'draft-07', io: 'input' }) as {
      additionalProperties?: boolean;
      properties: Record<string, { default?: unknown }>;
    };
    expect(j.additionalProperties).toBe(false);
    expect(j.properties['smoothingFrames']?.default).toBe(5);
    expect(j.properties['thresholds']?.default).toHaveLength(95);
  });
});
