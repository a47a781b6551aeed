import type { ArtifactStore } from '../src/store/artifact-store';
import { openStore } from '../src/store/open-store';

/** What activities need from the worker process they run in. */
export interface ActivityEnv {
  /** The project directory (git commit for run records, relative paths in configs). */
  readonly projectDir: string;
  /** Local state dir (`.tinyops`): scratch, extracted inputs. */
  readonly stateDir: string;
  /** Open (once, then reuse) the store named by a workflow's store spec. */
  openStore(spec: string): ArtifactStore;
}

export function createActivityEnv(projectDir: string, stateDir: string): ActivityEnv {
  const stores = new Map<string, ArtifactStore>();
  return {
    projectDir,
    stateDir,
    openStore(spec) {
      let s = stores.get(spec);
      if (!s) {
        s = openStore(spec, projectDir);
        stores.set(spec, s);
      }
      return s;
    },
  };
}
