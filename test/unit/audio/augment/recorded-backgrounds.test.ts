import {
  loadRecordedSet,
  RECORDED_SET_NAMES,
  recordedSegment,
  recordedSetProblem,
  type RecordedSetName,
} from '../../../../src/audio/augment/recorded-backgrounds';
import { meanPower } from '../../../../src/audio/mix';
import { Prng } from '../../../../src/util/prng';
import { welchPsd, bandDb } from '../spectrum';

// The sets come from Debian packages that scripts/setup.sh installs (etw-data,
// searchandrescue-data); these tests read the real files, each set once.
const loaded = new Map<RecordedSetName, readonly Float32Array[]>();
function load(name: RecordedSetName): readonly Float32Array[] {
  if (!loaded.has(name)) loaded.set(name, loadRecordedSet(name, 16000));
  return loaded.get(name)!;
}

describe('recorded background sets', () => {
  it.each(RECORDED_SET_NAMES)('%s: every file loads at 16 kHz, zero mean, RMS 1', (name) => {
    expect(recordedSetProblem(name)).toBeUndefined();
    const files = load(name);
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const x of files) {
      expect(x.length).toBeGreaterThan(16000); // every loop is longer than 1 s
      expect(meanPower(x)).toBeCloseTo(1, 3);
      expect(Math.abs(x.reduce((a, b) => a + b, 0) / x.length)).toBeLessThan(1e-4);
    }
  });

  it('engines are low-frequency heavy, the crowd is broadband speech-like', () => {
    const level = (name: 'crowd' | 'engines', lo: number, hi: number): number => {
      const psd = welchPsd(load(name).reduce((a, b) => (b.length > a.length ? b : a)));
      return bandDb(psd, 16000, lo, hi);
    };
    expect(level('engines', 50, 500) - level('engines', 4000, 5000)).toBeGreaterThan(15);
    expect(level('crowd', 300, 3000) - level('crowd', 50, 100)).toBeGreaterThan(-10);
  });

  it('a segment is a deterministic looping window of one file', () => {
    const files = load('engines');
    const a = recordedSegment(files, 50000, Prng.derive('seg', 1));
    const b = recordedSegment(files, 50000, Prng.derive('seg', 1));
    const c = recordedSegment(files, 50000, Prng.derive('seg', 2));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    expect(a.length).toBe(50000); // longer than any engine loop: it wrapped around
  });
});
