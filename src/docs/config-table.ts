/**
 * A stage's `with:` keys as a markdown table (key, type, default, description), rendered
 * from the JSON Schema that zod generates for the stage's own config schema — the same
 * schema that validates pipelines, so the table cannot drift from the code
 * (docs/writing-a-stage.md, `node dist/src/docs/write-stage-pages.js`).
 */
import { z } from 'zod';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = { [k: string]: Json };

interface Row {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

const MAX_DEFAULT_CHARS = 48;

/** The JSON Schema (input side: keys with defaults are optional) of a zod config schema. */
export function configJsonSchema(schema: z.ZodType): Node {
  return z.toJSONSchema(schema, { target: 'draft-07', io: 'input', unrepresentable: 'any' }) as Node;
}

/** The markdown table(s) for a config schema; a discriminated union gets one table per branch. */
export function renderConfigTable(schema: z.ZodType): string {
  const root = configJsonSchema(schema);
  const branches = (root.oneOf ?? root.anyOf) as Node[] | undefined;
  if (branches && root.properties === undefined) {
    return branches
      .map((b) => {
        const tag = discriminator(b);
        return `${tag ? `**${tag}**\n\n` : ''}${table(rowsOf(b, '', new Set(asStrings(b.required))))}`;
      })
      .join('\n\n');
  }
  return table(rowsOf(root, '', new Set(asStrings(root.required))));
}

/** `type: mfcc` for a branch whose some property is a single const. */
function discriminator(branch: Node): string | undefined {
  const props = (branch.properties ?? {}) as Record<string, Node>;
  for (const [k, p] of Object.entries(props)) if (p.const !== undefined) return `${k}: ${String(p.const)}`;
  return undefined;
}

function rowsOf(node: Node, prefix: string, required: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const props = (node.properties ?? {}) as Record<string, Node>;
  for (const [name, p] of Object.entries(props)) {
    const key = `${prefix}${name}`;
    const nested =
      p.type === 'object' &&
      typeof p.properties === 'object' &&
      p.properties !== null &&
      Object.keys(p.properties).length > 0;
    if (nested) {
      // An object's own row only says something when it has a description; its keys follow.
      if (typeof p.description === 'string')
        rows.push({ key, type: 'object', default: '', description: p.description });
      rows.push(...rowsOf(p, `${key}.`, new Set(asStrings(p.required))));
      continue;
    }
    rows.push({
      key,
      type: typeOf(p),
      default: p.default !== undefined ? renderDefault(p.default) : required.has(name) ? '(required)' : '',
      description: typeof p.description === 'string' ? p.description : '',
    });
  }
  return rows;
}

function typeOf(p: Node): string {
  if (p.const !== undefined) return JSON.stringify(p.const);
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alts = (p.anyOf ?? p.oneOf) as Node[] | undefined;
  if (alts) return [...new Set(alts.map(typeOf))].join(' \\| ');
  if (p.type === 'array') {
    if (Array.isArray(p.items)) return `[${(p.items as Node[]).map(typeOf).join(', ')}]`;
    const item = p.items && typeof p.items === 'object' ? typeOf(p.items as Node) : 'any';
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  if (p.type === 'object')
    return p.additionalProperties && typeof p.additionalProperties === 'object'
      ? `map of ${typeOf(p.additionalProperties as Node)}`
      : 'object';
  if (typeof p.type === 'string') return `${p.type}${bounds(p)}`;
  if (Array.isArray(p.type)) return p.type.join(' \\| ');
  return 'any';
}

function bounds(p: Node): string {
  const parts: string[] = [];
  if (typeof p.minimum === 'number' && p.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${p.minimum}`);
  if (typeof p.exclusiveMinimum === 'number') parts.push(`> ${p.exclusiveMinimum}`);
  if (typeof p.maximum === 'number' && p.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${p.maximum}`);
  if (typeof p.exclusiveMaximum === 'number') parts.push(`< ${p.exclusiveMaximum}`);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

function renderDefault(v: Json): string {
  const s = JSON.stringify(v);
  if (s.length <= MAX_DEFAULT_CHARS) return `\`${s}\``;
  if (Array.isArray(v)) return `${v.length} values: \`${JSON.stringify(v.slice(0, 3)).slice(0, -1)}, …]\``;
  return `\`${s.slice(0, MAX_DEFAULT_CHARS - 1)}…\``;
}

function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no keys)';
  const cell = (s: string) =>
    s.replace(/\|/g, (m, i: number, all: string) => (all[i - 1] === '\\' ? m : '\\|')).replace(/\n/g, ' ');
  return [
    '| key | type | default | description |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`),
  ].join('\n');
}

function asStrings(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
