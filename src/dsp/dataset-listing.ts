import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../errors';

/**
 * Reads the clip list of a Speech Commands-layout directory (the `dataset` artifact of
 * synth-kws / import-audio, docs/stages/synth-kws.md):
 *
 *   dataset.json          {"labels": [...]}: the class names in their fixed order
 *   <dir>/<clip>.wav      one folder per word; 16 kHz mono clips
 *   validation_list.txt   relative paths (`<dir>/<clip>.wav`), one per line
 *   testing_list.txt      likewise
 *
 * A folder named like a label gives that label. Any other folder is an out-of-vocabulary
 * word and maps to `_unknown_` when that is a label (the Speech Commands v2-12 rule,
 * MicroNets §4 KWS), else the dataset is rejected. `_background_noise_` (long noise
 * recordings, not clips) and hidden folders are skipped. Clips not named in either list
 * are training clips. Every list is sorted by path (code-unit order) so the output — and
 * the feature files built from it — is the same on every machine.
 */

export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export interface KwsClip {
  /** Relative path with `/` separators, as in the list files. */
  readonly path: string;
  readonly label: number;
}

export interface KwsDatasetListing {
  readonly labels: readonly string[];
  readonly splits: Readonly<Record<SplitName, readonly KwsClip[]>>;
  /** Paths named in validation_list/testing_list that are not in the directory. */
  readonly missingListed: readonly string[];
}

const datasetJsonSchema = z.looseObject({
  labels: z
    .array(z.string().min(1))
    .min(1)
    .refine((l) => new Set(l).size === l.length, 'labels must be unique'),
});

const SKIPPED_DIRS = new Set(['_background_noise_']);
const UNKNOWN = '_unknown_';

function readList(dir: string, file: string): Set<string> {
  const p = join(dir, file);
  if (!existsSync(p)) return new Set();
  return new Set(
    readFileSync(p, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0),
  );
}

function byPath(a: KwsClip, b: KwsClip): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function listKwsDataset(dir: string): KwsDatasetListing {
  const metaPath = join(dir, 'dataset.json');
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    throw new StageInputError(`${metaPath}: cannot read dataset description (${(e as Error).message})`);
  }
  const parsed = datasetJsonSchema.safeParse(meta);
  if (!parsed.success) {
    throw new StageInputError(
      `${metaPath}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const labels = parsed.data.labels;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));

  const validation = readList(dir, 'validation_list.txt');
  const testing = readList(dir, 'testing_list.txt');
  const splits: Record<SplitName, KwsClip[]> = { train: [], validation: [], test: [] };
  const seen = new Set<string>();

  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !SKIPPED_DIRS.has(d.name))
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const label = labelIndex.get(folder) ?? labelIndex.get(UNKNOWN);
    const files = readdirSync(join(dir, folder))
      .filter((f) => f.toLowerCase().endsWith('.wav') && statSync(join(dir, folder, f)).isFile())
      .sort();
    if (files.length === 0) continue;
    if (label === undefined) {
      throw new StageInputError(
        `${join(dir, folder)}: folder "${folder}" is not one of the labels [${labels.join(', ')}] and there is no ${UNKNOWN} label to map it to`,
      );
    }
    for (const f of files) {
      const path = `${folder}/${f}`;
      seen.add(path);
      const split: SplitName = testing.has(path) ? 'test' : validation.has(path) ? 'validation' : 'train';
      splits[split].push({ path, label });
    }
  }
  for (const s of SPLITS) splits[s].sort(byPath);
  const missingListed = [...validation, ...testing].filter((p) => !seen.has(p)).sort();
  return { labels, splits, missingListed };
}
