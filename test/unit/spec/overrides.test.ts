import { OverrideError, PipelineSpecError } from '../../../src/errors';
import { parseOverride } from '../../../src/spec/overrides';
import { fixture, loadFixture } from './helpers';

const withSet = (...overrides: string[]) => loadFixture('good/kws.yaml', { overrides });
const configOf = (stage: string, ...overrides: string[]) =>
  withSet(...overrides).stages.find((s) => s.name === stage)?.config;

function problemsWith(...overrides: string[]): readonly string[] {
  try {
    withSet(...overrides);
  } catch (e) {
    if (e instanceof PipelineSpecError) return e.problems;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseOverride', () => {
  test.each([
    ['seed=7', ['seed'], 7],
    ['stages.train.with.epochs=3', ['stages', 'train', 'with', 'epochs'], 3],
    ['x="3"', ['x'], '3'],
    ['x=true', ['x'], true],
    ['x=[a, b]', ['x'], ['a', 'b']],
    ['x={y: 1}', ['x'], { y: 1 }],
    ['x=a=b', ['x'], 'a=b'], // only the first "=" separates
    ['x=', ['x'], null],
  ])('%s', (text, path, value) => {
    expect(parseOverride(text)).toEqual({ text, path, value });
  });

  test.each([
    ['seed', '--set seed: expected path=value, e.g. stages.train.with.epochs=3'],
    ['=3', '--set =3: empty path before "="'],
    ['a..b=1', '--set a..b=1: empty segment in path "a..b"'],
    ['stages.=1', '--set stages.=1: empty segment in path "stages."'],
    ['x=[1, 2', '--set x=[1, 2: value is not valid YAML: Flow sequence must end with a ]'],
    // Found by test/unit/spec/yaml-fuzz.test.ts: an alias without its anchor failed only in toJS, as a ReferenceError.
    ['x=*a', '--set x=*a: value is not valid YAML: Unresolved alias (the anchor must be set before the alias): a'],
  ])('malformed %s', (text, message) => {
    expect(() => parseOverride(text)).toThrow(new OverrideError(message));
  });
});

describe('--set applied to a pipeline', () => {
  test('sets an existing top-level key', () => {
    expect(withSet('seed=7').seed).toBe(7);
  });

  test('sets an existing stage option', () => {
    expect(configOf('train', 'stages.train.with.epochs=3')).toMatchObject({ epochs: 3 });
  });

  test('sets a key the file leaves to its default, creating the maps on the way', () => {
    expect(configOf('data', 'stages.data.with.noise.color=pink')).toMatchObject({
      noise: { color: 'pink', snrDb: 10 },
    });
    expect(configOf('features', 'stages.features.with.coefficients=13')).toMatchObject({ coefficients: 13 });
    const p = loadFixture('good/minimal.yaml', { overrides: ['stages.data.with.perKeyword=5'] });
    expect(p.stages[0]?.config).toMatchObject({ perKeyword: 5 });
  });

  test('addresses list items by index and may append one', () => {
    expect(configOf('data', 'stages.data.with.keywords.0=maybe', 'stages.data.with.keywords.4=left')).toMatchObject({
      keywords: ['maybe', 'no', 'up', 'down', 'left'],
    });
  });

  test('takes flow values: a whole list, a map', () => {
    expect(configOf('data', 'stages.data.with.keywords=[on, off]')).toMatchObject({ keywords: ['on', 'off'] });
    expect(configOf('train', 'stages.train.with.quantization={bits: [2]}')).toMatchObject({
      quantization: { bits: [2], lambda: 0.01 },
    });
  });

  test('a later override wins', () => {
    expect(withSet('seed=1', 'seed=2').seed).toBe(2);
  });

  test('a bad value is reported against the override, not a file position', () => {
    expect(problemsWith('stages.train.with.epochs=x')).toEqual([
      '--set stages.train.with.epochs=x: stages.train.with.epochs: expected a positive integer, got "x"',
    ]);
    expect(problemsWith('stages.train.with.epochs="3"')).toEqual([
      '--set stages.train.with.epochs="3": stages.train.with.epochs: expected a positive integer, got "3"',
    ]);
  });

  test('an unknown key set by an override gets a suggestion', () => {
    expect(problemsWith('stages.train.with.epoch=3')).toEqual([
      '--set stages.train.with.epoch=3: stages.train.with: unknown key "epoch", did you mean "epochs"?',
    ]);
  });

  test('a stage an override invents is reported against the override', () => {
    expect(problemsWith('stages.extra.with.epochs=3')).toEqual([
      '--set stages.extra.with.epochs=3: stages.extra: missing required key "kind"',
    ]);
  });

  test('problems from the file and from overrides come together: file first, then overrides in order', () => {
    let problems: readonly string[] = [];
    try {
      loadFixture('bad/negative-seed.yaml', { overrides: ['stages.data.with.noise.color=blue', 'board=[x]'] });
    } catch (e) {
      problems = e instanceof PipelineSpecError ? e.problems : [];
    }
    expect(problems).toEqual([
      `${fixture('bad/negative-seed.yaml')}:2:7: seed: expected at least 0, got -3`,
      '--set stages.data.with.noise.color=blue: stages.data.with.noise.color: expected one of white|pink|brown, got "blue"',
      '--set board=[x]: board: expected a string, got a list',
    ]);
  });

  test.each([
    [
      'stages.data.with.keywords.9=x',
      '--set stages.data.with.keywords.9=x: stages.data.with.keywords has 4 items; index 9 is out of range',
    ],
    [
      'stages.data.with.keywords.x=1',
      '--set stages.data.with.keywords.x=1: stages.data.with.keywords is a list; "x" is not an index',
    ],
    [
      'stages.data.kind.x=1',
      '--set stages.data.kind.x=1: cannot set "stages.data.kind.x": stages.data.kind is the value "synth-kws", not a map or list',
    ],
    ['name', '--set name: expected path=value, e.g. stages.train.with.epochs=3'],
  ])('an override that names nothing settable: %s', (override, message) => {
    expect(() => withSet(override)).toThrow(new OverrideError(message));
  });
});
