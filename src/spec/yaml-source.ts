/**
 * The YAML side of pipeline loading: parse with positions kept, turn the yaml package's
 * errors into problems, and find the node a document path points at so every problem
 * can say `line:col`. Knows nothing about zod or pipelines.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
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
  const errors = doc.errors.map((e) => ({
    pos: lines.linePos(e.pos[0]),
    problem: yamlErrorProblem(doc, e.code, e.message, e.pos[0]),
  }));
  return { doc, lines, errors };
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

function child(doc: Document.Parsed, parent: YamlNode | null, seg: PathSegment): { key?: YamlNode; value: YamlNode | null } | undefined {
  const node = isAlias(parent) ? parent.resolve(doc) ?? null : parent;
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
