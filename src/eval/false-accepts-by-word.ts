import type { StreamMatch } from './event-metrics';

/**
 * Which negative words set the false-accept budget (issue #10; the diagnosis in
 * docs/results/2026-12-04-stream-frr-diagnosis.md). FA/h depends on how many confusable
 * words an hour of stream holds — the synth-kws streams hold ~600 negatives per hour, all of
 * them Speech Commands auxiliary words or near-rhymes of keywords — so the number that carries
 * over to other audio is the rate per spoken negative word, and the lever is the few words
 * that fire most (in the default run "yet" → "yes" and "goal" → "go" were every false accept
 * at θ ≥ 0.99). This table names them; hard negatives for training can be mined from it on
 * the tuning streams (training voices), never on the scored ones.
 */

export interface NegativeWordFalseAccepts {
  /** The negative word spoken. */
  readonly word: string;
  /** How many times it was spoken in the streams. */
  readonly events: number;
  /** How many of those got a keyword firing (thesis appendix 3.A: a false accept on a negative). */
  readonly falseAccepts: number;
  /** falseAccepts / events. */
  readonly rate: number;
  /** Keyword that fired → count, keys in label order of first appearance. */
  readonly firedAs: Readonly<Record<string, number>>;
}

export interface FalseAcceptsByWord {
  /** All negative words spoken, sorted by falseAccepts (desc), then rate (desc), then word. */
  readonly words: readonly NegativeWordFalseAccepts[];
  readonly negativeEvents: number;
  readonly falseAcceptsOnNegatives: number;
  /** falseAcceptsOnNegatives / negativeEvents (0 without negatives): the portable FA rate. */
  readonly perNegativeWord: number;
}

/** The per-word table of one threshold's matches (threshold-sweep.ts matchAtThreshold). */
export function falseAcceptsByWord(matches: readonly StreamMatch[]): FalseAcceptsByWord {
  const rows = new Map<string, { events: number; falseAccepts: number; firedAs: Map<string, number> }>();
  let negativeEvents = 0;
  let falseAccepts = 0;
  for (const m of matches) {
    for (const o of m.negative) {
      negativeEvents++;
      let r = rows.get(o.event.label);
      if (r === undefined) {
        r = { events: 0, falseAccepts: 0, firedAs: new Map() };
        rows.set(o.event.label, r);
      }
      r.events++;
      if (o.type === 'false-accept') {
        falseAccepts++;
        r.falseAccepts++;
        r.firedAs.set(o.detection.label, (r.firedAs.get(o.detection.label) ?? 0) + 1);
      }
    }
  }
  const words = [...rows.entries()]
    .map(([word, r]) => ({
      word,
      events: r.events,
      falseAccepts: r.falseAccepts,
      rate: r.falseAccepts / r.events,
      firedAs: Object.fromEntries(r.firedAs),
    }))
    .sort(
      (a, b) => b.falseAccepts - a.falseAccepts || b.rate - a.rate || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0),
    );
  return {
    words,
    negativeEvents,
    falseAcceptsOnNegatives: falseAccepts,
    perNegativeWord: negativeEvents > 0 ? falseAccepts / negativeEvents : 0,
  };
}
