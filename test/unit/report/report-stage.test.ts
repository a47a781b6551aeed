import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, reportStage, type ReportConfig } from '../../../activities/report';
import type { StageContext, StageOutputs, StageProgress } from '../../../src/stage/stage-module';
import { FEATURE_MEDIA_TYPE, writeFeatureTensor } from '../../../src/dsp/feature-tensor';
import { StageInputError } from '../../../src/errors';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { Prng } from '../../../src/util/prng';
import { fullModel } from './report-fixtures';

/**
 * The stage end to end on real upstream files: a Speech Commands-layout dataset folder,
 * feature files written by feature-tensor.ts, and the JSON artifacts of the (future)
 * train/evaluate/deploy stages. The fake context serves `fetchFile`/`fetchDir` from
 * those paths and records `storeFile`, like the synth-kws stage test.
 */

const LABELS = ['_silence_', '_unknown_', 'yes', 'no'];

function ref(name: string, path: string, mediaType: string): ArtifactRef {
  const sha256 = createHash('sha256').update(path).digest('hex');
  return { name, sha256, bytes: statSync(path).size, uri: `file://${path}`, mediaType };
}

/** A dataset folder: 3 clips per label, one of each in validation and test lists. */
function writeDataset(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const val: string[] = [];
  const test: string[] = [];
  for (const label of LABELS) {
    mkdirSync(join(dir, label));
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, label, `v_nohash_${i}.wav`), 'RIFF');
    val.push(`${label}/v_nohash_1.wav`);
    test.push(`${label}/v_nohash_2.wav`);
  }
  writeFileSync(join(dir, 'validation_list.txt'), val.join('\n'));
  writeFileSync(join(dir, 'testing_list.txt'), test.join('\n'));
  writeFileSync(
    join(dir, 'dataset.json'),
    JSON.stringify({ generator: 'synth-kws', labels: LABELS, sampleRate: 16000, clipMs: 1000, voices: ['en-us'] }),
  );
}

function writeFeatures(path: string, split: string, rows: number): void {
  writeFeatureTensor(
    path,
    {
      shape: [rows, 49, 10],
      split,
      labels: LABELS,
      frontEnd: { type: 'mfcc', windowMs: 40, strideMs: 20, coefficients: 10, melRange: [20, 4000] },
      labelIndex: Array.from({ length: rows }, (_, i) => i % LABELS.length),
      clips: Array.from({ length: rows }, (_, i) => `c${i}.wav`),
    },
    new Float32Array(rows * 490),
  );
}

/** Upstream outputs as the workflow would pass them, backed by files under `root`. */
function upstream(root: string): Record<string, StageOutputs> {
  const model = fullModel();
  const file = (name: string, value: unknown) => {
    const p = join(root, `${name}.json`);
    writeFileSync(p, JSON.stringify(value));
    return ref(name, p, 'application/json');
  };
  writeDataset(join(root, 'dataset'));
  const features = (['train', 'validation', 'test'] as const).map((s, i) => {
    const p = join(root, `${s}.topsfeat`);
    writeFeatures(p, s, [8, 4, 4][i]!);
    return ref(s, p, FEATURE_MEDIA_TYPE);
  });
  return {
    data: {
      artifacts: [ref('dataset', join(root, 'dataset', 'dataset.json'), 'application/x-tar')],
      metrics: { clips: 12 },
    },
    features: { artifacts: features, metrics: { frames: 49 } },
    train: { artifacts: [file('history', model.history)], metrics: { epochs: 30 } },
    evaluate: { artifacts: [file('evaluation', model.evaluation)], metrics: { accuracy: 0.9 } },
    deploy: { artifacts: [file('board', model.board)], metrics: { bitExact: true } },
  };
}

function fakeContext(config: ReportConfig, workDir: string, inputs: Record<string, StageOutputs>) {
  mkdirSync(workDir, { recursive: true });
  const stored: Array<{ name: string; path: string; mediaType: string }> = [];
  const logs: string[] = [];
  const progress: StageProgress[] = [];
  const pathOf = (r: ArtifactRef) => r.uri.slice('file://'.length);
  const ctx: StageContext<ReportConfig> = {
    pipelineName: 'kws',
    stageName: 'report',
    runId: 'run-1',
    seed: 42,
    config,
    inputs,
    workDir,
    rng: (...purpose) => Prng.derive(42, 'report', ...purpose),
    progress: (p) => void progress.push(p),
    loadCheckpoint: async <T>() => undefined as T | undefined,
    saveCheckpoint: async () => undefined,
    storeFile: async (name, path, mediaType) => {
      stored.push({ name, path, mediaType });
      return ref(name, path, mediaType);
    },
    storeDir: async () => {
      throw new Error('not used');
    },
    storeJson: async () => {
      throw new Error('not used');
    },
    fetchFile: async (r) => pathOf(r),
    // The dataset "tar" ref points at dataset.json; its folder is the extracted tree.
    fetchDir: async (r) => join(pathOf(r), '..'),
    log: (m) => void logs.push(m),
  };
  return { ctx, stored, logs, progress };
}

describe('reportStage', () => {
  let root: string;
  let inputs: Record<string, StageOutputs>;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'report-stage-'));
    inputs = upstream(join(root, 'up'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('declares kind, version, a strict config with defaults, and the chart libraries as tools', async () => {
    expect(reportStage.kind).toBe('report');
    expect(reportStage.version).toBe(10);
    expect(configSchema.parse({})).toEqual({ thresholdTable: true });
    expect(configSchema.parse({ title: 'T', thresholdTable: false })).toEqual({ title: 'T', thresholdTable: false });
    expect(configSchema.safeParse({ titel: 'T' }).success).toBe(false);
    expect(configSchema.safeParse({ title: '' }).success).toBe(false);
    expect(Object.keys(await reportStage.toolVersions!()).sort()).toEqual(['vega', 'vega-lite']);
  });

  it('renders every section from real upstream artifacts and stores report.html', async () => {
    const { ctx, stored, progress } = fakeContext(configSchema.parse({}), join(root, 'w1'), inputs);
    const result = await reportStage.run(ctx);
    const path = join(root, 'w1', 'report.html');
    expect(stored).toEqual([{ name: 'report', path, mediaType: 'text/html' }]);
    expect(result.artifacts.map((a) => a.name)).toEqual(['report']);
    expect(result.metrics).toEqual({ sections: 9, bytes: statSync(path).size });
    expect(result.summary).toMatch(
      /^9 sections \(run, stages, dataset, features, training, events, classification, latency, board\), \d+ KiB$/,
    );
    expect(progress[progress.length - 1]).toMatchObject({ done: 2, total: 2 });

    const html = readFileSync(path, 'utf8');
    expect(html).toContain('<title>kws report</title>');
    // Dataset counts come from the folder listing: 1 train, 1 validation, 1 test clip per label.
    expect(html).toMatch(
      /<td>yes<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">3<\/td>/,
    );
    // Feature headers: rows and shape; nested front-end values as JSON text.
    expect(html).toMatch(/<td>train<\/td><td class="num">8<\/td><td>49 × 10<\/td>/);
    expect(html).toContain('[20,4000]');
    expect(html).toContain('stm32f746zg');
  });

  it('uses the configured title and leaves out the threshold table when asked', async () => {
    const { ctx } = fakeContext(
      configSchema.parse({ title: 'Nightly KWS', thresholdTable: false }),
      join(root, 'w2'),
      inputs,
    );
    await reportStage.run(ctx);
    const html = readFileSync(join(root, 'w2', 'report.html'), 'utf8');
    expect(html).toContain('<title>Nightly KWS</title>');
    expect(html).not.toContain('<details>');
  });

  it('same inputs, same bytes', async () => {
    const a = fakeContext(configSchema.parse({}), join(root, 'w3'), inputs);
    const b = fakeContext(configSchema.parse({}), join(root, 'w4'), inputs);
    await reportStage.run(a.ctx);
    await reportStage.run(b.ctx);
    // Compare as strings: toEqual on two 350 kB Buffers walks them byte by byte (seconds).
    expect(readFileSync(join(root, 'w4', 'report.html'), 'latin1')).toBe(
      readFileSync(join(root, 'w3', 'report.html'), 'latin1'),
    );
  });

  it('with no inputs: a report with the run section only', async () => {
    const { ctx } = fakeContext(configSchema.parse({}), join(root, 'w5'), {});
    const result = await reportStage.run(ctx);
    expect(result.metrics.sections).toBe(1);
  });

  it('two inputs with the same artifact: the first in needs order is shown, and a note says so', async () => {
    const twice = { ...inputs, retrain: inputs.train! };
    const { ctx, logs } = fakeContext(configSchema.parse({}), join(root, 'w6'), twice);
    await reportStage.run(ctx);
    const note = '2 inputs have a `history` artifact (train, retrain); showing the one from train';
    expect(logs).toContain(note);
    expect(readFileSync(join(root, 'w6', 'report.html'), 'utf8')).toContain(note);
  });

  it('only feature files are read as features: a JSON artifact named `test` is ignored', async () => {
    const p = join(root, 'not-features.json');
    writeFileSync(p, '{}');
    const { ctx } = fakeContext(configSchema.parse({}), join(root, 'w7'), {
      other: { artifacts: [ref('test', p, 'application/json')], metrics: {} },
    });
    const result = await reportStage.run(ctx);
    expect(result.summary).toMatch(/^2 sections \(run, stages\)/);
  });

  it('a malformed evaluation artifact is a StageInputError naming the stage, artifact and field', async () => {
    const p = join(root, 'bad-evaluation.json');
    writeFileSync(p, JSON.stringify({ accuracy: 0.9, confusion: { labels: ['a', 'b'], counts: [[1]] } }));
    const bad = { evaluate: { artifacts: [ref('evaluation', p, 'application/json')], metrics: {} } };
    const { ctx } = fakeContext(configSchema.parse({}), join(root, 'w8'), bad);
    const err = await reportStage.run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageInputError);
    expect((err as Error).message).toMatch(
      /artifact `evaluation` of stage evaluate does not have the expected shape: confusion: counts must be/,
    );

    writeFileSync(p, '{not json');
    await expect(reportStage.run(fakeContext(configSchema.parse({}), join(root, 'w9'), bad).ctx)).rejects.toThrow(
      /artifact `evaluation` of stage evaluate is not JSON/,
    );
  });
});
