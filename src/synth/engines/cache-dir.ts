import { homedir } from 'node:os';
import { join } from 'node:path';

/** The tinyops cache directory, as scripts/setup.sh computes it ($TINYOPS_CACHE_DIR, else XDG, else ~/.cache/tinyops). */
export function tinyopsCacheDir(): string {
  return process.env.TINYOPS_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tinyops');
}
