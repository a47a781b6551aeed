import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TESTING_LIST, VALIDATION_LIST } from '../synth/kws-dataset';
import { displayPath, importInputError } from './import-error';

/**
 * Read the user's validation_list.txt / testing_list.txt (Speech Commands format: one
 * `<folder>/<clip>.wav` per line, relative to the folder; blank lines and surrounding
 * spaces ignored; `\` separators and a leading `./` accepted). If either file exists the
 * lists decide the split and a missing one counts as empty (the Speech Commands rule:
 * clips in neither list are training clips); if both are absent the result is undefined
 * and the caller falls back to the hash split.
 */

export type HeldOut = 'validation' | 'test';

export interface SplitLists {
  /** Held-out split per source path; sources not in the map are training clips. */
  readonly heldOut: ReadonlyMap<string, HeldOut>;
  /** Which list files were present. */
  readonly files: readonly string[];
}

async function readOptional(path: string, display: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw importInputError(`${display}: cannot read file (${code ?? String(e)})`);
  }
}

function normalise(line: string): string {
  return line
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '');
}

/**
 * Throws a StageInputError `<list>:<line>: ...` for an entry that is not a clip of the
 * folder (`sources`) or that is in both lists.
 */
export async function readSplitLists(
  root: string,
  display: string,
  sources: ReadonlySet<string>,
): Promise<SplitLists | undefined> {
  const heldOut = new Map<string, HeldOut>();
  const files: string[] = [];
  for (const [file, split] of [
    [VALIDATION_LIST, 'validation'],
    [TESTING_LIST, 'test'],
  ] as const) {
    const where = displayPath(display, file);
    const text = await readOptional(join(root, file), where);
    if (text === undefined) continue;
    files.push(file);
    text.split(/\r?\n/).forEach((raw, i) => {
      const entry = normalise(raw);
      if (entry === '') return;
      if (!sources.has(entry)) {
        throw importInputError(`${where}:${i + 1}: "${entry}" is not a .wav clip in a label folder of ${display}`);
      }
      const other = heldOut.get(entry);
      if (other !== undefined && other !== split) {
        throw importInputError(
          `${where}:${i + 1}: "${entry}" is also in ${VALIDATION_LIST}; a clip can be in only one split`,
        );
      }
      heldOut.set(entry, split);
    });
  }
  return files.length === 0 ? undefined : { heldOut, files };
}
