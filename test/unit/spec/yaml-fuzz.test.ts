import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stageModules } from '../../../activities';
import { boardNames } from '../../../src/boards/registry';
import { PipelineSpecError, OverrideError } from '../../../src/errors';
import { parsePipeline } from '../../../src/spec/load-pipeline';
import { repoRoot } from './helpers';

/**
 * Property-based fuzzing of the pipeline loader (issue #15): whatever the bytes, loading
 * either succeeds or throws a PipelineSpecError whose every line is positioned
 * (`file:line:col: …` or `file: …`), never another exception or a stack trace.
 */
const LABEL = 'fuzz.yaml';
const opts = { modules: stageModules, boards: boardNames };
const seeds = ['pipelines/kws.yaml', 'test/fixtures/pipelines/tiny-kws.yaml'].map((f) =>
  readFileSync(path.join(repoRoot, f), 'utf8'),
);
const runs = Number(process.env.TINYOPS_FUZZ_RUNS ?? 300);

function outcome(text: string, overrides: string[] = []): 'ok' | string[] {
  try {
    parsePipeline(text, LABEL, { ...opts, overrides });
    return 'ok';
  } catch (e) {
    if (e instanceof PipelineSpecError) return [...e.problems];
    if (e instanceof OverrideError) return [`${LABEL}: ${e.message}`];
    throw e; // fails the property, with the input that caused it
  }
}

const positioned = /^fuzz\.yaml(:\d+:\d+)?: \S/;

/** One edit of a text: delete, insert or replace a run of characters with YAML-significant ones. */
const yamlChars = fc.constantFrom(...'[]{}:,-#&*!|>\'"%@` \n\t?abc0129.'.split(''));
const edit = fc.record({
  at: fc.nat(),
  del: fc.nat({ max: 8 }),
  ins: fc.array(yamlChars, { maxLength: 6 }).map((a) => a.join('')),
});

function applyEdits(text: string, edits: ReadonlyArray<{ at: number; del: number; ins: string }>): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    t = t.slice(0, at) + e.ins + t.slice(at + e.del);
  }
  return t;
}

describe('pipeline loader under fuzzing', () => {
  it('mutated shipped pipelines load or fail with positioned messages only', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }), (seed, edits) => {
        const r = outcome(applyEdits(seed, edits));
        if (r !== 'ok') for (const line of r) expect(line).toMatch(positioned);
      }),
      { numRuns: runs, seed: 20261204 },
    );
  });

  it('arbitrary text fails with positioned messages only', () => {
    fc.assert(
      fc.property(
        fc.array(yamlChars, { maxLength: 200 }).map((a) => a.join('')),
        (text) => {
          const r = outcome(text);
          if (r !== 'ok')
            for (const line of r) {
              expect(line).toMatch(positioned);
              expect(line).not.toMatch(/\n\s+at /);
            }
        },
      ),
      { numRuns: runs, seed: 7 },
    );
  });

  it('arbitrary --set overrides never escape as other errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (override) => {
        const r = outcome(seeds[1]!, [override]);
        // Problems with an override are reported against the override itself.
        if (r !== 'ok') for (const line of r) expect(line).toMatch(/^(fuzz\.yaml(:\d+:\d+)?|--set [^\n]*?): \S/);
      }),
      { numRuns: runs, seed: 11 },
    );
  });

  it('an unclosed [ or { is reported where it was opened', () => {
    const base = seeds[1]!;
    const lines = base.split('\n');
    // Lines of the form `  key: value` whose value can be replaced by an unclosed collection.
    const candidates = lines
      .map((l, i) => [l, i] as const)
      .filter(([l]) => /^\s+[a-z]+: \S/.test(l) && !l.includes('{') && !l.includes('['));
    fc.assert(
      fc.property(fc.constantFrom(...candidates), fc.constantFrom('[', '{'), ([line, index], open) => {
        const colon = line.indexOf(': ');
        const broken = [
          ...lines.slice(0, index),
          `${line.slice(0, colon + 2)}${open}a, b`,
          ...lines.slice(index + 1),
        ].join('\n');
        const r = outcome(broken);
        expect(r).not.toBe('ok');
        expect((r as string[])[0]).toBe(
          `${LABEL}:${index + 1}:${colon + 3}: invalid YAML: "${open}" is never closed; expected "${open === '[' ? ']' : '}'}"` +
            (r as string[])[0]!.slice((r as string[])[0]!.indexOf(' before line')),
        );
      }),
      { numRuns: 50, seed: 3 },
    );
  });
});
