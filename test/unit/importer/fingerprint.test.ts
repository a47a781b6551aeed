import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../../src/errors';
import { fingerprintFolder } from '../../../src/importer/fingerprint';
import { clip16k, writeTree } from '../../helpers/wav-fixtures';

describe('fingerprintFolder', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'import-fp-'));
    writeTree(root, { 'yes/a.wav': clip16k(1), 'no/b.wav': clip16k(2), 'testing_list.txt': 'yes/a.wav\n' });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is a stable sha256 for an unchanged folder', async () => {
    const fp = await fingerprintFolder(root);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprintFolder(root)).toBe(fp);
  });

  it('changes when a file is rewritten, even with the same size', async () => {
    const before = await fingerprintFolder(root);
    const file = join(root, 'yes/a.wav');
    const old = statSync(file).mtime;
    writeFileSync(file, clip16k(3)); // same length, other bytes
    utimesSync(file, old, new Date(old.getTime() + 5000)); // mtime granularity must not hide the edit
    expect(await fingerprintFolder(root)).not.toBe(before);
  });

  it('changes when a file is added, removed or resized', async () => {
    const fps = [await fingerprintFolder(root)];
    writeFileSync(join(root, 'no/c.wav'), clip16k(4));
    fps.push(await fingerprintFolder(root));
    rmSync(join(root, 'no/b.wav'));
    fps.push(await fingerprintFolder(root));
    const list = join(root, 'testing_list.txt');
    const t = statSync(list);
    writeFileSync(list, 'yes/a.wav\nno/c.wav\n');
    utimesSync(list, t.atime, t.mtime); // same mtime: the size alone must show the change
    fps.push(await fingerprintFolder(root));
    expect(new Set(fps).size).toBe(4);
  });

  it('throws StageInputError for a missing folder', async () => {
    await expect(fingerprintFolder(join(root, 'nope'))).rejects.toThrow(StageInputError);
    await expect(fingerprintFolder(join(root, 'testing_list.txt'))).rejects.toThrow(
      `${join(root, 'testing_list.txt')}: not a directory`,
    );
  });
});
