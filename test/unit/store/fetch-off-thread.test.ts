import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStageContext } from '../../../activities/stage-context';
import { ArtifactNotFoundError, DigestMismatchError, StageInputError } from '../../../src/errors';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { fetchOffThread } from '../../../src/store/fetch-off-thread';
import { LocalStore } from '../../../src/store/local-store';
import { packDir } from '../../../src/store/tar';

/**
 * A stage's fetchFile / fetchDir copy and extract in a worker thread (src/store/fetch-off-thread.ts):
 * the same files as before, the same errors (a corrupt object, a missing one, a bad archive), and
 * they finish while the main thread is busy in long slices (a training stage beside the fetch).
 */

jest.setTimeout(60_000);

let dir: string;
let store: LocalStore;
let tarRef: ArtifactRef;
let files: Record<string, Buffer>;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-off-thread-'));
  store = new LocalStore(path.join(dir, 'store'));
  const src = path.join(dir, 'src');
  files = {};
  for (let i = 0; i < 40; i++) {
    const name = path.join(i % 2 === 0 ? 'a' : 'b/c', `f${i}.bin`);
    // 0–300 KB each, several 64 KB chunks: 40 files, ≈ 6 MB.
    const data = Buffer.alloc(i * 7919, i);
    files[name] = data;
    fs.mkdirSync(path.join(src, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(src, name), data);
  }
  await packDir(src, path.join(dir, 'src.tar'));
  tarRef = { ...(await store.putFile(path.join(dir, 'src.tar'))), name: 'files', mediaType: 'application/x-tar' };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const context = (stateDir: string) =>
  createStageContext({
    pipelineName: 'p',
    stageName: 's',
    runId: 'r',
    seed: 1,
    config: {},
    inputs: {},
    cacheKey: 'f'.repeat(64),
    store,
    stateDir,
    onProgress: () => undefined,
    onLog: () => undefined,
  });

const expectFiles = (root: string) => {
  for (const [name, data] of Object.entries(files))
    expect([name, fs.readFileSync(path.join(root, name)).equals(data)]).toEqual([name, true]);
};

describe('fetch off the main thread', () => {
  it('extracts a directory artifact and copies a file artifact, also while the main thread is busy', async () => {
    const ctx = context(path.join(dir, 'state1'));
    // Busy in 300 ms slices with one event-loop turn between them, as a TensorFlow training loop.
    let busy = true;
    let slices = 0;
    const blocker = (async () => {
      while (busy) {
        const until = Date.now() + 300;
        while (Date.now() < until);
        slices++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const t0 = Date.now();
    const [d, f] = await Promise.all([ctx.fetchDir(tarRef), ctx.fetchFile(tarRef)]);
    busy = false;
    await blocker;
    expectFiles(d);
    expect(fs.readFileSync(f).equals(fs.readFileSync(path.join(dir, 'src.tar')))).toBe(true);
    // In the main thread each chunk and file waited for a slice (≈ 200 turns: a minute); off it, a few.
    expect([Date.now() - t0 < 15_000, slices < 40]).toEqual([true, true]);
    // A second fetch is the extraction already there.
    expect(await ctx.fetchDir(tarRef)).toBe(d);
  });

  it('keeps the errors: a corrupt object, a missing one, a bad archive', async () => {
    const objectFile = path.join(
      store.location,
      'objects',
      'sha256',
      tarRef.sha256.slice(0, 2),
      tarRef.sha256.slice(2),
    );
    const bad = { ...tarRef, sha256: 'e'.repeat(64) };
    await expect(context(path.join(dir, 'state2')).fetchDir(bad)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    // A store object whose bytes are not its digest's.
    const corrupt = path.join(store.location, 'objects', 'sha256', 'dd', 'd'.repeat(62));
    fs.mkdirSync(path.dirname(corrupt), { recursive: true });
    fs.copyFileSync(objectFile, corrupt);
    const e = await context(path.join(dir, 'state3'))
      .fetchDir({ ...tarRef, sha256: 'd'.repeat(64) })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DigestMismatchError);
    expect((e as DigestMismatchError).actual).toBe(tarRef.sha256);
    expect(fs.existsSync(path.join(dir, 'state3', 'extract', 'd'.repeat(64)))).toBe(false);
    // Not a tar: the extraction's StageInputError, and no half-extracted directory.
    fs.writeFileSync(path.join(dir, 'not.tar'), Buffer.alloc(2048, 1));
    await expect(
      fetchOffThread({ unpack: { tar: path.join(dir, 'not.tar'), dir: path.join(dir, 'x') } }),
    ).rejects.toThrow(StageInputError);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
