import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { downstreamOf, findCycle, topologicalOrder } from '../../../src/spec/plan';
import { repoRoot } from './helpers';

const graph = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
const stages = (entries: Record<string, string[]>) => Object.entries(entries).map(([name, needs]) => ({ name, needs }));

describe('findCycle', () => {
  test('none in a DAG', () => {
    expect(findCycle(graph({ data: [], features: ['data'], train: ['features', 'data'] }))).toBeUndefined();
  });

  test('a two-stage cycle as a closed walk', () => {
    expect(findCycle(graph({ a: ['b'], b: ['a'] }))).toEqual(['a', 'b', 'a']);
  });

  test('rotated to start at the first stage in map order, wherever the search entered', () => {
    // The search starts at `root` and enters the cycle at `z`; the message starts at `x`.
    expect(findCycle(graph({ root: ['z'], x: ['y'], y: ['z'], z: ['x'] }))).toEqual(['x', 'y', 'z', 'x']);
  });

  test('a self-loop', () => {
    expect(findCycle(graph({ a: ['a'] }))).toEqual(['a', 'a']);
  });

  test('names outside the graph are leaves', () => {
    expect(findCycle(graph({ a: ['missing'] }))).toBeUndefined();
  });
});

describe('topologicalOrder', () => {
  test('needs first, ties in file order', () => {
    expect(topologicalOrder(stages({ train: ['features', 'data'], report: [], features: ['data'], data: [] }))).toEqual(
      ['report', 'data', 'features', 'train'],
    );
  });

  test('independent stages keep file order', () => {
    expect(topologicalOrder(stages({ c: [], a: [], b: [] }))).toEqual(['c', 'a', 'b']);
  });

  test('a diamond', () => {
    expect(topologicalOrder(stages({ eval: ['train', 'quant'], quant: ['train'], train: ['data'], data: [] }))).toEqual(
      ['data', 'train', 'quant', 'eval'],
    );
  });

  test('throws on a cycle or an unknown name (callers validate first)', () => {
    expect(() => topologicalOrder(stages({ a: ['b'], b: ['a'] }))).toThrow('cycle among stages a, b');
    expect(() => topologicalOrder(stages({ a: ['nope'] }))).toThrow('stage "a" needs unknown stage "nope"');
  });
});

describe('downstreamOf', () => {
  const kws = stages({
    data: [],
    features: ['data'],
    search: ['features'],
    train: ['features', 'search'],
    evaluate: ['train', 'data'],
    report: ['evaluate'],
  });

  test('everything that depends on a stage, transitively, not the stage itself', () => {
    expect([...downstreamOf(kws, 'search')].sort()).toEqual(['evaluate', 'report', 'train']);
    expect([...downstreamOf(kws, 'data')].sort()).toEqual(['evaluate', 'features', 'report', 'search', 'train']);
  });

  test('a leaf has nothing downstream', () => {
    expect(downstreamOf(kws, 'report').size).toBe(0);
  });
});

describe('plan.ts stays workflow-safe', () => {
  test('imports nothing (it is bundled into Temporal workflow code)', () => {
    const source = readFileSync(path.join(repoRoot, 'src/spec/plan.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\b|\brequire\(/m);
  });
});
