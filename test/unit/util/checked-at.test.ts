import { checkedAt } from '../../../src/util/checked-at';

describe('checkedAt', () => {
  it('returns the element for every index in range, including falsy values', () => {
    expect(checkedAt([0, '', null], 0, 'xs')).toBe(0);
    expect(checkedAt([0, '', null], 1, 'xs')).toBe('');
    expect(checkedAt([0, '', null], 2, 'xs')).toBeNull();
    expect(checkedAt(Float64Array.of(1.5, 2.5), 1, 'edges')).toBe(2.5);
  });

  it.each([-1, 2, 1.5, Number.NaN])('throws an internal error naming the list, index %p and length', (i) => {
    expect(() => checkedAt(Float64Array.of(1, 2), i, 'edgesHz')).toThrow(
      new RangeError(`internal error: edgesHz[${i}] is out of range (length 2)`),
    );
  });
});
