// The stage contract lives in src/stage/stage-module.ts (docs/architecture.md#stage-contract).
// This re-export keeps stage modules written against the old path compiling; import from src/.
export type * from '../src/stage/stage-module';
