/**
 * Declared `reads` end to end (real CLI, real Temporal dev server, real stage code): a change
 * that only adds test-split clips (synth-kws `heldOutPerKeyword`) changes the features' `test`
 * artifact but not `train` / `validation`, so `train` (reads train, validation, architecture,
 * model) is a cache hit under the same key while `evaluate` (no `reads`: every artifact) re-runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { digests, parseRunJson, repoRoot, runCli, type RunJson } from '../helpers/cli';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal-server';
import { cacheKeyOf } from '../../src/cache/cache-key';
import type { JsonValue } from '../../src/cache/canonical-json';

interface CacheKeyMaterialShape {
  inputs: Array<{ stage: string; artifacts: Array<{ name: string; sha256: string }> }>;
}

const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws-heldout.yaml');
jest.setTimeout(300_000);

describe('stage reads: a test-only data change keeps train a cache hit', () => {
  let temporal: TestTemporal;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let first: RunJson;
  let second: RunJson;

  beforeAll(async () => {
    temporal = await startTestTemporal();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-reads-'));
    store = path.join(home, 'store');
    env = { TEMPORAL_ADDRESS: temporal.address, TINYOPS_HOME: path.join(home, 'state') };
    const r1 = await runCli(['run', pipeline, '--json', '--store', store], env);
    if (r1.code !== 0) throw new Error(`first run failed (${r1.code}):\n${r1.stderr}`);
    first = parseRunJson(r1.stdout);
    const r2 = await runCli(
      ['run', pipeline, '--json', '--store', store, '--set', 'stages.data.with.voices.heldOutPerKeyword=2'],
      env,
    );
    if (r2.code !== 0) throw new Error(`second run failed (${r2.code}):\n${r2.stderr}`);
    second = parseRunJson(r2.stdout);
  });
  afterAll(async () => {
    await temporal.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('only the test split changed', () => {
    expect(Object.values(first.stages).map((s) => s.status)).toEqual(['ran', 'ran', 'ran', 'ran']);
    const [a, b] = [digests(first).features!, digests(second).features!];
    expect(b.train).toBe(a.train);
    expect(b.validation).toBe(a.validation);
    expect(b.test).not.toBe(a.test);
  });

  it('train is a hit under the same key; data, features and evaluate re-run', () => {
    expect(Object.fromEntries(Object.entries(second.stages).map(([k, s]) => [k, s.status]))).toEqual({
      data: 'ran',
      features: 'ran',
      train: 'cached',
      evaluate: 'ran',
    });
    expect(second.stages.train?.cacheKey).toBe(first.stages.train?.cacheKey);
    expect(second.stages.train?.producedByRun).toBe(first.run);
    expect(second.stages.evaluate?.cacheKey).not.toBe(first.stages.evaluate?.cacheKey);
  });

  it('the run record and lineage say what the key was made of', async () => {
    const record = JSON.parse(fs.readFileSync(path.join(store, 'runs', `${second.run}.json`), 'utf8')) as {
      stages: Record<string, { reads?: string[]; cacheKeyMaterial?: unknown }>;
    };
    expect(record.stages.train?.reads).toEqual(['train', 'validation', 'architecture', 'model']);
    // The stored material is the one the key is the hash of, and names only what train read.
    const material = record.stages.train?.cacheKeyMaterial as CacheKeyMaterialShape;
    expect(cacheKeyOf(material as unknown as JsonValue)).toBe(second.stages.train?.cacheKey);
    expect(material.inputs).toEqual([
      {
        stage: 'features',
        artifacts: [
          { name: 'train', sha256: digests(second).features!.train },
          { name: 'validation', sha256: digests(second).features!.validation },
        ],
      },
    ]);
    const evaluateMaterial = record.stages.evaluate?.cacheKeyMaterial as CacheKeyMaterialShape;
    expect(evaluateMaterial.inputs.find((i) => i.stage === 'features')?.artifacts.map((a) => a.name)).toEqual([
      'test',
      'train',
      'validation',
    ]);
    expect(record.stages.evaluate?.reads).toBeUndefined();
    const lineage = await runCli(['lineage', second.run, '--store', store], env);
    expect(lineage.code).toBe(0);
    expect(lineage.stdout).toContain('needs features (reads only train, validation, architecture, model)');
  });
});
