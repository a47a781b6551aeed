import { StageInputError } from '../errors';
import type { ArtifactRef } from '../store/artifact-store';
import type { StageOutputs } from './stage-module';

/**
 * How a stage finds the artifacts of the stages in its `needs:` (the input wiring).
 *
 * A stage asks for an input by artifact name ("model", "dataset"). When two stages in
 * `needs:` make an artifact of that name (e.g. `train` and `train-4bit` both make `model`),
 * taking "the first one" would make the result depend on the order of `needs:`, which the
 * input digests alone do not capture. So:
 *  - `findInput` / `requireUpstream` (stages that read one producer) refuse the ambiguity with
 *    a located error instead of silently picking one;
 *  - stages that read every producer (the report) may take the first in `needs:` order, and
 *    the cache key records which producer each artifact name resolves to (`inputWiring`,
 *    src/cache/cache-key.ts), so swapping `needs:` entries cannot reuse a stale result.
 */

/** Outputs of one upstream stage, as far as wiring cares. */
export interface UpstreamArtifacts {
  readonly artifacts: ReadonlyArray<{ readonly name: string }>;
}

/** The part of a stage context the lookups read: inputs keyed by stage name, in `needs:` order. */
export interface InputsContext {
  readonly stageName: string;
  readonly inputs: Readonly<Record<string, { readonly artifacts: readonly ArtifactRef[] }>>;
}

/**
 * For every artifact name among the inputs, the stages that make it, in the order given
 * (`needs:` order). Pure; used by both the lookups below and the cache key.
 */
export function producersByArtifact(
  inputs: ReadonlyArray<{ readonly stage: string } & UpstreamArtifacts>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { stage, artifacts } of inputs) {
    for (const a of artifacts) {
      const list = out.get(a.name);
      if (list === undefined) out.set(a.name, [stage]);
      else if (!list.includes(stage)) list.push(stage);
    }
  }
  return out;
}

/**
 * Which producer each artifact name resolves to when a reader takes the first in `needs:`
 * order: `{ model: "train", history: "train", ... }`. Part of the cache key.
 */
export function inputWiring(
  inputs: ReadonlyArray<{ readonly stage: string } & UpstreamArtifacts>,
): Record<string, string> {
  return Object.fromEntries([...producersByArtifact(inputs)].map(([name, stages]) => [name, stages[0]!]));
}

export interface FindInputOptions {
  /** Stages in `needs:` that are not candidates (e.g. datasets named for measurement only). */
  readonly exclude?: readonly string[];
}

/**
 * The upstream artifact `name`, or undefined when no stage in `needs:` made one. Throws a
 * StageInputError when several did: the stage cannot know which one the user meant.
 */
export function findInput(ctx: InputsContext, name: string, options: FindInputOptions = {}): ArtifactRef | undefined {
  const found: Array<{ stage: string; ref: ArtifactRef }> = [];
  for (const [stage, out] of Object.entries(ctx.inputs)) {
    if (options.exclude?.includes(stage)) continue;
    const ref = out.artifacts.find((x) => x.name === name);
    if (ref) found.push({ stage, ref });
  }
  if (found.length > 1) {
    throw new StageInputError(
      `stages.${ctx.stageName}.needs: ${found.length} stages make a "${name}" artifact (${found.map((f) => f.stage).join(', ')}); ` +
        `this stage reads one, so keep only the one it should use in needs:`,
    );
  }
  return found[0]?.ref;
}

/** The upstream artifact `name`, or a StageInputError saying which kind of stage must be in `needs:`. */
export function requireUpstream(
  ctx: InputsContext,
  name: string,
  producer: string,
  options: FindInputOptions = {},
): ArtifactRef {
  const a = findInput(ctx, name, options);
  if (!a) {
    const stages = Object.keys(ctx.inputs).filter((s) => !options.exclude?.includes(s));
    throw new StageInputError(
      `stages.${ctx.stageName}: needs a ${producer} stage (no "${name}" artifact among ${stages.join(', ') || 'no inputs'})`,
    );
  }
  return a;
}

/**
 * The view of its inputs a stage with declared `reads` (StageModule.reads) gets: every stage in
 * `needs:` keeps its entry (in the same order, so error messages and `inputWiring` are as
 * before), holding only the artifacts whose name is in `reads`. Upstream metrics are dropped:
 * they are not part of any cache key, so a stage whose key covers only some artifacts must
 * not read numbers that may come from the others (the features' test split counts, say).
 * Without `reads` the inputs are returned unchanged.
 *
 * Both the cache key (activities/bookkeeping.ts) and the StageContext (activities/execute-stage.ts)
 * are made from this one view, so a stage cannot read an artifact its key does not cover.
 */
export function readableInputs(
  inputs: Readonly<Record<string, StageOutputs>>,
  reads: readonly string[] | undefined,
): Record<string, StageOutputs> {
  if (reads === undefined) return { ...inputs };
  const wanted = new Set(reads);
  return Object.fromEntries(
    Object.entries(inputs).map(([stage, out]) => [
      stage,
      { artifacts: out.artifacts.filter((a) => wanted.has(a.name)), metrics: {} },
    ]),
  );
}
