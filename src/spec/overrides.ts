/**
 * `--set path=value` (docs/architecture.md#flow-of-one-run, step 1). Overrides edit the parsed YAML document before
 * validation, so they can set keys the file leaves to defaults and are validated exactly
 * like the file. Every node an override puts in the document is remembered, so a problem
 * inside it is reported as `--set path=value: ...` instead of a file position.
 */
import {
  isMap,
  isScalar,
  isSeq,
  Pair,
  parseDocument,
  Scalar,
  YAMLMap,
  type Document,
  type Node as YamlNode,
  type YAMLSeq,
} from 'yaml';
import { OverrideError } from '../errors';

export interface Override {
  /** As the user typed it, e.g. `stages.train.with.epochs=3`. */
  readonly text: string;
  /** Dot-separated segments; whether a segment is a list index depends on the document. */
  readonly path: readonly string[];
  /** The value parsed as YAML: `3`, `"3"`, `[a, b]`, `{x: 1}`, `true`. */
  readonly value: unknown;
}

/** Parse one `path=value`. Throws OverrideError naming the override when it is malformed. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq < 0) throw new OverrideError(`--set ${text}: expected path=value, e.g. stages.train.with.epochs=3`);
  const rawPath = text.slice(0, eq).trim();
  if (rawPath === '') throw new OverrideError(`--set ${text}: empty path before "="`);
  const path = rawPath.split('.');
  if (path.some((seg) => seg.trim() === ''))
    throw new OverrideError(`--set ${text}: empty segment in path "${rawPath}"`);
  const valueDoc = parseDocument(text.slice(eq + 1), { prettyErrors: false });
  const error = valueDoc.errors[0];
  if (error) throw new OverrideError(`--set ${text}: value is not valid YAML: ${error.message.split('\n')[0] ?? ''}`);
  let value: unknown;
  try {
    value = valueDoc.toJS();
  } catch (e) {
    // toJS resolves aliases: `*x` with no anchor, or an alias bomb, fails only here.
    throw new OverrideError(
      `--set ${text}: value is not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
  }
  return { text, path: path.map((seg) => seg.trim()), value };
}

/**
 * Apply `overrides` in order (a later one wins) to `doc`, creating missing maps on the
 * way. Returns the nodes each override added, mapped to the override's text.
 */
export function applyOverrides(doc: Document, overrides: readonly string[]): Map<YamlNode, string> {
  const marks = new Map<YamlNode, string>();
  for (const text of overrides) applyOne(doc, parseOverride(text), marks);
  return marks;
}

function applyOne(doc: Document, o: Override, marks: Map<YamlNode, string>): void {
  if (doc.contents === null || isEmpty(doc.contents as YamlNode)) {
    doc.contents = new YAMLMap();
    marks.set(doc.contents, o.text);
  }
  let node = doc.contents as YamlNode;
  for (let i = 0; i < o.path.length; i++) {
    const seg = o.path[i] as string;
    const where = o.path.slice(0, i).join('.') || 'the document';
    if (!isMap(node) && !isSeq(node)) {
      throw new OverrideError(
        `--set ${o.text}: cannot set "${o.path.join('.')}": ${where} is ${describeNode(node)}, not a map or list`,
      );
    }
    if (i === o.path.length - 1) {
      const value = doc.createNode(o.value) as YamlNode;
      setChild(node, seg, value, o, where);
      marks.set(value, o.text);
      return;
    }
    let next = getChild(node, seg, o, where);
    if (next === undefined || isEmpty(next)) {
      // A key the file leaves out (or leaves empty): the override brings the map along.
      next = new YAMLMap();
      setChild(node, seg, next, o, where);
      marks.set(next, o.text);
    }
    node = next;
  }
}

function getChild(node: YAMLMap | YAMLSeq, seg: string, o: Override, where: string): YamlNode | undefined {
  if (isSeq(node)) return (node.items[listIndex(seg, node.items.length, o, where)] as YamlNode | null) ?? undefined;
  return (findPair(node, seg)?.value as YamlNode | null) ?? undefined;
}

function setChild(node: YAMLMap | YAMLSeq, seg: string, value: YamlNode, o: Override, where: string): void {
  if (isSeq(node)) {
    node.items[listIndex(seg, node.items.length, o, where)] = value;
    return;
  }
  const pair = findPair(node, seg);
  if (pair) pair.value = value;
  else node.items.push(new Pair(new Scalar(seg), value));
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
}

/** An item index, or one past the end to append. */
function listIndex(seg: string, length: number, o: Override, where: string): number {
  if (!/^\d+$/.test(seg)) throw new OverrideError(`--set ${o.text}: ${where} is a list; "${seg}" is not an index`);
  const index = Number(seg);
  if (index > length)
    throw new OverrideError(`--set ${o.text}: ${where} has ${length} items; index ${index} is out of range`);
  return index;
}

function isEmpty(node: YamlNode): boolean {
  return isScalar(node) && node.value === null;
}

function describeNode(node: YamlNode): string {
  return isScalar(node) ? `the value ${JSON.stringify(node.value)}` : 'an alias';
}
