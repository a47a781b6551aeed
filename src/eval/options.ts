import { z } from 'zod';
import { StageInputError } from '../errors';
import { formatIssues, formatPath } from '../spec/format-issues';
import { thresholdsSchema } from './threshold-range';

/**
 * Options of the event-based evaluation (docs/methods.md#event-based-evaluation; thesis §3.2.2 "Custom event metric",
 * §3.3.4 "Evaluation"). They come from a pipeline's YAML, so the schema is strict, every
 * key has a default. The one transform, a threshold range expanding to its list, keeps the
 * input side representable, so the editor JSON Schema still comes from it.
 *
 * Time conventions used by the whole `eval` module:
 * - Frame i's posterior is available at `frameOffsetMs + i·frameStrideMs` ms from the start
 *   of the stream. That instant is the detection time of a firing at frame i. If the first
 *   posterior is computed on audio [0, window), the device only has it at the end of that
 *   window: set `frameOffsetMs` to the window length (e.g. 1000 for a 1 s model input).
 * - Ground-truth onsets/offsets are in seconds (the synth-kws `streams/index.json` format).
 */

/** 0.05, 0.06, …, 0.99: a fine sweep, so the DET curve and the operating point are not coarse. */
export const DEFAULT_THRESHOLDS: readonly number[] = Array.from({ length: 95 }, (_, i) => (i + 5) / 100);

/** Labels that are not keywords in the 12-class Speech Commands setup (docs/methods.md#event-based-evaluation). */
export const DEFAULT_NON_KEYWORD_LABELS: readonly string[] = ['_silence_', '_unknown_'];

/**
 * Early tolerance when neither `earlyMs` nor `earlyFrames` is set. The thesis' gesture
 * setup accepts 10 frames early at 20 Hz (0.5 s, Fig. 3.3b). For speech on a causal device a
 * detection cannot precede the word except by annotation error, and a long early window
 * would credit a keyword with a firing caused by the word just before it, so KWS uses 100 ms.
 */
export const DEFAULT_EARLY_MS = 100;

/**
 * Late tolerance default: the thesis' 20 frames at 20 Hz = 1 s (Fig. 3.3b), which also
 * covers a 1 s model input that is still "hearing" the word up to 1 s after it ended.
 */
export const DEFAULT_LATE_MS = 1000;

/** Names of the extra rows/columns of the generalized event confusion matrix (appendix 3.A). */
export const REJECTED_LABEL = '_rejected_';
export const BACKGROUND_LABEL = '_background_';
export const NEGATIVE_EVENT_LABEL = '_unknown_';

const ms = (max: number) => z.number().min(0).max(max);
const frames = (max: number) => z.number().int().min(0).max(max);

export const eventEvalOptionsSchema = z
  .strictObject({
    /** Time between two posteriors (the front end's hop; 20 ms in docs/methods.md#event-based-evaluation). */
    frameStrideMs: z
      .number()
      .positive()
      .max(10_000)
      .default(20)
      .describe("Time between two posteriors (the front end's hop; 20 ms in docs/methods.md#event-based-evaluation)."),
    /** Time at which frame 0's posterior is available (see the module comment). */
    frameOffsetMs: z
      .number()
      .min(-3_600_000)
      .max(3_600_000)
      .default(0)
      .describe(
        "Time (ms) in the stream at which frame 0's posterior is available; the evaluate stage sets it from the front end.",
      ),
    /** Causal moving-average window in frames; 1 = no smoothing. */
    smoothingFrames: z
      .number()
      .int()
      .min(1)
      .max(250)
      .default(5)
      .describe('Causal moving-average window in frames; 1 = no smoothing.'),
    /**
     * After a detection no keyword may fire for this long (one utterance, one action).
     * 500 ms stays below the shortest keyword-to-keyword spacing of the synth-kws streams
     * (≥ 500 ms gap plus the next word), so it never hides the next real keyword there.
     */
    refractoryMs: ms(60_000)
      .default(500)
      .describe(
        'After a detection no keyword may fire for this long (one utterance, one action). 500 ms stays below the shortest keyword-to-keyword spacing of the synth-kws streams (≥ 500 ms gap plus the next word), so it never hides the next real keyword there.',
      ),
    /** How long before an event's onset a detection still counts (default DEFAULT_EARLY_MS). Exclusive with earlyFrames. */
    earlyMs: ms(60_000)
      .optional()
      .describe(
        "How long before an event's onset a detection still counts (ms; default 100). Exclusive with earlyFrames.",
      ),
    /** The same tolerance in frames (thesis §3.3.4 counts it in frames). Exclusive with earlyMs. */
    earlyFrames: frames(100_000)
      .optional()
      .describe('The same tolerance in frames (thesis §3.3.4 counts it in frames). Exclusive with earlyMs.'),
    /** How long after an event's offset a detection still counts (default DEFAULT_LATE_MS). Exclusive with lateFrames. */
    lateMs: ms(60_000)
      .optional()
      .describe(
        "How long after an event's offset a detection still counts (ms; default 1000). Exclusive with lateFrames.",
      ),
    /** The same tolerance in frames. Exclusive with lateMs. */
    lateFrames: frames(100_000).optional().describe('The same tolerance in frames. Exclusive with lateMs.'),
    /** Detection thresholds to sweep, strictly increasing, in (0, 1]: a list or a range (threshold-range.ts). */
    thresholds: thresholdsSchema(z.array(z.number().gt(0).max(1)).min(1).max(10_000))
      .prefault(() => [...DEFAULT_THRESHOLDS])
      .meta({ description: 'Thresholds to sweep, strictly increasing: a list, or {from, to, step, then: [...]}.' }),
    /** Operating point rule: lowest FRR among thresholds with at most this many false accepts per hour. */
    targetFaPerHour: z
      .number()
      .min(0)
      .default(1)
      .describe('Operating point rule: lowest FRR among thresholds with at most this many false accepts per hour.'),
    /** The labels that are keywords; when set, `nonKeywordLabels` is ignored. */
    keywords: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('The labels that are keywords; when set, `nonKeywordLabels` is ignored.'),
    /** Labels that are not keywords when `keywords` is not set: every other label is a keyword. */
    nonKeywordLabels: z
      .array(z.string().min(1))
      .default(() => [...DEFAULT_NON_KEYWORD_LABELS])
      .describe('Labels that are not keywords when `keywords` is not set: every other label is a keyword.'),
  })
  .superRefine((o, ctx) => {
    if (o.earlyMs !== undefined && o.earlyFrames !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['earlyFrames'], message: 'set either earlyMs or earlyFrames, not both' });
    }
    if (o.lateMs !== undefined && o.lateFrames !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['lateFrames'], message: 'set either lateMs or lateFrames, not both' });
    }
    o.thresholds.forEach((t, i) => {
      const prev = o.thresholds[i - 1];
      if (prev !== undefined && t <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds', i],
          message: `thresholds must be strictly increasing (${t} after ${prev})`,
        });
      }
    });
    o.keywords?.forEach((k, i) => {
      if (o.keywords?.indexOf(k) !== i)
        ctx.addIssue({ code: 'custom', path: ['keywords', i], message: `duplicate keyword "${k}"` });
      if (k === REJECTED_LABEL || k === BACKGROUND_LABEL || k === NEGATIVE_EVENT_LABEL) {
        ctx.addIssue({
          code: 'custom',
          path: ['keywords', i],
          message: `"${k}" is reserved for the event confusion matrix`,
        });
      }
    });
  });

/** What a YAML author writes (every key optional). */
export type EventEvalOptionsInput = z.input<typeof eventEvalOptionsSchema>;
/** Validated options with defaults filled in. */
export type EventEvalOptions = z.output<typeof eventEvalOptionsSchema>;

/** Validates options, throwing a StageInputError that lists every problem as `options.path: message`. */
export function parseEventEvalOptions(input: unknown): EventEvalOptions {
  const r = eventEvalOptionsSchema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const problems = formatIssues(r.error.issues, eventEvalOptionsSchema, input).map(
    (p) => `${formatPath(['options', ...p.path])}: ${p.message}`,
  );
  throw new StageInputError(`invalid event evaluation options:\n${problems.join('\n')}`);
}

/** Every time quantity of the options in one unit (ms), frame tolerances converted with the stride. */
export interface EventTiming {
  readonly strideMs: number;
  readonly offsetMs: number;
  readonly earlyMs: number;
  readonly lateMs: number;
  /** Frames after a detection during which nothing may fire (see refractoryFrames). */
  readonly refractoryFrames: number;
}

export function resolveTiming(o: EventEvalOptions): EventTiming {
  const strideMs = o.frameStrideMs;
  return {
    strideMs,
    offsetMs: o.frameOffsetMs,
    earlyMs: o.earlyFrames !== undefined ? o.earlyFrames * strideMs : (o.earlyMs ?? DEFAULT_EARLY_MS),
    lateMs: o.lateFrames !== undefined ? o.lateFrames * strideMs : (o.lateMs ?? DEFAULT_LATE_MS),
    refractoryFrames: refractoryFrames(o.refractoryMs, strideMs),
  };
}

/**
 * A detection at frame t suppresses frames t+1 … t+n−1, where frame t+n is the first at
 * least `refractoryMs` later: n = ⌈refractoryMs / strideMs⌉ (0 ms → 0 = no suppression).
 * The small slack keeps 500 / 20 at 25 despite binary rounding of non-integer strides.
 */
export function refractoryFrames(refractoryMs: number, strideMs: number): number {
  return Math.max(0, Math.ceil(refractoryMs / strideMs - 1e-9));
}
