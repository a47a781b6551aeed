import { cpSync, mkdtempSync, readdirSync, rmSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firmwareSourceDigest } from '../../../activities/deploy';
import { computeCacheKey, type CacheKeyInput } from '../../../src/cache/cache-key';
import { FIRMWARE_DIR } from '../../../src/deploy/firmware-paths';
import { StageInputError } from '../../../src/errors';
import { findInput, inputWiring, requireUpstream } from '../../../src/stage/inputs';
import { sha256Bytes } from '../../../src/store/digest';

/**
 * Regression tests for two cache-correctness bugs (issue #15): each failed before its fix.
 */

describe('deploy cache key covers every firmware source it builds from (bug a)', () => {
  let copy: string;
  beforeEach(() => {
    copy = mkdtempSync(join(tmpdir(), 'tinyops-fw-'));
    cpSync(FIRMWARE_DIR, copy, { recursive: true });
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  function firstFile(dir: string): string {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) {
        const f = firstFile(p);
        if (f) return f;
      } else if (/\.(c|h)$/.test(e)) return p;
    }
    return '';
  }

  it('changes when the C front end the firmware links is edited', () => {
    const before = firmwareSourceDigest(copy);
    appendFileSync(join(copy, 'frontend', 'tops_mfcc_q15.c'), '\n/* edited */\n');
    expect(firmwareSourceDigest(copy)).not.toBe(before);
  });

  const built = readdirSync(FIRMWARE_DIR).filter((d) => d !== 'test' && statSync(join(FIRMWARE_DIR, d)).isDirectory());
  it.each(built)('changes when a source under firmware/%s is edited', (dir) => {
    const file = firstFile(join(copy, dir));
    expect(file).not.toBe('');
    const before = firmwareSourceDigest(copy);
    appendFileSync(file, '\n/* edited */\n');
    expect(firmwareSourceDigest(copy)).not.toBe(before);
  });

  it('ignores the host-side kernel tests and documentation', () => {
    const before = firmwareSourceDigest(copy);
    appendFileSync(join(copy, 'test', 'test_tops_kernels.c'), '\n/* edited */\n');
    appendFileSync(join(copy, 'README.md'), '\nedited\n');
    expect(firmwareSourceDigest(copy)).toBe(before);
  });
});

describe('input wiring: needs: order decides a shared artifact name, and the key sees it (bug b)', () => {
  const M1 = sha256Bytes('float model');
  const M2 = sha256Bytes('4-bit model');
  const E = sha256Bytes('evaluation');
  const train = {
    stage: 'train',
    artifacts: [
      { name: 'model', sha256: M1 },
      { name: 'history', sha256: M1 },
    ],
  };
  const train4 = {
    stage: 'train-4bit',
    artifacts: [
      { name: 'model', sha256: M2 },
      { name: 'history', sha256: M2 },
    ],
  };
  const evaluate = { stage: 'evaluate', artifacts: [{ name: 'evaluation', sha256: E }] };
  const report = (inputs: CacheKeyInput['inputs']): CacheKeyInput => ({
    stage: 'report',
    kind: 'report',
    version: 4,
    config: {},
    inputs,
    seed: 42,
  });

  it('gives a different key when two producers of `model` swap places in needs:', () => {
    expect(computeCacheKey(report([train, train4, evaluate]))).not.toBe(
      computeCacheKey(report([train4, train, evaluate])),
    );
  });

  it('keeps the key when stages that share no artifact name are reordered', () => {
    expect(computeCacheKey(report([train, evaluate]))).toBe(computeCacheKey(report([evaluate, train])));
  });

  it('resolves every artifact name to its first producer in needs: order', () => {
    expect(inputWiring([train4, train, evaluate])).toEqual({
      model: 'train-4bit',
      history: 'train-4bit',
      evaluation: 'evaluate',
    });
  });

  const ref = (name: string, sha256: string) => ({
    name,
    sha256,
    uri: `file:///x/${sha256}`,
    bytes: 1,
    mediaType: 'application/octet-stream',
  });
  const ctx = {
    stageName: 'quantize',
    inputs: {
      train: { artifacts: [ref('model', M1)] },
      'train-4bit': { artifacts: [ref('model', M2)] },
      features: { artifacts: [ref('test', E)] },
    },
  };

  it('refuses to guess when a stage that reads one `model` needs two producers', () => {
    expect(() => findInput(ctx, 'model')).toThrow(StageInputError);
    expect(() => findInput(ctx, 'model')).toThrow(
      'stages.quantize.needs: 2 stages make a "model" artifact (train, train-4bit); this stage reads one, so keep only the one it should use in needs:',
    );
  });

  it('finds an unambiguous input, and honours exclusions', () => {
    expect(findInput(ctx, 'test')?.sha256).toBe(E);
    expect(findInput(ctx, 'model', { exclude: ['train-4bit'] })?.sha256).toBe(M1);
    expect(findInput(ctx, 'nothing')).toBeUndefined();
    expect(() => requireUpstream(ctx, 'int-model', 'quantize')).toThrow(
      'stages.quantize: needs a quantize stage (no "int-model" artifact among train, train-4bit, features)',
    );
  });
});
