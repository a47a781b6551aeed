/**
 * Every malformed fixture under test/fixtures/pipelines/bad/ with the exact lines a user
 * sees: `file:line:col: path: message`, columns counted from 1 at the offending node.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { problemsOf, repoRoot } from './helpers';

const bad = (name: string): string => `test/fixtures/pipelines/bad/${name}`;

const cases: ReadonlyArray<[string, readonly string[]]> = [
  [
    'syntax-error.yaml',
    [
      // Where the unclosed `[` was opened, once (the parser complains twice, at the end of the line).
      `${bad('syntax-error.yaml')}:5:22: invalid YAML: "[" is never closed; expected "]" before line 5, col 30`,
    ],
  ],
  ['tab-indent.yaml', [`${bad('tab-indent.yaml')}:4:1: tabs are not allowed as indentation; indent with spaces`]],
  ['duplicate-key.yaml', [`${bad('duplicate-key.yaml')}:7:7: stages.data.with: duplicate key "perKeyword"`]],
  ['missing-name.yaml', [`${bad('missing-name.yaml')}:2:1: missing required key "name"`]],
  ['missing-kind.yaml', [`${bad('missing-kind.yaml')}:4:5: stages.data: missing required key "kind"`]],
  [
    'string-for-int.yaml',
    [`${bad('string-for-int.yaml')}:6:19: stages.data.with.perKeyword: expected a positive integer, got "thirty"`],
  ],
  [
    'float-for-int.yaml',
    [`${bad('float-for-int.yaml')}:5:20: stages.train.with.epochs: expected a positive integer, got 2.5`],
  ],
  ['negative-seed.yaml', [`${bad('negative-seed.yaml')}:2:7: seed: expected at least 0, got -3`]],
  [
    'enum-mismatch.yaml',
    [`${bad('enum-mismatch.yaml')}:7:16: stages.data.with.noise.color: expected one of white|pink|brown, got "blue"`],
  ],
  ['unknown-top-key.yaml', [`${bad('unknown-top-key.yaml')}:2:1: unknown key "sede", did you mean "seed"?`]],
  [
    'unknown-with-key.yaml',
    [
      `${bad('unknown-with-key.yaml')}:6:7: stages.data.with: unknown key "perKeywrd", did you mean "perKeyword"?`,
      `${bad('unknown-with-key.yaml')}:7:7: stages.data.with: unknown key "loudness"; allowed keys: keywords, perKeyword, noise`,
    ],
  ],
  [
    'unknown-kind.yaml',
    [`${bad('unknown-kind.yaml')}:4:11: stages.data.kind: unknown stage kind "synth-kw", did you mean "synth-kws"?`],
  ],
  [
    'needs-unknown.yaml',
    [`${bad('needs-unknown.yaml')}:10:19: stages.train.needs.1: unknown stage "featurs", did you mean "features"?`],
  ],
  ['needs-cycle.yaml', [`${bad('needs-cycle.yaml')}:7:12: stages.a.needs: cycle a -> b -> a`]],
  ['self-need.yaml', [`${bad('self-need.yaml')}:5:13: stages.data.needs.0: stage "data" cannot need itself`]],
  ['empty-stages.yaml', [`${bad('empty-stages.yaml')}:2:9: stages: expected at least one stage, got an empty map`]],
  ['stages-not-map.yaml', [`${bad('stages-not-map.yaml')}:3:3: stages: expected a map, got a list`]],
  [
    'list-for-map.yaml',
    [`${bad('list-for-map.yaml')}:6:21: stages.train.with.quantization: expected a map, got a list`],
  ],
  [
    'nested-type.yaml',
    [
      `${bad('nested-type.yaml')}:6:29: stages.train.with.quantization.bits.0: expected one of 1|2|4|8, got 3`,
      `${bad('nested-type.yaml')}:6:41: stages.train.with.quantization.lambda: expected a non-negative number, got "fast"`,
    ],
  ],
  // An empty value has no text of its own, so the problem points at its key.
  ['empty-with.yaml', [`${bad('empty-with.yaml')}:5:5: stages.data.with: expected a map, got null`]],
  ['empty-list.yaml', [`${bad('empty-list.yaml')}:6:17: stages.data.with.keywords: expected at least 1 item, got 0`]],
  [
    'bad-names.yaml',
    [
      `${bad('bad-names.yaml')}:1:7: name: expected a name of lowercase letters, digits, "-" and "_" that starts with a letter, got "KWS"`,
      `${bad('bad-names.yaml')}:3:3: stages: expected a name of lowercase letters, digits, "-" and "_" that starts with a letter, got "Data"`,
    ],
  ],
  [
    'bad-schedule.yaml',
    [
      `${bad('bad-schedule.yaml')}:6:3: schedule: expected exactly one of "cron" and "every"`,
      `${bad('bad-schedule.yaml')}:6:9: schedule.cron: expected a cron expression with 5 fields "minute hour day-of-month month day-of-week", got "0 3 *"`,
      `${bad('bad-schedule.yaml')}:7:10: schedule.every: expected an interval like "30m", "6h" or "1d", got "week"`,
    ],
  ],
  ['empty-file.yaml', [`${bad('empty-file.yaml')}:1:1: the file is empty; expected a map with "name" and "stages"`]],
  ['top-level-list.yaml', [`${bad('top-level-list.yaml')}:1:1: expected a map, got a list`]],
  // All problems of a file in one error, in file order, though zod and the needs check find them separately.
  [
    'many-problems.yaml',
    [
      `${bad('many-problems.yaml')}:2:7: seed: expected a non-negative integer, got "fast"`,
      `${bad('many-problems.yaml')}:7:20: stages.train.with.epochs: expected at least 1, got 0`,
      `${bad('many-problems.yaml')}:7:23: stages.train.with: unknown key "epoch", did you mean "epochs"?`,
      `${bad('many-problems.yaml')}:11:35: stages.data.with.noise.snrDb: expected a number, got "loud"`,
    ],
  ],
];

describe('malformed pipeline files', () => {
  test.each(cases)('%s', (file, expected) => {
    expect(problemsOf(`bad/${file}`)).toEqual(expected);
  });

  test('every fixture in bad/ has a case', () => {
    // A fixture added without an expectation would silently test nothing.
    const files = readdirSync(path.join(repoRoot, 'test/fixtures/pipelines/bad'));
    expect(files.sort()).toEqual(cases.map(([f]) => f).sort());
  });
});
