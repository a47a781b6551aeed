import { z } from 'zod';

/**
 * The pipeline's `promotion:` block: champion / challenger (issue #15). A completed run is a
 * challenger; it becomes the pipeline's champion when every rule holds against the current
 * champion's metrics (the first completed run has no champion and is promoted).
 *
 *   promotion:
 *     model: quantize                                  # the stage whose artifacts are the model
 *     rules:
 *       - {metric: evaluate.accuracy, better: higher, by: 0.005}   # must improve by ≥ 0.5 points
 *       - {metric: evaluate.eventFrr, better: lower}               # must not rise
 *       - {metric: deploy.bitExact, equals: true}                  # must run bit-exact on the board
 *
 * `better` + `by`: challenger − champion ≥ by (higher) or champion − challenger ≥ by (lower);
 * `by` defaults to 0 (ties pass), a negative `by` tolerates that much regression. `equals`:
 * the challenger's value alone. A run that failed (e.g. the model does not fit the board, a
 * deploy failure) is never promoted.
 */
const metricRef = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*\.[A-Za-z0-9_.-]+$/, 'expected "<stage>.<metric>", e.g. evaluate.accuracy');

export const promotionRuleSchema = z.union([
  z.strictObject({
    metric: metricRef,
    better: z.enum(['higher', 'lower']),
    by: z.number().default(0),
  }),
  z.strictObject({
    metric: metricRef,
    equals: z.union([z.number(), z.boolean(), z.string()]),
  }),
]);
export type PromotionRule = z.output<typeof promotionRuleSchema>;

export const promotionSchema = z.strictObject({
  model: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a stage name'),
  rules: z.array(promotionRuleSchema).min(1),
});
export type Promotion = z.output<typeof promotionSchema>;
