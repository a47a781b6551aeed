import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDER_CACHE_MARKER, resetWorkIfRenderCacheChanged } from '../../../src/synth/resume-guard';

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('resetWorkIfRenderCacheChanged (synth-kws resume across render caches)', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'tinyops-resume-guard-'));
    await mkdir(join(work, 'dataset', 'yes'), { recursive: true });
    await writeFile(join(work, 'dataset', 'yes', 'a.wav'), 'clip');
    await mkdir(join(work, 'streams'), { recursive: true });
    await writeFile(join(work, 'streams', 's.wav'), 'stream');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('keeps the clips of a work dir made from the same render cache, and of one without a marker', async () => {
    expect(await resetWorkIfRenderCacheChanged(work, '/cache/a', ['dataset', 'streams'])).toBe(false); // no marker yet
    expect(await resetWorkIfRenderCacheChanged(work, '/cache/a', ['dataset', 'streams'])).toBe(false);
    expect(await exists(join(work, 'dataset', 'yes', 'a.wav'))).toBe(true);
    expect(JSON.parse(await readFile(join(work, RENDER_CACHE_MARKER), 'utf8'))).toEqual({ renderCache: '/cache/a' });
  });

  it('drops the listed dirs when the render cache differs, and records the new one', async () => {
    await resetWorkIfRenderCacheChanged(work, '/cache/a', ['dataset', 'streams']);
    await writeFile(join(work, 'other.txt'), 'kept');
    expect(await resetWorkIfRenderCacheChanged(work, '/cache/b', ['dataset', 'streams', 'tuning-streams'])).toBe(true);
    expect(await exists(join(work, 'dataset'))).toBe(false);
    expect(await exists(join(work, 'streams'))).toBe(false);
    expect(await exists(join(work, 'other.txt'))).toBe(true);
    expect(JSON.parse(await readFile(join(work, RENDER_CACHE_MARKER), 'utf8'))).toEqual({ renderCache: '/cache/b' });
    expect(await resetWorkIfRenderCacheChanged(work, '/cache/b', ['dataset'])).toBe(false);
  });
});
