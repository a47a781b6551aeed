/**
 * zod issues → the messages a user reads (docs/architecture.md#pipeline-files). Issues are data; this module is
 * the only place that turns them into words (after zod's prettifyError).
 * It knows nothing about YAML: it yields a path and a message per problem, and
 * load-pipeline.ts puts a `file:line:col` in front.
 *
 * zod's stock English messages ("Invalid input: expected number, received string") are
 * replaced by ours ("expected an integer, got "thirty""); a message a schema author wrote
 * on purpose (`{ error: ... }`, `.refine(..., msg)`) is kept as written.
 */
import { z } from 'zod';
import { describeSchema, describeValue, isIntSchema, isRecord, keySchemaAt, objectKeys, schemaAt } from './describe';
import { didYouMean, suggest } from './suggest';

export type PathSegment = string | number;

/** One problem, not yet placed in a file. */
export interface SpecProblem {
  /** Where in the document, e.g. ['stages', 'train', 'with', 'epochs']. */
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** For a problem with a key of the map at `path` (unknown key, bad name): that key, whose position is reported. */
  readonly key?: string;
}

/** Dot path, the same syntax `--set` takes: `stages.data.with.keywords.0`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

/** `WHERE: PATH: MESSAGE`, leaving out the path for problems about the whole document. */
export function renderProblem(where: string, problem: SpecProblem): string {
  const path = formatPath(problem.path);
  return path === '' ? `${where}: ${problem.message}` : `${where}: ${path}: ${problem.message}`;
}

/** Names for discriminators whose "no match" deserves a domain word ("unknown stage kind"). */
const DISCRIMINATOR_LABELS: Readonly<Record<string, string>> = { kind: 'stage kind' };

/**
 * Every problem in `issues`, in order. `root` is the schema that was parsed and `input` the
 * data it was given: together they recover what was expected at an issue's path (the
 * allowed keys of a strict object, the bounds of a number), which a bare issue lacks.
 * Parse with `{ reportInput: true }`: messages quote the value that was given.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  root: z.core.$ZodType,
  input: unknown,
): SpecProblem[] {
  return issues.flatMap((issue) => formatIssue(issue, root, input));
}

function formatIssue(issue: z.core.$ZodIssue, root: z.core.$ZodType, input: unknown): SpecProblem[] {
  const path = issue.path.map(toSegment);
  const parent = path.slice(0, -1);
  const last = path[path.length - 1];

  // Structural problems first: a missing key reads the same whatever schema sits there.
  if (issue.code === 'invalid_type' && issue.input === undefined && last !== undefined) {
    return [{ path: parent, message: `missing required key "${String(last)}"` }];
  }
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined) {
    return [discriminatorProblem(issue.discriminator, ('options' in issue && issue.options) || [], issue.input, path)];
  }
  if (issue.code === 'unrecognized_keys') {
    const allowed = objectKeys(schemaAt(root, input, path));
    return issue.keys.map((key) => ({
      path,
      key,
      message: `unknown key "${key}"${didYouMean(key, allowed, 'allowed keys')}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    // A bad record key: format the key's own issue, reported at the key.
    const inner = issue.issues[0];
    const message = inner
      ? formatIssue(inner, keySchemaAt(root, input, parent) ?? root, issue.input)[0]?.message
      : undefined;
    return [{ path: parent, key: String(last), message: message ?? `invalid key "${String(last)}"` }];
  }
  if (isAuthored(issue)) return [{ path, message: issue.message }];
  return [{ path, message: describeIssue(issue, schemaAt(root, input, path)) }];
}

function discriminatorProblem(
  discriminator: string,
  options: readonly unknown[],
  value: unknown,
  path: PathSegment[],
): SpecProblem {
  // zod reports the union's issue at `<object>.<discriminator>` with the object as input.
  const parent = path[path.length - 1] === discriminator ? path.slice(0, -1) : path;
  const given = isRecord(value) ? value[discriminator] : undefined;
  if (given === undefined) return { path: parent, message: `missing required key "${discriminator}"` };
  const known = options.map(String);
  const label = DISCRIMINATOR_LABELS[discriminator] ?? `${discriminator} value`;
  const message =
    typeof given === 'string'
      ? `unknown ${label} ${describeValue(given)}${didYouMean(given, known, `known ${label}s`)}`
      : `expected one of ${known.join('|')}, got ${describeValue(given)}`;
  return { path: [...parent, discriminator], message };
}

/** True when the schema author wrote this message, i.e. it is not zod's stock text. */
function isAuthored(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'custom') return true;
  const stock = z.config().localeError ?? z.locales.en().localeError;
  // Locale maps take raw issues; a finalized issue carries every field they read.
  const text = stock?.(issue as unknown as z.core.$ZodRawIssue);
  const stockMessage = typeof text === 'string' ? text : text?.message;
  return stockMessage !== undefined && stockMessage !== issue.message;
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType | undefined): string {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_union':
      return `expected ${(schema && describeSchema(schema)) ?? expectedWord(issue.code === 'invalid_type' ? issue.expected : '')}, got ${got}`;
    case 'too_small': {
      // For integers "more than 0" is "at least 1": say it the simple way.
      const [n, inclusive] = intBound(schema, issue.minimum, issue.inclusive, +1);
      return `expected ${bound('at least', 'more than', n, inclusive, issue.exact, issue.origin)}, got ${measure(issue.input, issue.origin)}`;
    }
    case 'too_big': {
      const [n, inclusive] = intBound(schema, issue.maximum, issue.inclusive, -1);
      return `expected ${bound('at most', 'less than', n, inclusive, issue.exact, issue.origin)}, got ${measure(issue.input, issue.origin)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const expected = values.length === 1 ? describeValue(issue.values[0]) : `one of ${values.join('|')}`;
      const close = typeof issue.input === 'string' ? suggest(issue.input, values) : undefined;
      return `expected ${expected}, got ${got}${close === undefined ? '' : `, did you mean "${close}"?`}`;
    }
    case 'invalid_format':
      return `expected ${formatWord(issue)}, got ${got}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, got ${got}`;
    default:
      return issue.message;
  }
}

/** `at least 1`, `more than 0`, `exactly 3 items`, `at least 1 character`. */
function bound(
  inclusiveWord: string,
  exclusiveWord: string,
  n: number | bigint,
  inclusive?: boolean,
  exact?: boolean,
  origin?: string,
): string {
  const unit = origin === 'array' || origin === 'set' ? ' item' : origin === 'string' ? ' character' : '';
  const plural = unit !== '' && Number(n) !== 1 ? 's' : '';
  const word = exact ? 'exactly' : inclusive === false ? exclusiveWord : inclusiveWord;
  return `${word} ${String(n)}${unit}${plural}`;
}

function intBound(
  schema: z.core.$ZodType | undefined,
  n: number | bigint,
  inclusive: boolean | undefined,
  step: 1 | -1,
): [number | bigint, boolean | undefined] {
  if (inclusive !== false || typeof n !== 'number' || !schema || !isIntSchema(schema)) return [n, inclusive];
  return [step > 0 ? Math.floor(n) + 1 : Math.ceil(n) - 1, true];
}

/** The size that was compared: a list's length, a string's length, or the number itself. */
function measure(value: unknown, origin: string): string {
  if ((origin === 'array' || origin === 'set') && Array.isArray(value)) return String(value.length);
  if (origin === 'string' && typeof value === 'string') return `${value.length} (${describeValue(value)})`;
  return describeValue(value);
}

function formatWord(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const extra = issue as z.core.$ZodIssueInvalidStringFormat & { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'regex':
      return `a string matching ${issue.pattern ?? 'the pattern'}`;
    case 'starts_with':
      return `a string starting with ${JSON.stringify(extra.prefix)}`;
    case 'ends_with':
      return `a string ending with ${JSON.stringify(extra.suffix)}`;
    case 'includes':
      return `a string containing ${JSON.stringify(extra.includes)}`;
    default:
      return `a valid ${issue.format}`;
  }
}

function expectedWord(expected: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
    array: 'a list',
    tuple: 'a list',
    object: 'a map',
    record: 'a map',
    null: 'null',
  };
  return words[expected] ?? (expected === '' ? 'a different value' : expected);
}

function toSegment(k: PropertyKey): PathSegment {
  return typeof k === 'number' ? k : String(k);
}
