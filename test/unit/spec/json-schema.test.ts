/**
 * The editor schema is generated from the zod schemas; these tests check that it says what
 * the loader enforces. Validation uses ajv, which is installed through @temporalio/worker
 * → webpack → schema-utils (not a direct dependency of tinyops).
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { pipelineJsonSchema, renderPipelineJsonSchema } from '../../../src/spec/json-schema';
import { fakeModules } from './fake-modules';
import { fixture, repoRoot } from './helpers';

type Json = Record<string, unknown>;
const schema = pipelineJsonSchema(fakeModules) as Json;
const stageBranches = ((schema.properties as Json).stages as Json & { additionalProperties: { oneOf: Json[] } })
  .additionalProperties.oneOf;
const branch = (kind: string): Json & { properties: Record<string, Json> } =>
  stageBranches.find((b) => ((b.properties as Record<string, Json>).kind as Json).const === kind) as Json & {
    properties: Record<string, Json>;
  };

const validate = new Ajv({ strict: false }).compile(schema);
const readFixture = (rel: string): unknown => parseYaml(readFileSync(path.join(repoRoot, fixture(rel)), 'utf8'));

describe('pipelineJsonSchema', () => {
  test('is draft-07 with the top-level keys, name and stages required', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties as Json)).toEqual([
      'name',
      'seed',
      'board',
      'stages',
      'schedule',
      'promotion',
    ]);
    expect(schema.required).toEqual(['name', 'stages']);
    expect(schema.additionalProperties).toBe(false);
  });

  test('one branch per registered kind, selected by a `kind` const, with the module description', () => {
    expect(stageBranches.map((b) => ((b.properties as Record<string, Json>).kind as Json).const)).toEqual([
      'synth-kws',
      'features',
      'train',
    ]);
    expect(branch('train').description).toBe('fake train stage');
  });

  test("each kind's `with:` lists its options, nested ones too, with defaults and no required keys", () => {
    const withOf = (kind: string) => branch(kind).properties.with as Json & { properties: Record<string, Json> };
    expect(Object.keys(withOf('synth-kws').properties)).toEqual(['keywords', 'perKeyword', 'noise']);
    expect(withOf('synth-kws').properties.noise).toMatchObject({
      type: 'object',
      properties: { color: { enum: ['white', 'pink', 'brown'], default: 'white' } },
      additionalProperties: false,
    });
    expect(withOf('train').properties.epochs).toMatchObject({ type: 'integer', default: 30, exclusiveMinimum: 0 });
    expect(withOf('train').required).toBeUndefined(); // io: 'input' — defaults make keys optional
    expect(withOf('train').additionalProperties).toBe(false);
  });

  test('every kind used by the good fixtures has a branch, and the fixtures validate', () => {
    for (const rel of ['good/kws.yaml', 'good/minimal.yaml', 'good/order.yaml']) {
      const doc = readFixture(rel) as { stages: Record<string, { kind: string }> };
      for (const stage of Object.values(doc.stages)) expect(branch(stage.kind)).toBeDefined();
      expect({ rel, valid: validate(doc), errors: validate.errors ?? null }).toEqual({
        rel,
        valid: true,
        errors: null,
      });
    }
  });

  test.each([
    'bad/unknown-kind.yaml',
    'bad/unknown-with-key.yaml',
    'bad/string-for-int.yaml',
    'bad/missing-name.yaml',
    'bad/enum-mismatch.yaml',
  ])('rejects %s like the loader does', (rel) => {
    expect(validate(readFixture(rel))).toBe(false);
  });
});

describe('renderPipelineJsonSchema', () => {
  test('sorted keys, two-space indent, one trailing newline, same text every time', () => {
    const text = renderPipelineJsonSchema(fakeModules);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
    expect(text).toBe(renderPipelineJsonSchema(fakeModules));
    expect(text.split('\n')[1]).toBe('  "$schema": "http://json-schema.org/draft-07/schema#",');
    const keys = Object.keys(JSON.parse(text) as Json);
    expect(keys).toEqual([...keys].sort());
  });
});
