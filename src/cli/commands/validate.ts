import { stageModules } from '../../../activities';
import { boardNames } from '../../boards/registry';
import { PipelineSpecError } from '../../errors';
import { loadPipelineFile } from '../../spec/load-pipeline';

/** `tinyops validate FILE`: 0 and a one-line summary if valid; 1 and every problem if not. */
export function validateCommand(file: string, overrides: readonly string[]): number {
  try {
    const p = loadPipelineFile(file, { modules: stageModules, overrides, boards: boardNames });
    process.stdout.write(
      `${file}: valid, pipeline "${p.name}", ${p.stages.length} stages: ${p.stages.map((s) => s.name).join(' → ')}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof PipelineSpecError) {
      for (const problem of e.problems) process.stderr.write(`${problem}\n`);
      process.stderr.write(`${file}: ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}\n`);
      return 1;
    }
    throw e;
  }
}
