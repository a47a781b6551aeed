import { hashSplit, splitKey, splitPosition } from '../../../src/importer/hash-split';

describe('hashSplit (Speech Commands which_set rule)', () => {
  it('keys on the speaker part of the name', () => {
    expect(splitKey('3cfc6b3a_nohash_2.wav')).toBe('3cfc6b3a');
    expect(splitKey('noise.wav')).toBe('noise.wav');
  });

  it('matches positions computed independently (Python: sha1 → int mod 2^27 → /(2^27−1))', () => {
    // Golden values from a few lines of Python hashlib, not from this implementation.
    expect(splitPosition('0a7c2a8d_nohash_0.wav')).toBeCloseTo(0.5683638719347407, 12);
    expect(splitPosition('3cfc6b3a_nohash_2.wav')).toBeCloseTo(0.5443606938746622, 12);
    expect(splitPosition('noise.wav')).toBeCloseTo(0.7359921167492278, 12);
    expect(splitPosition('bb05582b_nohash_3.wav')).toBeCloseTo(0.1813267855445056, 12);
    expect(hashSplit('bb05582b_nohash_3.wav', { validation: 0.1, test: 0.1 })).toBe('test');
    expect(hashSplit('bb05582b_nohash_3.wav', { validation: 0.2, test: 0.1 })).toBe('validation');
  });

  it('puts every clip of a speaker in one split and hits the fractions', () => {
    const fractions = { validation: 0.1, test: 0.2 };
    expect(hashSplit('abc_nohash_0.wav', fractions)).toBe(hashSplit('abc_nohash_7.wav', fractions));
    const n = 20000;
    const tally = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < n; i++) tally[hashSplit(`spk${i}_nohash_0.wav`, fractions)]++;
    expect(tally.validation / n).toBeCloseTo(0.1, 1);
    expect(tally.test / n).toBeCloseTo(0.2, 1);
  });
});
