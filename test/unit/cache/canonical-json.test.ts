import { canonicalJson, compareCodePoints, toCanonicalValue } from '../../../src/cache/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('does not depend on key insertion order', () => {
    const a = { stages: { train: { epochs: 30, lr: 0.01 } }, seed: 42 };
    const b = { seed: 42, stages: { train: { lr: 0.01, epochs: 30 } } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('sorts integer-like keys as strings and by code point', () => {
    expect(canonicalJson({ '9': 'a', '10': 'b', b: 'c' })).toBe('{"10":"b","9":"a","b":"c"}');
    // U+1F600 (a surrogate pair in UTF-16) sorts after U+FF5E by code point, not before.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF5E': 2 })).toBe('{"\uFF5E":2,"\u{1F600}":1}');
    expect(compareCodePoints('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
  });

  it('prints numbers and strings as JSON does; -0 becomes 0', () => {
    expect(canonicalJson([0.1, 1e21, 1e-7, -0, 5, -2.5])).toBe('[0.1,1e+21,1e-7,0,5,-2.5]');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson('quote " backslash \\ newline \n tab \t \u0001 é')).toBe(
      JSON.stringify('quote " backslash \\ newline \n tab \t \u0001 é'),
    );
    expect(canonicalJson([null, true, false])).toBe('[null,true,false]');
  });

  it('omits undefined object properties (an unset optional field hashes like an absent one)', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('applies toJSON (Date) like JSON.stringify', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it('keeps a "__proto__" key as data', () => {
    const v = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    expect(canonicalJson(v)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it.each([
    ['NaN', { lr: NaN }, /NaN at \$\.lr/],
    ['Infinity', [1, Infinity], /Infinity at \$\[1\]/],
    ['-Infinity', -Infinity, /-Infinity at \$/],
    ['undefined in an array', [1, undefined], /undefined at \$\[1\]/],
    ['an array hole', [1, , 3], /undefined at \$\[1\]/], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }, /function at \$\.f/],
    ['a symbol', { s: Symbol('s') }, /symbol at \$\.s/],
    ['a bigint', { n: 1n }, /bigint at \$\.n/],
    ['a Map', { m: new Map() }, /Map at \$\.m is not a plain object/],
    ['a class instance', { c: new (class Thing {})() }, /Thing at \$\.c is not a plain object/],
    ['top-level undefined', undefined, /undefined at \$/],
  ])('rejects %s', (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('rejects cycles but accepts shared references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular reference at \$\.self/);
  });

  it('the stored form re-canonicalizes to the same text (what is hashed is what is stored)', () => {
    const value = { z: [1, -0, { '10': 1, '9': 2 }], a: 'ü', at: new Date(5), skip: undefined };
    const stored = JSON.stringify(toCanonicalValue(value), null, 2);
    expect(canonicalJson(JSON.parse(stored))).toBe(canonicalJson(value));
  });
});
