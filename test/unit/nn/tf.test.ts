import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isTinyopsError } from '../../../src/errors';
import { assertNativeBackend, loadTf, TfBackendError } from '../../../src/nn/tf';

describe('loadTf', () => {
  it('returns tfjs-node on the native tensorflow backend', () => {
    expect(loadTf().getBackend()).toBe('tensorflow');
  });

  it('refuses any other backend with a TinyopsError that says what to do', () => {
    for (const backend of ['cpu', 'wasm', undefined]) {
      let caught: unknown;
      try {
        assertNativeBackend(backend);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TfBackendError);
      expect(isTinyopsError(caught)).toBe(true);
      expect((caught as TfBackendError).backend).toBe(backend);
      expect((caught as Error).message).toMatch(
        /needs the native "tensorflow" backend .*no fallback to the JS backend.*npm run setup/,
      );
    }
    expect(() => assertNativeBackend('tensorflow')).not.toThrow();
  });

  it('is not loaded by importing src/nn (only by building or training a model)', () => {
    // A fresh process: jest's own module registry would hide what plain Node loads.
    const index = join(__dirname, '../../../src/nn/index.js');
    const script = `require(${JSON.stringify(index)}); console.log(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length)`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()).toBe('0');
  });
});
