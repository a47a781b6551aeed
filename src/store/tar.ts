import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StageInputError } from '../errors';
import { fsyncPath, tempSuffix } from './digest';

/**
 * Deterministic POSIX ustar for directory artifacts (docs/architecture.md#store-layout: the same directory
 * content must give the same digest, so a re-run that produces the same files is a cache
 * hit downstream).
 *
 * Everything that varies between machines or runs is fixed: entries sorted by UTF-8 bytes
 * of their path, mtime 0, uid/gid 0, empty uname/gname, mode 0644/0755 (only "executable
 * or not" survives), no pax/GNU extensions. Only regular files and directories: a symlink
 * could point outside the artifact, so it is an error rather than silently followed.
 * Names longer than 100 bytes use the ustar prefix field (up to 155 + 1 + 100 bytes).
 */

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const MAX_SIZE = 8 ** 11 - 1; // 11 octal digits in the size field (8 GiB)

interface Entry {
  /** Archive path, `/`-separated; directories end with `/`. */
  readonly name: string;
  readonly abs: string;
  readonly dir: boolean;
  readonly size: number;
  readonly mode: number;
}

/**
 * Pack `dir` (its contents, not the directory itself) into `tarPath`, atomically.
 * `onFile(done, total)` is called after each regular file is written: packing a dataset of tens
 * of thousands of clips takes minutes on a loaded machine, and a stage reports it as progress so
 * its heartbeats do not go silent (activities/stage-context.ts storeDir).
 */
export async function packDir(
  dir: string,
  tarPath: string,
  onFile?: (done: number, total: number) => void,
): Promise<void> {
  const root = resolve(dir);
  const st = await lstat(root);
  if (!st.isDirectory()) throw new StageInputError(`cannot pack ${root}: not a directory`);
  const entries = await listEntries(root);
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const headers = entries.map((e) => ustarHeader(e)); // all name errors before any write

  const dest = resolve(tarPath);
  const tmp = `${dest}.tmp-${tempSuffix()}`;
  try {
    await pipeline(Readable.from(archiveChunks(entries, headers, onFile)), createWriteStream(tmp, { flags: 'wx' }));
    await fsyncPath(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function listEntries(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (abs: string, relDir: string): Promise<void> => {
    for (const name of await readdir(abs)) {
      const path = join(abs, name);
      const st = await lstat(path);
      const rel = relDir + name;
      if (st.isDirectory()) {
        out.push({ name: `${rel}/`, abs: path, dir: true, size: 0, mode: 0o755 });
        await walk(path, `${rel}/`);
      } else if (st.isFile()) {
        const mode = (st.mode & 0o111) !== 0 ? 0o755 : 0o644;
        out.push({ name: rel, abs: path, dir: false, size: st.size, mode });
      } else {
        const what = st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file or directory';
        throw new StageInputError(
          `cannot pack ${root}: ${rel} is ${what}; directory artifacts hold regular files and directories only`,
        );
      }
    }
  };
  await walk(root, '');
  return out;
}

async function* archiveChunks(
  entries: readonly Entry[],
  headers: readonly Buffer[],
  onFile?: (done: number, total: number) => void,
): AsyncGenerator<Buffer> {
  const files = entries.filter((e) => !e.dir).length;
  let filesDone = 0;
  for (const [i, e] of entries.entries()) {
    yield headers[i] as Buffer;
    if (e.dir) continue;
    let n = 0;
    for await (const chunk of createReadStream(e.abs)) {
      n += (chunk as Buffer).length;
      if (n > e.size) break;
      yield chunk as Buffer;
    }
    // The header already promised `size` bytes; a file that changed underneath would
    // silently corrupt every later entry.
    if (n !== e.size) throw new Error(`${e.abs} changed size while it was being packed`);
    onFile?.(++filesDone, files);
    const pad = (BLOCK - (e.size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield ZERO_BLOCK;
  yield ZERO_BLOCK;
}

/** The 512-byte ustar header of an entry. */
function ustarHeader(e: Entry): Buffer {
  if (e.size > MAX_SIZE) throw new StageInputError(`cannot pack ${e.abs}: files over 8 GiB are not supported`);
  const { name, prefix } = splitName(e.name);
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  h.write(octal(e.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(e.size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime
  h.write(e.dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii'); // magic "ustar\0", version "00"
  // uname/gname stay empty; devmajor/devminor are zeros like the ids.
  h.write(octal(0, 8), 329, 'ascii');
  h.write(octal(0, 8), 337, 'ascii');
  prefix.copy(h, 345);
  // Checksum: sum of all header bytes with the checksum field read as spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return h;
}

/** Split a path into ustar `name` (<= 100 bytes) and `prefix` (<= 155 bytes) at a `/`. */
function splitName(path: string): { name: Buffer; prefix: Buffer } {
  const bytes = Buffer.from(path, 'utf8');
  if (bytes.length <= 100) return { name: bytes, prefix: Buffer.alloc(0) };
  // The earliest slash that leaves at most 100 bytes after it gives the shortest prefix.
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] !== 0x2f || bytes.length - i - 1 > 100) continue;
    if (i > 155 || i === 0) break;
    return { name: bytes.subarray(i + 1), prefix: bytes.subarray(0, i) };
  }
  throw new StageInputError(
    `cannot pack path "${path}" (${bytes.length} bytes): ustar allows a 100-byte name after a directory prefix of at most 155 bytes`,
  );
}

function octal(n: number, field: number): string {
  return n.toString(8).padStart(field - 1, '0') + '\u0000';
}

/**
 * Extract a tar written by packDir (or any plain ustar of files and directories) into
 * `destDir`, which must not exist yet or be empty. Extraction goes to a sibling temp
 * directory that is renamed into place at the end, so `destDir` is either absent or
 * complete, never half-extracted. Absolute paths, `..` segments and any entry type other
 * than file or directory are rejected before anything is written outside the temp dir.
 */
export async function unpackTar(tarPath: string, destDir: string): Promise<void> {
  const dest = resolve(destDir);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${tempSuffix()}`;
  await mkdir(tmp);
  try {
    await extractInto(resolve(tarPath), tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

interface OpenFile {
  fh: FileHandle;
  remaining: number;
  pad: number;
}

async function extractInto(tarPath: string, root: string): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  let file: OpenFile | undefined;
  let ended = false;
  try {
    for await (const chunk of createReadStream(tarPath)) {
      buf = buf.length === 0 ? (chunk as Buffer) : Buffer.concat([buf, chunk as Buffer]);
      while (!ended) {
        if (file !== undefined) {
          const n = Math.min(file.remaining, buf.length);
          if (n > 0) await file.fh.write(buf.subarray(0, n));
          file.remaining -= n;
          buf = buf.subarray(n);
          const skip = file.remaining === 0 ? Math.min(file.pad, buf.length) : 0;
          file.pad -= skip;
          buf = buf.subarray(skip);
          if (file.remaining > 0 || file.pad > 0) break; // need more input
          await file.fh.close();
          file = undefined;
        }
        if (buf.length < BLOCK) break;
        const header = buf.subarray(0, BLOCK);
        buf = buf.subarray(BLOCK);
        if (header.equals(ZERO_BLOCK)) {
          ended = true; // end-of-archive marker; anything after it is padding
          break;
        }
        file = await startEntry(header, root, tarPath);
      }
      if (ended) break; // the rest is zero padding
    }
    if (!ended || file !== undefined) throw new StageInputError(`${tarPath} is truncated (no end-of-archive marker)`);
  } finally {
    await file?.fh.close().catch(() => undefined);
  }
}

/** Create a directory or open a file for one header; returns the file to fill, if any. */
async function startEntry(header: Buffer, root: string, tarPath: string): Promise<OpenFile | undefined> {
  const magic = header.toString('latin1', 257, 262);
  if (magic !== 'ustar') throw new StageInputError(`${tarPath} is not a ustar archive`);
  const stored = parseOctal(header.subarray(148, 156));
  const copy = Buffer.from(header);
  copy.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of copy) sum += b;
  if (stored !== sum) throw new StageInputError(`${tarPath} has a corrupt header (checksum mismatch)`);

  const name = cString(header.subarray(0, 100));
  const prefix = cString(header.subarray(345, 500));
  const path = prefix === '' ? name : `${prefix}/${name}`;
  const type = String.fromCharCode(header[156] ?? 0);
  const segments = safeSegments(path, tarPath);
  if (type === '5') {
    await mkdir(join(root, ...segments), { recursive: true });
    return undefined;
  }
  if (type !== '0' && type !== '\u0000') {
    throw new StageInputError(
      `${tarPath}: entry "${path}" has type '${type}'; only regular files and directories are supported`,
    );
  }
  if (segments.length === 0) throw new StageInputError(`${tarPath}: file entry with an empty name`);
  if ((header[124] ?? 0) & 0x80) throw new StageInputError(`${tarPath}: "${path}" is too large (base-256 size)`);
  const size = parseOctal(header.subarray(124, 136));
  const mode = (parseOctal(header.subarray(100, 108)) & 0o111) !== 0 ? 0o755 : 0o644;
  const target = join(root, ...segments);
  await mkdir(dirname(target), { recursive: true });
  const fh = await open(target, 'w', mode);
  return { fh, remaining: size, pad: (BLOCK - (size % BLOCK)) % BLOCK };
}

/** Path segments of an archive path, refusing anything that could land outside the root. */
function safeSegments(path: string, tarPath: string): string[] {
  if (path.startsWith('/')) throw new StageInputError(`${tarPath}: refusing absolute path "${path}"`);
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new StageInputError(`${tarPath}: refusing path with "..": "${path}"`);
  return segments;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

// Tar pads numeric fields with NUL bytes or spaces. A named constant, so the disable comment
// stays on the line it covers whatever the formatter does with the call chain below.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const TRAILING_NUL_OR_SPACE = /[\u0000 ]+$/g;

function parseOctal(field: Buffer): number {
  const text = field.toString('latin1').replace(TRAILING_NUL_OR_SPACE, '').replace(/^[ ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new StageInputError(`tar header has a malformed number "${text}"`);
  return parseInt(text, 8);
}
