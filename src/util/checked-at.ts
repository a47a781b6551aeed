/**
 * Indexed reads for code that compiles with `noUncheckedIndexedAccess` (tsconfig.json).
 *
 * `checkedAt(list, i, what)` is for places where an out-of-range index would be a bug in
 * tinyops, not bad user input (user input is validated by zod and reported as a
 * StageInputError/PipelineSpecError before it gets here): it returns `list[i]` and throws an
 * internal error naming the list, the index and the length otherwise, instead of letting an
 * `undefined` travel on and surface later as a NaN. Hot numeric loops (FFT, MFCC, mel) do
 * not use it; they index with a non-null `!` where the loop bounds prove the index in range.
 */
export function checkedAt<T>(list: ArrayLike<T>, index: number, what: string): T {
  if (!Number.isInteger(index) || index < 0 || index >= list.length) {
    throw new RangeError(`internal error: ${what}[${index}] is out of range (length ${list.length})`);
  }
  return list[index] as T; // in range; ArrayLike's index signature cannot say so
}
