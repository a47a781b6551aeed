/**
 * What was expected and what was given, in words, for problem messages. Expectations are
 * read from zod 4 schema definitions, which zod exposes as data (`_zod.def`): the allowed
 * keys of a strict object, the bounds and integer-ness of a number, the branch of a
 * discriminated union that a value selects. Nothing here validates.
 */
import type { z } from 'zod';
import type { PathSegment } from './format-issues';

/** A value as the user wrote it: strings quoted, collections by their YAML name. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

type Def = z.core.$ZodTypes['_zod']['def'];
const defOf = (s: z.core.$ZodType): Def => (s as z.core.$ZodTypes)._zod.def;

/** What a value of `schema` looks like, in words: "a positive integer", "a list", "one of a|b". */
export function describeSchema(schema: z.core.$ZodType): string | undefined {
  const s = unwrap(schema, undefined);
  const def = defOf(s);
  switch (def.type) {
    case 'string':
      return 'a string';
    case 'number':
      return describeNumber(s);
    case 'boolean':
      return 'true or false';
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a map';
    case 'null':
      return 'null';
    case 'enum':
      return `one of ${Object.values(def.entries).map(String).join('|')}`;
    case 'literal':
      return def.values.length === 1 ? describeValue(def.values[0]) : `one of ${def.values.map(String).join('|')}`;
    case 'union': {
      // z.union([z.literal(1), z.literal(2)]) reads best as the values: "one of 1|2".
      const literals = def.options
        .map((o) => defOf(unwrap(o, undefined)))
        .flatMap((d) => (d.type === 'literal' ? d.values : d.type === 'enum' ? Object.values(d.entries) : [undefined]));
      if (literals.every((v) => v !== undefined)) return `one of ${literals.map(String).join('|')}`;
      const parts = def.options.map(describeSchema);
      return parts.every((p) => p !== undefined) ? [...new Set(parts)].join(' or ') : undefined;
    }
    default:
      return undefined;
  }
}

interface NumberCheckDef {
  check?: string;
  value?: unknown;
  inclusive?: boolean;
  format?: string;
}

function numberChecks(schema: z.core.$ZodType): { format?: string; checks: NumberCheckDef[] } {
  const def = defOf(schema) as Def & { format?: string; checks?: readonly z.core.$ZodCheck[] };
  return { format: def.format, checks: (def.checks ?? []).map((c) => c._zod.def as NumberCheckDef) };
}

/** z.int() and friends: a number schema whose format (or a format check) is an integer one. */
export function isIntSchema(schema: z.core.$ZodType): boolean {
  const s = unwrap(schema, undefined);
  if (defOf(s).type !== 'number') return false;
  const { format, checks } = numberChecks(s);
  return [format, ...checks.map((c) => c.format)].some((f) => typeof f === 'string' && f.includes('int'));
}

/** "an integer", "a positive integer", "a non-negative number", "an integer from 1 to 8". */
function describeNumber(schema: z.core.$ZodType): string {
  const { checks } = numberChecks(schema);
  const isInt = isIntSchema(schema);
  let lo: { value: number; inclusive: boolean } | undefined;
  let hi: { value: number; inclusive: boolean } | undefined;
  for (const c of checks) {
    if (typeof c.value !== 'number') continue;
    const b = { value: c.value, inclusive: c.inclusive !== false };
    if (c.check === 'greater_than' && (!lo || b.value > lo.value)) lo = b;
    if (c.check === 'less_than' && (!hi || b.value < hi.value)) hi = b;
  }
  if (isInt) {
    // For integers "> 0" is ">= 1": say it the simple way.
    if (lo && !lo.inclusive) lo = { value: Math.floor(lo.value) + 1, inclusive: true };
    if (hi && !hi.inclusive) hi = { value: Math.ceil(hi.value) - 1, inclusive: true };
  }
  const noun = isInt ? 'integer' : 'number';
  if (lo && hi && lo.inclusive && hi.inclusive) return `${isInt ? 'an' : 'a'} ${noun} from ${lo.value} to ${hi.value}`;
  if (lo && !hi) {
    if (lo.value === 0 && !lo.inclusive) return `a positive ${noun}`;
    if (lo.value === 1 && isInt) return 'a positive integer';
    if (lo.value === 0) return `a non-negative ${noun}`;
  }
  const parts = [
    lo && `${lo.inclusive ? '>=' : '>'} ${lo.value}`,
    hi && `${hi.inclusive ? '<=' : '<'} ${hi.value}`,
  ].filter(Boolean);
  return `${isInt ? 'an' : 'a'} ${noun}${parts.length > 0 ? ` ${parts.join(' and ')}` : ''}`;
}

/** Strip wrappers that do not change what a value looks like; pick the union branch `data` selects. */
function unwrap(schema: z.core.$ZodType, data: unknown): z.core.$ZodType {
  let s = schema;
  for (let guard = 0; guard < 64; guard++) {
    const def = defOf(s);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        s = def.innerType;
        continue;
      case 'pipe':
        s = def.in; // the user writes the input side
        continue;
      case 'lazy':
        s = def.getter();
        continue;
      case 'union': {
        const branch = unionBranch(def, data);
        if (!branch) return s;
        s = branch;
        continue;
      }
      default:
        return s;
    }
  }
  return s;
}

function unionBranch(
  def: z.core.$ZodUnionDef & { discriminator?: string },
  data: unknown,
): z.core.$ZodType | undefined {
  if (def.options.length === 1) return def.options[0];
  const disc = def.discriminator;
  if (disc === undefined || !isRecord(data)) return undefined;
  return def.options.find((o) => {
    const tag = objectShape(unwrap(o, undefined))?.[disc];
    if (!tag) return false;
    const tagDef = defOf(unwrap(tag, undefined));
    return tagDef.type === 'literal' && tagDef.values.some((v) => v === data[disc]);
  });
}

/** The schema that validated `path` inside `data`, or undefined where it cannot be told. */
export function schemaAt(
  root: z.core.$ZodType,
  data: unknown,
  path: readonly PathSegment[],
): z.core.$ZodType | undefined {
  let s: z.core.$ZodType | undefined = root;
  let d = data;
  for (const seg of path) {
    if (!s) return undefined;
    s = childSchema(unwrap(s, d), seg);
    d = isRecord(d) || Array.isArray(d) ? (d as Record<PathSegment, unknown>)[seg] : undefined;
  }
  return s && unwrap(s, d);
}

function childSchema(s: z.core.$ZodType, seg: PathSegment): z.core.$ZodType | undefined {
  const def = defOf(s);
  switch (def.type) {
    case 'object': {
      const child = def.shape[String(seg)];
      return child ?? (def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined);
    }
    case 'record':
      return def.valueType;
    case 'array':
      return def.element;
    case 'tuple':
      return def.items[Number(seg)] ?? def.rest ?? undefined;
    default:
      return undefined;
  }
}

export function keySchemaAt(
  root: z.core.$ZodType,
  data: unknown,
  path: readonly PathSegment[],
): z.core.$ZodType | undefined {
  const s = schemaAt(root, data, path);
  if (!s) return undefined;
  const def = defOf(s);
  return def.type === 'record' ? def.keyType : undefined;
}

function objectShape(s: z.core.$ZodType): Readonly<Record<string, z.core.$ZodType>> | undefined {
  const def = defOf(s);
  return def.type === 'object' ? def.shape : undefined;
}

export function objectKeys(s: z.core.$ZodType | undefined): string[] {
  return s ? Object.keys(objectShape(s) ?? {}) : [];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
