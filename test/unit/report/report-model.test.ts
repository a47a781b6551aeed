import {
  boardSchema,
  confusionSchema,
  eventEvaluationSchema,
  evaluationSchema,
  historySchema,
  type ReportEventEvaluation,
} from '../../../src/report/report-model';
import { eventFixture } from './report-fixtures';

describe('report model schemas (the contract for upstream JSON artifacts)', () => {
  it('accept what src/eval produces, after a JSON round trip, and the types line up', () => {
    const { events, latenciesMs } = eventFixture();
    // Compile-time: an EventEvaluation is a ReportEventEvaluation as it is.
    const asReport: ReportEventEvaluation = events;
    const json = JSON.parse(JSON.stringify({ accuracy: 0.9, events: asReport, latenciesMs }));
    const parsed = evaluationSchema.parse(json);
    expect(parsed.events?.operatingPoint.threshold).toBe(events.operatingPoint.threshold);
    expect(parsed.events?.det).toHaveLength(events.det.length);
    expect(eventEvaluationSchema.safeParse(json.events).success).toBe(true);
  });

  it('rejects a confusion matrix that is not labels × labels', () => {
    expect(confusionSchema.safeParse({ labels: ['a', 'b'], counts: [[1, 2]] }).success).toBe(false);
    expect(confusionSchema.safeParse({ labels: ['a', 'b'], counts: [[1, 2], [3]] }).success).toBe(false);
    expect(confusionSchema.safeParse({ labels: ['a'], counts: [[-1]] }).success).toBe(false);
    expect(confusionSchema.safeParse({ labels: ['a'], counts: [[4]] }).success).toBe(true);
  });

  it('history needs at least one epoch; nulls (NaN in JSON) are allowed', () => {
    expect(historySchema.safeParse({ epochs: [] }).success).toBe(false);
    expect(
      historySchema.parse({ epochs: [{ epoch: 1, loss: null, valAccuracy: 0.5 }], bestEpoch: 1 }).epochs[0]!.loss,
    ).toBeNull();
  });

  it('board: known fields typed, unknown fields kept for the table', () => {
    const b = boardSchema.parse({ board: 'x', flashBytes: 10, cycles: 1234, bitExact: true });
    expect(b).toEqual({ board: 'x', flashBytes: 10, cycles: 1234, bitExact: true });
    expect(boardSchema.safeParse({ flashBytes: -1 }).success).toBe(false);
  });

  it('evaluation: every part optional, unknown keys dropped', () => {
    expect(evaluationSchema.parse({ accuracy: 0.5, extra: 1 })).toEqual({ accuracy: 0.5 });
    expect(evaluationSchema.safeParse({ accuracy: 1.5 }).success).toBe(false);
  });
});
