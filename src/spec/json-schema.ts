/**
 * The editor JSON Schema for pipeline files (docs/architecture.md#pipeline-files), generated from the same zod
 * schemas that validate them (zod's `z.toJSONSchema`). Each stage is a `oneOf`
 * branch keyed by a `kind` const, so an editor that knows the kind completes its `with:`.
 */
import { z } from 'zod';
import type { AnyStageModule } from '../stage/stage-module';
import { pipelineSchema } from './pipeline-schema';

/**
 * JSON Schema (draft-07, which yaml-language-server and VS Code support best) of the
 * input side: keys with defaults are optional, as they are for the user.
 */
export function pipelineJsonSchema(modules: readonly AnyStageModule[]): object {
  return z.toJSONSchema(pipelineSchema(modules), {
    target: 'draft-07',
    io: 'input',
    // A module schema with a transform must not break the build: that field accepts anything.
    unrepresentable: 'any',
  });
}

/** The file pipelines/tinyops.schema.json holds: keys sorted, 2-space indent, final newline. */
export function renderPipelineJsonSchema(modules: readonly AnyStageModule[]): string {
  return `${JSON.stringify(sortKeys(pipelineJsonSchema(modules)), null, 2)}\n`;
}

/** Sorted keys make the file independent of zod's emission order, so diffs show real changes. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
