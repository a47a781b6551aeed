import { join } from 'node:path';

/**
 * A file of src/synth/engines (the Python servers), read from the source tree: tsc does not
 * copy it to dist/, and this module runs from dist/src/synth/engines.
 */
export function engineSourceFile(name: string): string {
  return join(__dirname, '..', '..', '..', '..', 'src', 'synth', 'engines', name);
}
