import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PipelineSpecError, TinyopsError } from '../../../src/errors';
import { loadPipelineFile, parsePipeline } from '../../../src/spec/load-pipeline';
import { stageModules } from '../../../activities';
import { fakeModules } from './fake-modules';
import { fixture, loadFixture, problemsOf, repoRoot } from './helpers';

describe('loading good pipelines', () => {
  test('kws.yaml resolves with every default filled in', () => {
    const p = loadFixture('good/kws.yaml');
    expect(p).toEqual({
      name: 'kws',
      seed: 42,
      board: 'stm32f746zg',
      stages: [
        {
          name: 'data',
          kind: 'synth-kws',
          needs: [],
          config: { keywords: ['yes', 'no', 'up', 'down'], perKeyword: 20, noise: { color: 'white', snrDb: 10 } },
        },
        {
          name: 'features',
          kind: 'features',
          needs: ['data'],
          config: { type: 'mfcc', windowMs: 40, coefficients: 10 },
        },
        {
          name: 'train',
          kind: 'train',
          needs: ['features'],
          config: { epochs: 5, quantization: { bits: [4, 8], regularizer: 'reg-n', lambda: 0.01 } },
        },
      ],
      schedule: { cron: '0 3 * * 1' },
      source: fixture('good/kws.yaml'),
    });
  });

  test('YAML 1.2 keeps yes/no/on/off as strings (they are keywords, not booleans)', () => {
    expect(loadFixture('good/kws.yaml').stages[0]?.config.keywords).toEqual(['yes', 'no', 'up', 'down']);
  });

  test('a missing `with:` and optional top-level keys take their defaults; absent keys stay absent', () => {
    const p = loadFixture('good/minimal.yaml');
    expect(p.seed).toBe(0);
    expect(p.stages).toEqual([
      {
        name: 'data',
        kind: 'synth-kws',
        needs: [],
        config: { keywords: ['yes', 'no'], perKeyword: 300, noise: { color: 'white', snrDb: 10 } },
      },
    ]);
    expect(Object.keys(p)).toEqual(['name', 'seed', 'stages', 'source']); // no board/schedule: undefined
  });

  test('stages come in topological order, ties in file order; `with: {}` means defaults', () => {
    const p = loadFixture('good/order.yaml');
    expect(p.stages.map((s) => s.name)).toEqual(['report', 'data', 'features', 'train']);
    expect(p.stages.find((s) => s.name === 'data')?.config).toEqual({
      keywords: ['yes', 'no'],
      perKeyword: 300,
      noise: { color: 'white', snrDb: 10 },
    });
  });

  test('the resolved pipeline survives a JSON round trip (it crosses Temporal payloads)', () => {
    const p = loadFixture('good/kws.yaml');
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('boards', () => {
  test('a known board passes', () => {
    expect(loadFixture('good/kws.yaml', { boards: ['stm32f746zg', 'mps2-an386'] }).board).toBe('stm32f746zg');
  });

  test('an unknown board is reported with a suggestion', () => {
    expect(problemsOf('good/kws.yaml', { boards: ['stm32f746ng', 'mps2-an386'] })).toEqual([
      `${fixture('good/kws.yaml')}:4:8: board: unknown board "stm32f746zg", did you mean "stm32f746ng"?`,
    ]);
  });
});

describe('loadPipelineFile', () => {
  test('reads a file and labels problems with the path as given', () => {
    const file = path.join(repoRoot, fixture('bad/unknown-kind.yaml'));
    expect(() => loadPipelineFile(file, { modules: fakeModules })).toThrow(
      `${file}:4:11: stages.data.kind: unknown stage kind`,
    );
  });

  test('a missing file is a clean TinyopsError, not an ENOENT stack', () => {
    let error: unknown;
    try {
      loadPipelineFile('pipelines/does-not-exist.yaml', { modules: fakeModules });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TinyopsError);
    expect((error as Error).message).toBe('pipelines/does-not-exist.yaml: cannot read file: no such file');
  });

  test('a directory is reported as such', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tinyops-spec-'));
    expect(() => loadPipelineFile(dir, { modules: fakeModules })).toThrow(`${dir}: cannot read file: is a directory`);
  });

  test('a good file loads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tinyops-spec-'));
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, 'name: p\nstages:\n  t:\n    kind: train\n');
    expect(loadPipelineFile(file, { modules: fakeModules }).stages[0]?.config).toEqual({
      epochs: 30,
      quantization: { bits: [8], regularizer: 'reg-n', lambda: 0.01 },
    });
  });
});

describe('parsePipeline edge cases', () => {
  const parse = (text: string) => parsePipeline(text, 'p.yaml', { modules: fakeModules });
  const problems = (text: string): readonly string[] => {
    try {
      parse(text);
    } catch (e) {
      if (e instanceof PipelineSpecError) return e.problems;
      throw e;
    }
    throw new Error('accepted');
  };

  test('an empty registry rejects every kind and says there are none', () => {
    expect(() => parsePipeline('name: p\nstages:\n  a: {kind: train}\n', 'p.yaml', { modules: [] })).toThrow(
      'p.yaml:3:13: stages.a.kind: unknown stage kind "train"; known stage kinds: none',
    );
  });

  test('a stage that is not a map', () => {
    expect(problems('name: p\nstages:\n  a: train\n')).toEqual(['p.yaml:3:6: stages.a: expected a map, got "train"']);
  });

  test('needs given as a string, not a list', () => {
    expect(problems('name: p\nstages:\n  a: {kind: train}\n  b: {kind: train, needs: a}\n')).toEqual([
      'p.yaml:4:27: stages.b.needs: expected a list, got "a"',
    ]);
  });

  test('a kind that is not a string', () => {
    expect(problems('name: p\nstages:\n  a: {kind: 3}\n')).toEqual([
      'p.yaml:3:13: stages.a.kind: expected one of synth-kws|features|train, got 3',
    ]);
  });

  test('a stage needing a stage twice', () => {
    expect(problems('name: p\nstages:\n  a: {kind: train}\n  b: {kind: train, needs: [a, a]}\n')).toEqual([
      'p.yaml:4:31: stages.b.needs.1: "a" is listed twice',
    ]);
  });

  test('a longer cycle is reported once, starting at the first stage in the file', () => {
    const text =
      'name: p\nstages:\n  x: {kind: train, needs: [z]}\n  y: {kind: train, needs: [x]}\n  z: {kind: train, needs: [y]}\n';
    expect(problems(text)).toEqual(['p.yaml:3:27: stages.x.needs: cycle x -> z -> y -> x']);
  });

  test('YAML anchors and aliases resolve before validation', () => {
    const p = parse('name: p\nstages:\n  a: {kind: train, with: &w {epochs: 2}}\n  b: {kind: train, with: *w}\n');
    expect(p.stages.map((s) => s.config.epochs)).toEqual([2, 2]);
  });

  test('more than one YAML document is an error', () => {
    expect(problems('name: p\n---\nname: q\n')).toEqual([
      'p.yaml:2:1: a pipeline file holds a single YAML document; remove the extra "---"',
    ]);
  });
});

describe('stages that build for a board', () => {
  const text = (board: string) =>
    `name: b\n${board}stages:\n  q:\n    kind: quantize\n  c:\n    kind: codegen\n    needs: [q]\n`;
  it('inherit the pipeline board (so it is part of their config and cache key)', () => {
    const p = parsePipeline(text('board: stm32f446re\n'), 'b.yaml', { modules: stageModules });
    expect(p.stages.find((s) => s.name === 'c')?.config).toEqual(
      expect.objectContaining({ board: 'stm32f446re', kernels: 'auto' }),
    );
    expect(p.stages.find((s) => s.name === 'q')?.config).not.toHaveProperty('board');
  });
  it('without any board are an error naming the stage and the fix', () => {
    expect(() => parsePipeline(text(''), 'b.yaml', { modules: stageModules })).toThrow(
      /b\.yaml:6:11: stages\.c: a codegen stage needs a board: set "board:" at the top of the file/,
    );
  });
});
