import { createHash } from 'node:crypto';
import { isSha256Hex } from '../store/artifact-store';
import { inputWiring, readableInputs } from '../stage/inputs';
import type { StageOutputs } from '../stage/stage-module';
import { canonicalJson, compareCodePoints, toCanonicalValue, type JsonValue } from './canonical-json';

/**
 * Stage cache keys (docs/architecture.md#cache-key):
 *
 *   key = hex sha256( canonicalJson({
 *           format: CACHE_KEY_FORMAT,
 *           stage,                     // the stage's own name: its random streams derive from (seed, name)
 *           kind,                      // stage kind, e.g. "train"
 *           version,                   // the stage module's implementation version
 *           config,                    // resolved `with:` (defaults applied)
 *           inputs: [                  // sorted by stage name; every stage in `needs:`
 *             { stage, artifacts: [ { name, sha256 }, ... ] },   // sorted by artifact name;
 *           ],                         //   only the names in the module's `reads`, if it has one
 *           inputWiring: { <artifact name>: <stage> },   // first producer in `needs:` order
 *           seed,                      // pipeline seed
 *           tools,                     // external tool versions/flags, {} if none
 *         }) )
 *
 * Inputs enter by digest only, never by URI: the same bytes in a local directory or a
 * bucket give the same key, and re-uploading identical data changes nothing. `format` lets a
 * future change of this formula invalidate every old key at once instead of colliding with them.
 *
 * Format 3 added `inputWiring` (src/stage/inputs.ts): a stage that reads "the `model`" of its
 * inputs takes the first producer in `needs:` order when several make one (the report, which
 * needs both `train` and `train-4bit`). Format 2 sorted inputs and so ignored that order:
 * swapping the two `needs:` entries changed the report under the same key. The order of
 * `needs:` matters only through the wiring: reordering stages that share no artifact name
 * keeps the key.
 *
 * A stage module that declares `reads` (src/stage/stage-module.ts) is keyed on only those
 * artifacts of its inputs, and `inputWiring` is taken over them too: the caller passes the
 * same filtered view (src/stage/inputs.ts readableInputs) that the stage's context gets, so
 * an artifact outside `reads` can change without changing the key, and the stage cannot read
 * it. This keeps format 3: the material still is exactly what the stage can see, so two equal
 * materials (one from a stage with `reads`, one from a key made before `reads` was declared
 * whose inputs had only those artifacts) describe the same view of the same bytes and the
 * same code version, and may share an entry. A stage without `reads` gets today's material,
 * byte for byte, so its cached results stay hits. (If a future change let `reads` depend on
 * the config, the config is in the material already.)
 *
 * Format 2 added `stage`: every stage draws its randomness from Prng.derive(seed, stage name,
 * …) (activities/stage-context.ts), so two stages that differ only in name produce different
 * bytes and must not share an entry (format 1 let a renamed copy of a seeded stage hit the
 * original's cache and report numbers its own seeds would not give).
 */

export const CACHE_KEY_FORMAT = 3;

export interface CacheKeyInput {
  /** The stage's own name (pipeline `stages:` key). */
  stage: string;
  kind: string;
  version: number;
  config: unknown;
  /**
   * The outputs of the stages in `needs:`, in `needs:` order (the order decides `inputWiring`);
   * for a stage with declared `reads`, only those artifacts (the caller filters).
   */
  inputs: ReadonlyArray<{ stage: string; artifacts: ReadonlyArray<{ name: string; sha256: string }> }>;
  seed: number;
  tools?: Readonly<Record<string, string>>;
}

/**
 * The normalized object whose canonical JSON is hashed; store it (e.g. in the run record)
 * to show exactly what a key was made of. Throws TypeError on malformed input, which is a
 * caller bug: duplicate stage or artifact names, a digest that is not hex sha256.
 */
export function cacheKeyMaterial(input: CacheKeyInput): JsonValue {
  if (typeof input.stage !== 'string' || input.stage === '')
    throw new TypeError('cache key: stage must be a non-empty string');
  if (typeof input.kind !== 'string' || input.kind === '')
    throw new TypeError('cache key: kind must be a non-empty string');
  if (!Number.isSafeInteger(input.version) || input.version < 0) {
    throw new TypeError(`cache key: version must be a non-negative integer, got ${input.version}`);
  }
  if (!Number.isSafeInteger(input.seed)) throw new TypeError(`cache key: seed must be an integer, got ${input.seed}`);
  const inputs = [...input.inputs]
    .sort((a, b) => compareCodePoints(a.stage, b.stage))
    .map(({ stage, artifacts }) => ({
      stage,
      artifacts: [...artifacts]
        .sort((a, b) => compareCodePoints(a.name, b.name))
        .map(({ name, sha256 }) => {
          if (!isSha256Hex(sha256))
            throw new TypeError(`cache key: input ${stage}.${name} has invalid sha256 "${sha256}"`);
          return { name, sha256 };
        }),
    }));
  assertUnique(
    inputs.map((i) => i.stage),
    'input stage',
  );
  for (const i of inputs)
    assertUnique(
      i.artifacts.map((a) => a.name),
      `artifact of input ${i.stage}`,
    );
  return toCanonicalValue({
    format: CACHE_KEY_FORMAT,
    stage: input.stage,
    kind: input.kind,
    version: input.version,
    config: input.config,
    inputs,
    inputWiring: inputWiring(input.inputs),
    seed: input.seed,
    tools: { ...(input.tools ?? {}) },
  });
}

/**
 * The `inputs` of a stage's CacheKeyInput: its `needs:` in order, each with the digests of the
 * artifacts the stage can read (all of them, or only the names in the module's `reads`:
 * src/stage/inputs.ts readableInputs, the same view its StageContext gets).
 */
export function cacheKeyInputs(
  needs: readonly string[],
  outputs: Readonly<Record<string, StageOutputs>>,
  reads: readonly string[] | undefined,
): CacheKeyInput['inputs'] {
  const visible = readableInputs(outputs, reads);
  return needs.map((stage) => ({
    stage,
    artifacts: (visible[stage]?.artifacts ?? []).map((a) => ({ name: a.name, sha256: a.sha256 })),
  }));
}

/** The stage's cache key: 64 lowercase hex characters. */
export function computeCacheKey(input: CacheKeyInput): string {
  return cacheKeyOf(cacheKeyMaterial(input));
}

/** The key of a material from cacheKeyMaterial (for callers that also store the material). */
export function cacheKeyOf(material: JsonValue): string {
  return createHash('sha256').update(canonicalJson(material), 'utf8').digest('hex');
}

function assertUnique(names: readonly string[], what: string): void {
  // `names` is sorted, so duplicates are neighbours.
  for (let i = 1; i < names.length; i++) {
    if (names[i] === names[i - 1]) throw new TypeError(`cache key: duplicate ${what} "${names[i]}"`);
  }
}
