import { StageInputError } from '../errors';

/**
 * Every import problem is a StageInputError prefixed with the stage kind, so the user can
 * tell which stage rejected the folder: `import-audio: path "data/x": no such directory`.
 */
export function importInputError(message: string): StageInputError {
  return new StageInputError(`import-audio: ${message}`);
}

/** A path as the user would write it: the configured folder (as given) joined with `rel`. */
export function displayPath(root: string, rel: string): string {
  return rel === '' ? root : `${root.replace(/[/\\]+$/, '')}/${rel}`;
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
