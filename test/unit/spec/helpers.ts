import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PipelineSpecError } from '../../../src/errors';
import { parsePipeline, type LoadOptions, type ResolvedPipeline } from '../../../src/spec/load-pipeline';
import { fakeModules } from './fake-modules';

/** The repository root, from dist/test/unit/spec where jest runs the compiled tests. */
export const repoRoot = path.resolve(__dirname, '../../../..');

/** Fixture labels are repo-relative, so expected messages do not depend on the checkout. */
export function fixture(rel: string): string {
  return `test/fixtures/pipelines/${rel}`;
}

export function loadFixture(rel: string, opts: Partial<LoadOptions> = {}): ResolvedPipeline {
  const label = fixture(rel);
  return parsePipeline(readFileSync(path.join(repoRoot, label), 'utf8'), label, { modules: fakeModules, ...opts });
}

/** The problems a fixture is rejected with; fails the test if it is accepted. */
export function problemsOf(rel: string, opts: Partial<LoadOptions> = {}): readonly string[] {
  try {
    loadFixture(rel, opts);
  } catch (e) {
    if (e instanceof PipelineSpecError) return e.problems;
    throw e;
  }
  throw new Error(`${rel} was accepted`);
}
