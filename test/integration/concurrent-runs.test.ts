/**
 * One computation per cache key (issue #15): concurrent runs of one pipeline on one store
 * meet on each stage's single execution (workflows/stage.ts, a workflow whose id derives
 * from store and cache key) instead of each computing every stage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digests, parseRunJson, repoRoot, runCli, type RunJson } from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

jest.setTimeout(600_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');
const RUNS = 4;

describe('concurrent runs of one pipeline on one store', () => {
  const t = useTemporalHome('tinyops-concurrent-');

  it(`${RUNS} runs started together compute each stage once and agree on every digest`, async () => {
    const { home, env } = t;
    const store = path.join(home, 'store');
    // Each run has its own in-process worker on its own task queue (the default).
    const results = await Promise.all(
      Array.from({ length: RUNS }, () => runCli(['run', pipeline, '--json', '--store', store], env)),
    );
    for (const r of results) expect(r.code).toBe(0);
    const runs: RunJson[] = results.map((r) => parseRunJson(r.stdout));

    const stages = Object.keys(runs[0]!.stages);
    expect(stages.length).toBeGreaterThanOrEqual(5);
    for (const stage of stages) {
      const statuses = runs.map((r) => r.stages[stage]?.status);
      // Exactly one run computed it; the others waited for that execution or hit its entry.
      expect({ stage, ran: statuses.filter((s) => s === 'ran').length }).toEqual({ stage, ran: 1 });
      expect(statuses.filter((s) => s === 'cached')).toHaveLength(RUNS - 1);
    }
    const first = digests(runs[0]!);
    for (const r of runs.slice(1)) expect(digests(r)).toEqual(first);
    // One cache entry per stage: nothing was committed twice under different keys.
    expect(fs.readdirSync(path.join(store, 'cache')).filter((f) => f.endsWith('.json'))).toHaveLength(stages.length);
  });
});
