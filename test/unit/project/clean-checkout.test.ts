import { execFileSync } from 'node:child_process';
import { repoRoot as repoRootDir } from '../../helpers/cli';

/**
 * Setup (which `npm test` runs first) must leave a fresh clone clean: the run record's
 * `git.dirty` is how lineage tells a clean build from an edited one (issue #15). npm 11
 * used to add the optional @swc/core platform entries to package-lock.json on every install;
 * the committed lock now holds them. If this fails after changing dependencies, commit the
 * package-lock.json that `npm install --ignore-scripts` wrote.
 */
describe('the checkout after setup', () => {
  it('has package-lock.json exactly as committed', () => {
    const diff = execFileSync('git', ['-C', repoRootDir, 'diff', '--stat', '--', 'package-lock.json'], {
      encoding: 'utf8',
    });
    expect(diff).toBe('');
  });
});
