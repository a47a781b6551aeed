import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { renderPipelineJsonSchema } from '../../../src/spec/json-schema';
import { writeJsonSchema } from '../../../src/spec/write-json-schema';
import { fakeModules } from './fake-modules';

describe('write-json-schema', () => {
  let out: jest.SpyInstance;
  let err: jest.SpyInstance;
  beforeEach(() => {
    out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => jest.restoreAllMocks());

  test('writes the rendered schema; --check passes on it and fails on a stale or missing file', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tinyops-schema-')), 'tinyops.schema.json');
    expect(writeJsonSchema(fakeModules, file, true)).toBe(1);
    expect(String(err.mock.calls.at(-1)?.[0])).toMatch(
      /tinyops\.schema\.json is missing: run `node dist\/src\/spec\/write-json-schema\.js`/,
    );

    expect(writeJsonSchema(fakeModules, file, false)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(renderPipelineJsonSchema(fakeModules));
    expect(String(out.mock.calls.at(-1)?.[0])).toMatch(/^wrote .*tinyops\.schema\.json\n$/);
    expect(writeJsonSchema(fakeModules, file, true)).toBe(0);

    writeFileSync(file, renderPipelineJsonSchema(fakeModules.slice(1)));
    expect(writeJsonSchema(fakeModules, file, true)).toBe(1);
    expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/is out of date/);
  });
});
