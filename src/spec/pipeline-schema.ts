/**
 * The pipeline file's shape as zod schemas (docs/architecture.md#pipeline-files). One schema serves validation,
 * the resolved defaults and the editor JSON Schema (json-schema.ts), so they cannot drift.
 * Cross-references (`needs:` names, `board`) are checked in check-references.ts: zod
 * validates shapes, not what the names point at.
 */
import { z } from 'zod';
import { promotionSchema, type Promotion } from '../promotion/promotion-config';
import type { AnyStageModule } from '../stage/stage-module';
import { describeValue } from './describe';

/** Pipeline and stage names: they end up in workflow ids, file names and C identifiers. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

const nameSchema = z.string().regex(NAME_PATTERN, {
  error: (iss) =>
    `expected a name of lowercase letters, digits, "-" and "_" that starts with a letter, got ${describeValue(iss.input)}`,
});

/** Five space-separated fields, or a macro such as `@daily` (what Temporal schedules accept). */
function looksLikeCron(s: string): boolean {
  return /^@\w+/.test(s.trim()) || s.trim().split(/\s+/).length === 5;
}

/** `90s`, `30m`, `6h`, `1d`: an interval Temporal schedules accept. */
export const DURATION_PATTERN = /^[1-9]\d*(s|m|h|d)$/;

const scheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .refine(looksLikeCron, {
        error: (iss) =>
          `expected a cron expression with 5 fields "minute hour day-of-month month day-of-week", got ${describeValue(iss.input)}`,
      })
      .optional()
      .meta({ description: 'When to run, as cron (UTC), e.g. "0 3 * * 1" = Mondays 03:00.' }),
    every: z
      .string()
      .regex(DURATION_PATTERN, {
        error: (iss) => `expected an interval like "30m", "6h" or "1d", got ${describeValue(iss.input)}`,
      })
      .optional()
      .meta({ description: 'Run at a fixed interval instead: "30m", "6h", "1d".' }),
  })
  .refine((s) => (s.cron === undefined) !== (s.every === undefined), {
    error: 'expected exactly one of "cron" and "every"',
  });

/** One `stages.<name>` entry for a registered kind; `with` defaults to `{}` so its defaults apply. */
export function stageSchema(module: AnyStageModule) {
  return z
    .strictObject({
      kind: z.literal(module.kind),
      needs: z
        .array(z.string())
        .optional()
        .meta({ description: 'Stages whose outputs this stage reads; they run first.' }),
      queue: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a task queue name (letters, digits, ".", "_", "-")')
        .optional()
        .meta({
          description:
            "Temporal task queue of this stage's work (default by kind: cpu, train or arm); served by `tinyops worker --queue`.",
        }),
      with: module.configSchema.prefault({}).meta({ description: `Options of the ${module.kind} stage.` }),
    })
    .meta({ title: module.kind, description: module.description });
}

/** What a valid pipeline file parses to (before `needs` are checked and stages ordered). */
export interface PipelineDocument {
  name: string;
  seed: number;
  board?: string;
  stages: Record<string, { kind: string; needs?: string[]; queue?: string; with: unknown }>;
  schedule?: { cron?: string; every?: string };
  promotion?: Promotion;
}

/**
 * The whole file, with the stage kinds of `modules` (the registry). A `kind` that is not
 * registered fails the discriminated union, which format-issues.ts turns into
 * `unknown stage kind "x", did you mean "y"?`.
 */
export function pipelineSchema(modules: readonly AnyStageModule[]): z.ZodType<PipelineDocument> {
  const stages = modules.map(stageSchema);
  // discriminatedUnion wants a non-empty tuple; an empty registry (only in tests and
  // bring-up) still builds a union that rejects every kind with the same message.
  const stage = z.discriminatedUnion('kind', stages as unknown as [ReturnType<typeof stageSchema>]);
  return z
    .strictObject({
      name: nameSchema.meta({
        description: 'Pipeline name: lowercase letters, digits, "-" and "_"; starts with a letter.',
      }),
      seed: z.int().min(0).default(0).meta({ description: 'Seed of every random choice in every stage.' }),
      board: z.string().optional().meta({ description: 'Target board from the board registry, e.g. stm32f746zg.' }),
      stages: z
        .record(nameSchema, stage)
        .refine((s) => Object.keys(s).length > 0, { error: 'expected at least one stage, got an empty map' })
        .meta({ description: 'Stages by name; `needs:` orders them.' }),
      schedule: scheduleSchema.optional().meta({ description: 'What `tinyops schedule create` uses.' }),
      promotion: promotionSchema.optional().meta({
        description:
          "Champion / challenger: when a completed run becomes the pipeline's champion model (src/promotion/promotion-config.ts).",
      }),
    })
    .meta({ title: 'tinyops pipeline' });
}
