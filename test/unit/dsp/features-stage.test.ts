import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featuresStage, type FeaturesConfig } from '../../../activities/features';
import type { StageContext, StageOutputs, StageProgress } from '../../../src/stage/stage-module';
import { encodeWav16 } from '../../../src/audio/wav';
import { ClipFeatureExtractor } from '../../../src/dsp/clip-features';
import { listKwsDataset } from '../../../src/dsp/dataset-listing';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { mfccConfigSchema } from '../../../src/dsp/mfcc-config';
import { StageInputError } from '../../../src/errors';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { Prng } from '../../../src/util/prng';
import { speechLike, whiteNoise } from './signals';

const LABELS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go', '_silence_', '_unknown_'];

/** A hand-made Speech Commands directory: 7 clips, lists, an OOV word and background noise. */
function makeDataset(root: string, sampleRate = 16000): void {
  const clip = (rel: string, samples: Float32Array): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), encodeWav16(samples, sampleRate));
  };
  const f32 = (x: Float64Array): Float32Array => Float32Array.from(x);
  clip('yes/a.wav', f32(speechLike('yes-a').float));
  clip('yes/b.wav', f32(speechLike('yes-b').float));
  clip('no/c.wav', f32(speechLike('no-c').float));
  clip('go/short.wav', f32(speechLike('go-short', 8000).float)); // 0.5 s: zero-padded to 1 s
  clip('_silence_/s.wav', f32(whiteNoise('sil', 0.001).float));
  clip('_unknown_/u.wav', f32(speechLike('unk').float));
  clip('bed/x.wav', f32(speechLike('bed').float)); // out-of-vocabulary word → _unknown_
  clip('_background_noise_/long.wav', f32(whiteNoise('bg', 0.1, 48000).float)); // skipped
  writeFileSync(join(root, 'validation_list.txt'), 'yes/b.wav\n');
  writeFileSync(join(root, 'testing_list.txt'), 'no/c.wav\nbed/x.wav\nno/missing.wav\n');
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ labels: LABELS, sampleRate }));
}

interface FakeContext {
  readonly ctx: StageContext<FeaturesConfig>;
  readonly progress: StageProgress[];
  readonly logs: string[];
}

/** fetchDir returns the local dataset; storeFile copies into a content-addressed tmp store. */
function fakeContext(
  config: FeaturesConfig,
  inputs: Record<string, StageOutputs>,
  datasetDir: string,
  root: string,
): FakeContext {
  const progress: StageProgress[] = [];
  const logs: string[] = [];
  const storeDir = join(root, 'store');
  const workDir = join(root, 'work');
  mkdirSync(storeDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const unused = (): never => {
    throw new Error('not used by the features stage');
  };
  const ctx: StageContext<FeaturesConfig> = {
    pipelineName: 'test',
    stageName: 'features',
    runId: 'run-1',
    seed: 42,
    config,
    inputs,
    workDir,
    rng: (...purpose) => Prng.derive(42, 'features', ...purpose),
    progress: (p) => void progress.push(p),
    loadCheckpoint: async () => undefined,
    saveCheckpoint: async () => undefined,
    storeFile: async (name, path, mediaType): Promise<ArtifactRef> => {
      const bytes = readFileSync(path);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const dest = join(storeDir, sha256);
      copyFileSync(path, dest);
      return { name, mediaType, sha256, bytes: bytes.length, uri: `file://${dest}` };
    },
    storeDir: unused,
    storeJson: unused,
    fetchFile: unused,
    fetchDir: async (ref) => {
      if (ref.name !== 'dataset') throw new Error(`unexpected fetch of ${ref.name}`);
      return datasetDir;
    },
    log: (m) => void logs.push(m),
  };
  return { ctx, progress, logs };
}

const datasetRef: ArtifactRef = {
  name: 'dataset',
  mediaType: 'application/x-tar',
  sha256: '0'.repeat(64),
  bytes: 1,
  uri: 'file:///dataset.tar',
};
const streamsRef: ArtifactRef = { ...datasetRef, name: 'streams', sha256: '1'.repeat(64) };
const upstream: Record<string, StageOutputs> = { data: { artifacts: [datasetRef, streamsRef], metrics: {} } };

describe('features stage', () => {
  let root: string;
  let datasetDir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tinyops-features-'));
    datasetDir = join(root, 'dataset');
    makeDataset(datasetDir);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists clips by split with the Speech Commands rules', () => {
    const l = listKwsDataset(datasetDir);
    expect(l.labels).toEqual(LABELS);
    expect(l.splits.train.map((c) => c.path)).toEqual([
      '_silence_/s.wav',
      '_unknown_/u.wav',
      'go/short.wav',
      'yes/a.wav',
    ]);
    expect(l.splits.validation.map((c) => c.path)).toEqual(['yes/b.wav']);
    expect(l.splits.test).toEqual([
      { path: 'bed/x.wav', label: LABELS.indexOf('_unknown_') },
      { path: 'no/c.wav', label: LABELS.indexOf('no') },
    ]);
    expect(l.missingListed).toEqual(['no/missing.wav']);
  });

  it('writes train/validation/test feature files (49×10, fixed-point) with metrics and progress, reproducibly', async () => {
    const config = mfccConfigSchema.parse({ type: 'mfcc', windowMs: 40, strideMs: 20, coefficients: 10 });
    const runOnce = async (
      n: number,
    ): Promise<{ result: Awaited<ReturnType<typeof featuresStage.run>>; fake: FakeContext }> => {
      const fake = fakeContext(config, upstream, datasetDir, join(root, `run${n}`));
      return { result: await featuresStage.run(fake.ctx), fake };
    };
    const { result, fake } = await runOnce(1);

    expect(result.artifacts.map((a) => [a.name, a.mediaType])).toEqual([
      ['train', 'application/x-tinyops-features'],
      ['validation', 'application/x-tinyops-features'],
      ['test', 'application/x-tinyops-features'],
    ]);
    expect(result.metrics).toMatchObject({
      frames: 49,
      coefficients: 10,
      clips: 7,
      trainClips: 4,
      validationClips: 1,
      testClips: 2,
    });
    expect(result.metrics.fixedVsFloatMaxAbsErr).toBeGreaterThan(0);
    expect(result.metrics.fixedVsFloatMaxAbsErr).toBeLessThan(0.03);
    expect(fake.progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(fake.progress.every((p) => p.total === 7 && p.unit === 'clips')).toBe(true);
    expect(fake.logs.join('\n')).toMatch(/missing, e\.g\. no\/missing\.wav/);

    // The stored test file: header rows and data equal to the fixed-point front end's output.
    const test = readFeatureTensor(result.artifacts[2]!.uri.replace('file://', ''));
    expect(test.header.shape).toEqual([2, 49, 10]);
    expect(test.header.split).toBe('test');
    expect(test.header.labels).toEqual(LABELS);
    expect(test.header.clips).toEqual(['bed/x.wav', 'no/c.wav']);
    expect(test.header.labelIndex).toEqual([11, 1]);
    expect(test.header.frontEnd).toMatchObject({ implementation: 'fixed', fftSize: 1024, melBands: 40 });
    const expected = new ClipFeatureExtractor(config).extract(speechLike('no-c').pcm).features;
    expect(Array.from(test.data.subarray(490, 980))).toEqual(Array.from(expected));

    // Same inputs → same bytes.
    const again = await runOnce(2);
    expect(again.result.artifacts.map((a) => a.sha256)).toEqual(result.artifacts.map((a) => a.sha256));

    // implementation: float stores the float reference instead (different bytes).
    const floatFake = fakeContext({ ...config, implementation: 'float' }, upstream, datasetDir, join(root, 'run3'));
    const floatResult = await featuresStage.run(floatFake.ctx);
    expect(floatResult.artifacts[0]!.sha256).not.toBe(result.artifacts[0]!.sha256);
  });

  it('fails with a StageInputError without a dataset input or at a different sample rate', async () => {
    const config = featuresStage.configSchema.parse({});
    await expect(featuresStage.run(fakeContext(config, {}, datasetDir, join(root, 'e1')).ctx)).rejects.toThrow(
      StageInputError,
    );
    const other = join(root, 'dataset8k');
    makeDataset(other, 8000);
    await expect(featuresStage.run(fakeContext(config, upstream, other, join(root, 'e2')).ctx)).rejects.toThrow(
      /sample rate 8000 Hz/,
    );
  });

  it('rejects a word folder that is not a label when there is no _unknown_ class', () => {
    const d = join(root, 'no-unknown');
    makeDataset(d);
    writeFileSync(join(d, 'dataset.json'), JSON.stringify({ labels: LABELS.filter((l) => l !== '_unknown_') }));
    expect(() => listKwsDataset(d)).toThrow(/folder "_unknown_" is not one of the labels/);
  });
});
