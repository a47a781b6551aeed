/**
 * Canonical JSON: one byte string per JSON value, so equal configs hash equal
 * (DVC hashes `json.dumps(..., sort_keys=True)`; docs/architecture.md#cache-key).
 *
 * Rules: object keys sorted by Unicode code point (= UTF-8 byte order), no whitespace,
 * numbers as JavaScript prints them (shortest round-trip form; -0 becomes 0), strings
 * escaped as JSON.stringify does. Object properties whose value is `undefined` are omitted,
 * as JSON.stringify and a store round-trip would omit them, so an optional field left unset
 * hashes like an absent one. Everything that JSON cannot represent faithfully is an error
 * rather than silently changed: NaN, ±Infinity, bigint, functions, symbols, `undefined` or
 * holes in arrays, cycles, and non-plain objects (Map, Set, class instances would otherwise
 * serialize as `{}`). Objects with `toJSON` (Date) are converted first, like JSON.stringify.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The value as plain JSON data, checked and normalized; throws TypeError naming the path. */
export function toCanonicalValue(value: unknown): JsonValue {
  return normalize(value, '', '$', new Set());
}

/** Canonical JSON text of a value (see module comment). */
export function canonicalJson(value: unknown): string {
  return serialize(toCanonicalValue(value));
}

/** Code point order; UTF-16 code unit order (`<`) differs for characters above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const byBytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  // Lone surrogates all encode as U+FFFD; fall back to code units so the order stays total.
  return byBytes !== 0 ? byBytes : a < b ? -1 : a > b ? 1 : 0;
}

function serialize(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  // Sorted here, not by building a sorted object: JS iterates integer-like keys ("10", "9")
  // numerically whatever the insertion order.
  const keys = Object.keys(v).sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialize(v[k] as JsonValue)}`).join(',')}}`;
}

function normalize(input: unknown, key: string, path: string, stack: Set<object>): JsonValue {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(k: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: ${value} at ${path} is not representable in JSON`);
      return value === 0 ? 0 : value; // -0 === 0, so this maps -0 to 0
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${typeof value} at ${path} is not representable in JSON`);
  }
  if (value === null) return null;
  if (stack.has(value)) throw new TypeError(`canonicalJson: circular reference at ${path}`);
  stack.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = [];
      for (let i = 0; i < value.length; i++) out.push(normalize(value[i], String(i), `${path}[${i}]`, stack));
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(`canonicalJson: ${name} at ${path} is not a plain object`);
    }
    // Null prototype: a "__proto__" key stays an ordinary property instead of a prototype.
    const out = Object.create(null) as { [key: string]: JsonValue };
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out[k] = normalize(v, k, `${path}.${k}`, stack);
    }
    return out;
  } finally {
    stack.delete(value);
  }
}
