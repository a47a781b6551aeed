import { StageInputError } from '../errors';

/**
 * Every compose-kws problem is a StageInputError prefixed with the stage kind, so the user
 * sees which stage rejected the input: `compose-kws: keyword "yes" has no recordings ...`.
 */
export function composeInputError(message: string): StageInputError {
  return new StageInputError(`compose-kws: ${message}`);
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
