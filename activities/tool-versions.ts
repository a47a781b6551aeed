// Tool-version probes live in src/util/tool-versions.ts; this re-export keeps old imports compiling.
export { packageVersion, tfjsVersions, toolVersion } from '../src/util/tool-versions';
