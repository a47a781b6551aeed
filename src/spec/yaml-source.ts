/**
 * The YAML side of pipeline loading: parse with positions kept, turn the yaml package's
 * errors into problems, and find the node a document path points at so every problem
 * can say `line:col`. Knows nothing about zod or pipelines.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { PathSegment, SpecProblem } from './format-issues';

/** 1-based, as editors count. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** A problem and the position it belongs to. */
export interface PositionedProblem {
  readonly pos: SourcePosition;
  readonly problem: SpecProblem;
}

export interface YamlSource {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Syntax errors, duplicate keys, tabs: when any exist the document is not worth validating. */
  readonly errors: readonly PositionedProblem[];
}

export function parseYamlSource(text: string): YamlSource {
  const lines = new LineCounter();
  // prettyErrors off: we print our own `file:line:col:` and do not want yaml's code excerpt.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const errors: PositionedProblem[] = [];
  const seen = new Set<string>();
  for (const e of doc.errors) {
    // An unclosed `[` or `{` is reported where it was opened, not where the parser gave up
    // (often lines later, at the next key): that is where the user has to look.
    const opener = /\bflow (sequence|map|collection)\b/i.test(e.message)
      ? unclosedFlowOpener(text, e.pos[0])
      : undefined;
    const item: PositionedProblem = opener
      ? {
          pos: lines.linePos(opener.offset),
          problem: {
            path: [],
            message: `invalid YAML: "${opener.char}" is never closed; expected "${opener.char === '[' ? ']' : '}'}" before line ${lines.linePos(e.pos[0]).line}, col ${lines.linePos(e.pos[0]).col}`,
          },
        }
      : { pos: lines.linePos(e.pos[0]), problem: yamlErrorProblem(doc, e.code, e.message, e.pos[0]) };
    // The parser often reports one unclosed bracket twice (as a sequence and as a map).
    const key = opener ? `opener:${opener.offset}` : `${item.pos.line}:${item.pos.col}:${item.problem.message}`;
    if (!seen.has(key)) errors.push(item);
    seen.add(key);
  }
  return { doc, lines, errors };
}

/**
 * The innermost flow collection (`[` or `{`) opened before `end` and not closed by then, by a
 * scan that skips quoted strings and comments. A bracket counts as an opener only where a flow
 * collection can start (line start, after `:`, `-`, `,`, `[`, `{` and spaces), so the `[` of a
 * plain scalar such as `a[1]` is not mistaken for one.
 */
export function unclosedFlowOpener(text: string, end: number): { offset: number; char: '[' | '{' } | undefined {
  const stack: Array<{ offset: number; char: '[' | '{' }> = [];
  let prev = '\n'; // last significant character (spaces skipped)
  for (let i = 0; i < Math.min(end, text.length); i++) {
    const c = text[i]!;
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
      prev = '\n';
      continue;
    }
    if ((c === '"' || c === "'") && /[\s:,[{-]/.test(prev)) {
      for (i++; i < text.length && text[i] !== c; i++) {
        if (c === '"' && text[i] === '\\') i++;
      }
      prev = c;
      continue;
    }
    if ((c === '[' || c === '{') && (stack.length > 0 || /[\n:,[{-]/.test(prev))) stack.push({ offset: i, char: c });
    else if ((c === ']' || c === '}') && stack.length > 0 && stack[stack.length - 1]!.char === (c === ']' ? '[' : '{'))
      stack.pop();
    if (c === '\n' || !/\s/.test(c)) prev = c;
  }
  return stack[stack.length - 1];
}

function yamlErrorProblem(doc: Document.Parsed, code: string, message: string, offset: number): SpecProblem {
  switch (code) {
    case 'DUPLICATE_KEY':
      return duplicateKeyProblem(doc, offset) ?? { path: [], message: 'duplicate key' };
    case 'TAB_AS_INDENT':
      return { path: [], message: 'tabs are not allowed as indentation; indent with spaces' };
    case 'MULTIPLE_DOCS':
      return { path: [], message: 'a pipeline file holds a single YAML document; remove the extra "---"' };
    default: {
      const firstLine = message.split('\n')[0]?.trim() ?? message;
      return { path: [], message: `invalid YAML: ${firstLine.charAt(0).toLowerCase()}${firstLine.slice(1)}` };
    }
  }
}

/** `stages.data: duplicate key "kind"`, found by the key's offset. */
function duplicateKeyProblem(doc: Document.Parsed, offset: number): SpecProblem | undefined {
  let found: SpecProblem | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const path = ancestors.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : '?'));
      found = { path, message: `duplicate key "${String(pair.key.value)}"` };
      return visit.BREAK;
    },
  });
  return found;
}

/** Where a path ends up: a place in the file, or a node an override put there. */
export type Location = { readonly pos: SourcePosition } | { readonly override: string };

/**
 * The location of `path` in `doc` (of its `key` in the map at `path`, when given). If the
 * path leaves the document (a missing key), the deepest node that exists is used, which
 * for a missing key is its parent mapping. If any node on the way was put there by an
 * override (`marks`), the override is the location.
 */
export function locate(
  source: YamlSource,
  path: readonly PathSegment[],
  key: string | undefined,
  marks: ReadonlyMap<YamlNode, string>,
): Location {
  const { doc, lines } = source;
  let node: YamlNode | null = doc.contents;
  let keyNode: YamlNode | undefined;
  for (const seg of key === undefined ? path : [...path, key]) {
    if (node && marks.has(node)) break;
    const next = child(doc, node, seg);
    if (!next) break;
    node = next.value;
    keyNode = next.key;
  }
  if (node && marks.has(node)) return { override: marks.get(node) as string };
  // An empty value (`with:` and nothing after) has no text of its own: point at its key.
  const pointAtKey = key !== undefined || (isScalar(node) && node.value === null && node.source === '');
  const target = pointAtKey && keyNode ? keyNode : (node ?? keyNode);
  const offset = target?.range?.[0] ?? 0;
  return { pos: lines.linePos(offset) };
}

function child(
  doc: Document.Parsed,
  parent: YamlNode | null,
  seg: PathSegment,
): { key?: YamlNode; value: YamlNode | null } | undefined {
  const node = isAlias(parent) ? (parent.resolve(doc) ?? null) : parent;
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    if (!pair) return undefined;
    return { key: pair.key as YamlNode, value: (pair.value as YamlNode | null) ?? null };
  }
  if (isSeq(node)) {
    const item = node.items[Number(seg)];
    return item === undefined ? undefined : { value: item as YamlNode | null };
  }
  return undefined;
}
