import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { StageInputError } from '../../../src/errors';
import { packDir, unpackTar } from '../../../src/store/tar';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tinyops-tar-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Write files (path → content) under root; a path ending in '/' is an empty directory. */
function makeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    if (rel.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

/** Every file and directory under root with content and executable bit, for comparisons. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      const st = statSync(path);
      if (st.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(path);
      } else out[rel] = `${(st.mode & 0o111) !== 0 ? 'x' : '-'}:${readFileSync(path, 'utf8')}`;
    }
  };
  walk(root);
  return out;
}

const TREE = {
  'labels.txt': 'yes\nno\n',
  'yes/0001.wav': 'RIFF....yes-1',
  'yes/0002.wav': 'RIFF....yes-2',
  'no/0001.wav': 'RIFF....no-1',
  'no/ünï/ø.txt': 'unicode names',
  'empty/': '',
  'big.bin': 'z'.repeat(70_000), // spans many blocks and read chunks
  'a-b': 'sorts before a/',
  'a/b': 'inside a',
};

async function packTree(name: string, files: Record<string, string>): Promise<Buffer> {
  const dir = join(work, name);
  makeTree(dir, files);
  await packDir(dir, join(work, `${name}.tar`));
  return readFileSync(join(work, `${name}.tar`));
}

describe('packDir', () => {
  it('gives identical bytes for the same content, whatever the mtimes, permissions or creation order', async () => {
    const first = await packTree('one', TREE);
    await packDir(join(work, 'one'), join(work, 'again.tar'));
    expect(readFileSync(join(work, 'again.tar')).equals(first)).toBe(true);

    const reversed = Object.fromEntries(Object.entries(TREE).reverse());
    const dir = join(work, 'two');
    makeTree(dir, reversed);
    utimesSync(join(dir, 'labels.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    utimesSync(join(dir, 'yes'), new Date('2030-05-05'), new Date('2030-05-05'));
    chmodSync(join(dir, 'big.bin'), 0o600); // not executable: still 0644 in the archive
    await packDir(dir, join(work, 'two.tar'));
    expect(readFileSync(join(work, 'two.tar')).equals(first)).toBe(true);
  });

  it('reports each regular file packed, in archive order, with the total (directories not counted)', async () => {
    const base = await packTree('base', TREE);
    const calls: Array<[number, number]> = [];
    await packDir(join(work, 'base'), join(work, 'reported.tar'), (done, total) => calls.push([done, total]));
    const files = Object.keys(TREE).filter((k) => !k.endsWith('/')).length;
    expect(calls).toEqual(Array.from({ length: files }, (_, i) => [i + 1, files]));
    expect(readFileSync(join(work, 'reported.tar')).equals(base)).toBe(true); // the same bytes
  });

  it('changes when content, names or the executable bit change', async () => {
    const base = await packTree('base', TREE);
    expect((await packTree('content', { ...TREE, 'labels.txt': 'yes\nnO\n' })).equals(base)).toBe(false);
    const renamed: Record<string, string> = { ...TREE, 'labels2.txt': TREE['labels.txt'] };
    delete renamed['labels.txt'];
    expect((await packTree('renamed', renamed)).equals(base)).toBe(false);
    makeTree(join(work, 'exec'), TREE);
    chmodSync(join(work, 'exec', 'labels.txt'), 0o755);
    await packDir(join(work, 'exec'), join(work, 'exec.tar'));
    expect(readFileSync(join(work, 'exec.tar')).equals(base)).toBe(false);
  });

  it('writes sorted ustar entries with zeroed owner and time that GNU tar reads back', async () => {
    const tar = await packTree('gnu', TREE);
    expect(tar.length % 512).toBe(0);
    const listing = execFileSync('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', join(work, 'gnu.tar')], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    const names = listing
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual([
      'a-b',
      'a/',
      'a/b',
      'big.bin',
      'empty/',
      'labels.txt',
      'no/',
      'no/0001.wav',
      'no/ünï/',
      'no/ünï/ø.txt',
      'yes/',
      'yes/0001.wav',
      'yes/0002.wav',
    ]);
    for (const line of listing.trim().split('\n')) {
      expect(line).toMatch(/^[-d]rw[-x]r-[-x]r-[-x] 0\/0 .* 1970-01-01 00:00 /);
    }
    const out = join(work, 'gnu-out');
    mkdirSync(out);
    execFileSync('tar', ['-xf', join(work, 'gnu.tar'), '-C', out]);
    expect(snapshot(out)).toEqual(snapshot(join(work, 'gnu')));
  });

  it('packs names longer than 100 bytes through the ustar prefix field', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(30)}`; // 152-byte directory
    // + '/' + 100-byte name = 253 bytes: only fits split into prefix and name
    const files = { [`${deep}/${'n'.repeat(96)}.txt`]: 'long', [`${deep}/`]: '' };
    await packTree('long', files);
    const out = join(work, 'long-out');
    await unpackTar(join(work, 'long.tar'), out);
    expect(snapshot(out)).toEqual(snapshot(join(work, 'long')));
    const gnu = join(work, 'long-gnu');
    mkdirSync(gnu);
    execFileSync('tar', ['-xf', join(work, 'long.tar'), '-C', gnu]);
    expect(snapshot(gnu)).toEqual(snapshot(join(work, 'long')));
  });

  it('rejects names that ustar cannot hold', async () => {
    const dir = join(work, 'toolong');
    makeTree(dir, { [`${'x'.repeat(101)}.txt`]: 'one segment over 100 bytes' });
    await expect(packDir(dir, join(work, 't.tar'))).rejects.toThrow(/ustar allows a 100-byte name/);
    const dir2 = join(work, 'toolong2');
    makeTree(dir2, { [`${'p'.repeat(160)}/short.txt`]: 'prefix over 155 bytes' });
    await expect(packDir(dir2, join(work, 't2.tar'))).rejects.toBeInstanceOf(StageInputError);
    expect(existsSync(join(work, 't.tar'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rejects symbolic links with a clear error', async () => {
    const dir = join(work, 'links');
    makeTree(dir, { 'real.txt': 'x' });
    symlinkSync('real.txt', join(dir, 'alias.txt'));
    await expect(packDir(dir, join(work, 'l.tar'))).rejects.toThrow(/alias\.txt is a symbolic link/);
  });
});

describe('unpackTar', () => {
  it('round-trips a directory, keeping the executable bit', async () => {
    const dir = join(work, 'src');
    makeTree(dir, TREE);
    chmodSync(join(dir, 'yes', '0001.wav'), 0o755);
    await packDir(dir, join(work, 'src.tar'));
    await unpackTar(join(work, 'src.tar'), join(work, 'nested', 'dest'));
    expect(snapshot(join(work, 'nested', 'dest'))).toEqual(snapshot(dir));
    expect(readdirSync(join(work, 'nested'))).toEqual(['dest']); // no temp dir left behind
  });

  it('round-trips an empty directory', async () => {
    mkdirSync(join(work, 'empty'));
    await packDir(join(work, 'empty'), join(work, 'empty.tar'));
    expect(readFileSync(join(work, 'empty.tar')).length).toBe(1024);
    await unpackTar(join(work, 'empty.tar'), join(work, 'out'));
    expect(readdirSync(join(work, 'out'))).toEqual([]);
  });

  it('reads ustar archives written by GNU tar', async () => {
    makeTree(join(work, 'g'), { 'a.txt': 'A', 'sub/b.txt': 'B', 'sub/empty/': '' });
    execFileSync('tar', ['--format=ustar', '-cf', join(work, 'g.tar'), '-C', join(work, 'g'), '.']);
    await unpackTar(join(work, 'g.tar'), join(work, 'g-out'));
    expect(snapshot(join(work, 'g-out'))).toEqual(snapshot(join(work, 'g')));
  });

  it.each([
    ['../evil.txt', /refusing path with "\.\."/],
    ['ok/../../evil.txt', /refusing path with "\.\."/],
    ['/etc/evil.txt', /refusing absolute path/],
  ])('rejects the unsafe path %s and writes nothing', async (name, message) => {
    const tar = join(work, 'evil.tar');
    writeFileSync(tar, Buffer.concat([rawEntry('fine.txt', 'ok'), rawEntry(name, 'pwned'), Buffer.alloc(1024)]));
    const dest = join(work, 'inside', 'dest');
    await expect(unpackTar(tar, dest)).rejects.toThrow(message);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(join(work, 'inside'))).toEqual([]);
    expect(existsSync(join(work, 'evil.txt'))).toBe(false);
    expect(existsSync(join(work, 'inside', 'evil.txt'))).toBe(false);
  });

  it('rejects entry types other than file and directory (e.g. a symlink)', async () => {
    const tar = join(work, 'link.tar');
    writeFileSync(tar, Buffer.concat([rawEntry('link', '', '2'), Buffer.alloc(1024)]));
    await expect(unpackTar(tar, join(work, 'out'))).rejects.toThrow(/type '2'/);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('rejects a truncated archive without creating the destination', async () => {
    const dir = join(work, 'src');
    makeTree(dir, TREE);
    await packDir(dir, join(work, 'full.tar'));
    const full = readFileSync(join(work, 'full.tar'));
    writeFileSync(join(work, 'cut.tar'), full.subarray(0, Math.floor(full.length / 2)));
    await expect(unpackTar(join(work, 'cut.tar'), join(work, 'out'))).rejects.toThrow(/truncated/);
    expect(existsSync(join(work, 'out'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rejects a header with a bad checksum', async () => {
    const entry = rawEntry('a.txt', 'x');
    entry[0] = 'b'.charCodeAt(0); // name changed after the checksum was computed
    writeFileSync(join(work, 'bad.tar'), Buffer.concat([entry, Buffer.alloc(1024)]));
    await expect(unpackTar(join(work, 'bad.tar'), join(work, 'out'))).rejects.toThrow(/checksum/);
  });

  it('refuses to replace a non-empty destination', async () => {
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src', 'f'), 'new');
    await packDir(join(work, 'src'), join(work, 's.tar'));
    makeTree(join(work, 'dest'), { old: 'old' });
    await expect(unpackTar(join(work, 's.tar'), join(work, 'dest'))).rejects.toThrow();
    expect(snapshot(join(work, 'dest'))).toEqual({ old: '-:old' });
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

/** A hand-made ustar entry (header + padded data), to build archives packDir never would. */
function rawEntry(name: string, content: string, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\u000000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
  data.write(content);
  return Buffer.concat([h, data]);
}
