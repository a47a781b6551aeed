import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { describeSchema, describeValue } from '../../../src/spec/describe';
import { formatIssues, formatPath, renderProblem } from '../../../src/spec/format-issues';
import { problemsOf, repoRoot } from './helpers';

function problems(schema: z.ZodType, input: unknown) {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) throw new Error('accepted');
  return formatIssues(r.error.issues, schema, input);
}

describe('formatIssues', () => {
  test('type messages say what was expected in words', () => {
    const s = z.strictObject({
      n: z.number(),
      i: z.int(),
      pos: z.int().positive(),
      range: z.int().min(1).max(8),
      ratio: z.number().gt(0).lt(1),
      b: z.boolean(),
      l: z.array(z.string()),
      m: z.strictObject({}),
      e: z.enum(['a', 'b']),
      lit: z.literal('x'),
      u: z.union([z.number(), z.array(z.number())]),
    });
    const input = {
      n: 'fast',
      i: 2.5,
      pos: -1.5,
      range: 'x',
      ratio: 'x',
      b: 'yes',
      l: {},
      m: [],
      e: 'c',
      lit: 'y',
      u: 'z',
    };
    expect(problems(s, input).map((p) => `${formatPath(p.path)}: ${p.message}`)).toEqual([
      'n: expected a number, got "fast"',
      'i: expected an integer, got 2.5',
      'pos: expected a positive integer, got -1.5',
      'range: expected an integer from 1 to 8, got "x"',
      'ratio: expected a number > 0 and < 1, got "x"',
      'b: expected true or false, got "yes"',
      'l: expected a list, got a map',
      'm: expected a map, got an empty list',
      'e: expected one of a|b, got "c"',
      'lit: expected "x", got "y"',
      'u: expected a number or a list, got "z"',
    ]);
  });

  test('range messages', () => {
    const s = z.strictObject({
      a: z.array(z.number()).min(2),
      b: z.array(z.number()).max(1),
      c: z.string().min(1),
      d: z.number().max(1),
      e: z.int().lt(5),
      f: z.array(z.number()).length(2),
    });
    expect(problems(s, { a: [1], b: [1, 2], c: '', d: 2, e: 5, f: [] }).map((p) => p.message)).toEqual([
      'expected at least 2 items, got 1',
      'expected at most 1 item, got 2',
      'expected at least 1 character, got 0 ("")',
      'expected at most 1, got 2',
      'expected at most 4, got 5',
      'expected exactly 2 items, got 0',
    ]);
  });

  test('an enum typo gets a suggestion', () => {
    expect(problems(z.enum(['white', 'pink', 'brown']), 'pnk')[0]?.message).toBe(
      'expected one of white|pink|brown, got "pnk", did you mean "pink"?',
    );
  });

  test("a schema author's own message is kept", () => {
    const s = z.strictObject({
      v: z.string().regex(/^v\d+$/, { error: 'a version like v2' }),
      w: z.number().refine((x) => x % 2 === 0, 'must be even'),
    });
    expect(problems(s, { v: 'x', w: 3 }).map((p) => p.message)).toEqual(['a version like v2', 'must be even']);
  });

  test('unknown keys point at the key and name the allowed ones', () => {
    expect(
      problems(z.strictObject({ alpha: z.number().optional(), beta: z.number().optional() }), { alpah: 1, zzz: 2 }),
    ).toEqual([
      { path: [], key: 'alpah', message: 'unknown key "alpah", did you mean "alpha"?' },
      { path: [], key: 'zzz', message: 'unknown key "zzz"; allowed keys: alpha, beta' },
    ]);
  });

  test('paths through lists, records and unions of objects', () => {
    const item = z.discriminatedUnion('t', [
      z.strictObject({ t: z.literal('a'), n: z.int() }),
      z.strictObject({ t: z.literal('b'), s: z.string() }),
    ]);
    const s = z.strictObject({ list: z.array(item), map: z.record(z.string(), item) });
    expect(
      problems(s, { list: [{ t: 'a', n: 1.5 }], map: { k: { t: 'b', s: 1, x: 0 } } }).map(
        (p) => `${formatPath(p.path)}: ${p.message}`,
      ),
    ).toEqual([
      'list.0.n: expected an integer, got 1.5',
      'map.k.s: expected a string, got 1',
      'map.k: unknown key "x"; allowed keys: t, s',
    ]);
  });
});

describe('describeValue and describeSchema', () => {
  test.each([
    ['thirty', '"thirty"'],
    [2.5, '2.5'],
    [true, 'true'],
    [null, 'null'],
    [[1], 'a list'],
    [[], 'an empty list'],
    [{}, 'a map'],
    ['x'.repeat(60), `"${'x'.repeat(37)}..."`],
  ])('%j → %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  test('wrappers do not change the description', () => {
    expect(describeSchema(z.int().min(0).default(0))).toBe('a non-negative integer');
    expect(describeSchema(z.number().positive().optional())).toBe('a positive number');
    expect(describeSchema(z.union([z.literal(1), z.literal(2)]))).toBe('one of 1|2');
  });
});

describe('rendered problems', () => {
  test('renderProblem leaves out an empty path', () => {
    expect(renderProblem('f.yaml:1:1', { path: [], message: 'm' })).toBe('f.yaml:1:1: m');
    expect(renderProblem('f.yaml:2:3', { path: ['a', 0], message: 'm' })).toBe('f.yaml:2:3: a.0: m');
  });

  test('no message for any bad fixture carries "Error:", a stack frame or zod stock text', () => {
    const files = readdirSync(path.join(repoRoot, 'test/fixtures/pipelines/bad'));
    const lines = files.flatMap((f) => problemsOf(`bad/${f}`));
    expect(lines.length).toBeGreaterThanOrEqual(files.length);
    for (const line of lines) {
      expect(line).toMatch(/^test\/fixtures\/pipelines\/bad\/[\w-]+\.yaml:\d+:\d+: /);
      expect(line).not.toMatch(/Error:|\n|^\s+at |Invalid input|Unrecognized key|received/);
    }
  });
});
