import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../../src/errors';
import { scanSpeechCommandsFolder } from '../../../src/importer/folder-scan';
import { assertDocKey } from '../../../src/store/artifact-store';
import { clip16k, writeTree } from '../../helpers/wav-fixtures';

/** Imported paths and artifact keys cannot escape their roots (issue #15 "security"). */
describe('roots', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tinyops-escape-'));
    writeTree(join(root, 'data'), { 'yes/a_nohash_0.wav': clip16k(1), 'no/b_nohash_0.wav': clip16k(2) });
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'secret.wav'), clip16k(3));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('an import refuses a symbolic link that leads out of the folder, naming it', async () => {
    symlinkSync(join(root, 'outside', 'secret.wav'), join(root, 'data', 'yes', 'c_nohash_0.wav'));
    const err = await scanSpeechCommandsFolder(join(root, 'data'), 'data', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageInputError);
    expect((err as Error).message).toContain(
      `a symbolic link to ${join(root, 'outside', 'secret.wav')}, outside the imported folder`,
    );
  });

  it('an import follows a symbolic link that stays inside the folder', async () => {
    symlinkSync(join(root, 'data', 'yes', 'a_nohash_0.wav'), join(root, 'data', 'no', 'c_nohash_0.wav'));
    const scan = await scanSpeechCommandsFolder(join(root, 'data'), 'data', undefined);
    expect(scan.clips).toHaveLength(3);
  });

  it.each(['../x.json', '/etc/passwd', 'runs/../../x', 'a//b', ''])('a store document key %j is refused', (key) => {
    expect(() => assertDocKey(key)).toThrow();
  });
});
