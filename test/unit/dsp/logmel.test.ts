import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featuresStage, type FeaturesConfig } from '../../../activities/features';
import type { StageContext } from '../../../src/stage/stage-module';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { LogmelFloat, LogmelQ15, logmelFrames } from '../../../src/dsp/logmel';
import { logmelConfigSchema, logmelParams } from '../../../src/dsp/logmel-config';
import { extractPatches, patchCount } from '../../../src/dsp/logmel-patches';
import { synthMachineConfigSchema } from '../../../src/machine/machine-config';
import { generateMachineDataset } from '../../../src/machine/synth-machine-dataset';
import { floatToInt16 } from '../../../src/audio/wav';
import { rngForSeed } from '../../../src/synth/rng-for';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { Prng } from '../../../src/util/prng';
import { speechLike, tone, whiteNoise } from './signals';

const params = logmelParams(logmelConfigSchema.parse({ type: 'logmel' }));

/** max |fixed − float| (dB) over bands within 100 dB of their frame's loudest band. */
function fixedVsFloat(pcm: Int16Array): number {
  const q = new LogmelQ15(params).compute(pcm);
  const f = new LogmelFloat(params).compute(Float64Array.from(pcm, (v) => v / 32768));
  let worst = 0;
  for (let t = 0; t < logmelFrames(params, pcm.length); t++) {
    const row = f.subarray(t * 64, t * 64 + 64);
    const top = Math.max(...row);
    for (let m = 0; m < 64; m++)
      if (row[m]! > top - 100) worst = Math.max(worst, Math.abs(q[t * 64 + m]! / 32 - row[m]!));
  }
  return worst;
}

describe('log-mel front end', () => {
  it('defaults are MicroNets §4.3: 64 ms / 32 ms, 64 bands, FFT 1024, 0–8 kHz, 64-frame patches every 20 frames', () => {
    expect(params).toMatchObject({
      windowSamples: 1024,
      hopSamples: 512,
      fftSize: 1024,
      melBands: 64,
      lowHz: 0,
      highHz: 8000,
      patchFrames: 64,
      patchHop: 20,
      patchShape: [64, 64],
    });
    expect(logmelFrames(params, 160000)).toBe(311);
    expect(patchCount(params, 311)).toBe(13);
    const bad = logmelConfigSchema.safeParse({ type: 'logmel', downsample: 3 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toContain('must divide patchFrames (64) and melBands (64)');
  });

  it('a 1 kHz tone peaks in the band around 1 kHz', () => {
    const x = tone(1000, 0.5, 16000).float;
    const f = new LogmelFloat(params).compute(x);
    const row = Array.from(f.subarray(0, 64));
    const peak = row.indexOf(Math.max(...row));
    // HTK mel of 1 kHz over 0–8 kHz in 65 steps: centre of band m is mel (m + 1)·Δ.
    const delta = (2595 * Math.log10(1 + 8000 / 700)) / 65;
    expect(Math.abs(peak + 1 - (2595 * Math.log10(1 + 1000 / 700)) / delta)).toBeLessThan(1);
  });

  // The MFCC front end's documented bound (mfcc-q15.test.ts): ≤ 0.1 dB per band within
  // 100 dB of the loudest; pure tones come closest (measured 0.098 dB on a 440 Hz tone).
  it("fixed point agrees with float to 0.1 dB within 100 dB of each frame's loudest band", () => {
    const signals: Array<[string, Int16Array]> = [
      ['speech-like', speechLike('lm', 32000).pcm],
      ['white noise', whiteNoise('lm', 0.05, 32000).pcm],
      ['quiet noise', whiteNoise('lm2', 0.0005, 32000).pcm],
      ['tone', tone(440, 0.8, 32000).pcm],
    ];
    for (const [name, pcm] of signals) {
      const e = fixedVsFloat(pcm);
      if (!(e < 0.1)) throw new Error(`${name}: fixed vs float ${e} dB`);
    }
  });

  it('fixed point on a synthetic machine clip: every band within 0.05 dB', async () => {
    const root = mkdtempSync(join(tmpdir(), 'logmel-'));
    try {
      const cfg = synthMachineConfigSchema.parse({
        machines: [{ type: 'fan', ids: 1 }],
        clips: { train: 1, validation: 0, testNormal: 1, testAbnormal: 1 },
        clipMs: 2000,
      });
      await generateMachineDataset(cfg, root, rngForSeed(1, 'd'));
      const { readWav } = await import('../../../src/audio/wav');
      const pcm = Int16Array.from(readWav(join(root, 'fan/id_00/normal/train_0000.wav')).samples, floatToInt16);
      expect(fixedVsFloat(pcm)).toBeLessThan(0.05);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('patches: frame j·hop + r is row r of patch j; 2×2 downsampling is the (rounded) block mean', () => {
    const p = logmelParams(
      logmelConfigSchema.parse({ type: 'logmel', melBands: 4, patchFrames: 4, patchHop: 2, downsample: 2 }),
    );
    const frames = 7;
    const spec = Float64Array.from({ length: frames * 4 }, (_, i) => i);
    expect(patchCount(p, frames)).toBe(2);
    const full = logmelParams(logmelConfigSchema.parse({ type: 'logmel', melBands: 4, patchFrames: 4, patchHop: 2 }));
    const raw = extractPatches(full, spec, frames, false);
    expect(Array.from(raw.subarray(16, 20))).toEqual([8, 9, 10, 11]); // patch 1 starts at frame 2
    const down = extractPatches(p, spec, frames, false);
    expect(Array.from(down.subarray(0, 4))).toEqual([
      (0 + 1 + 4 + 5) / 4,
      (2 + 3 + 6 + 7) / 4,
      (8 + 9 + 12 + 13) / 4,
      (10 + 11 + 14 + 15) / 4,
    ]);
    const ints = Int16Array.from([
      1, 2, 0, 0, 0, 0, 0, 0, -1, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(extractPatches(p, ints, frames, true).subarray(0, 1))).toEqual([1]); // (3 + 2) div 4
    expect(Array.from(extractPatches(p, ints, frames, true).subarray(2, 3))).toEqual([-1]); // (−3 + 2) div 4 = floor(−0.25)
  });
});

describe('features stage, type: logmel', () => {
  it('turns a machine dataset into per-split patch tensors labelled by machine ID, with clip paths', async () => {
    const root = mkdtempSync(join(tmpdir(), 'logmel-stage-'));
    try {
      const cfg = synthMachineConfigSchema.parse({
        machines: [{ type: 'slider', ids: 2 }],
        clips: { train: 2, validation: 1, testNormal: 1, testAbnormal: 1, devNormal: 1, devAbnormal: 1 },
        clipMs: 3000,
      });
      await generateMachineDataset(cfg, join(root, 'ds'), rngForSeed(1, 'd'));
      const config = featuresStage.configSchema.parse({
        type: 'logmel',
        downsample: 2,
        patchHop: 16,
      }) as FeaturesConfig;
      mkdirSync(join(root, 'work'));
      mkdirSync(join(root, 'store'));
      const unused = async (): Promise<never> => {
        throw new Error('unused');
      };
      const ref: ArtifactRef = {
        name: 'dataset',
        mediaType: 'application/x-tar',
        sha256: '0'.repeat(64),
        bytes: 1,
        uri: 'file:///x',
      };
      const ctx: StageContext<FeaturesConfig> = {
        pipelineName: 'ad',
        stageName: 'features',
        runId: 'r',
        seed: 1,
        config,
        inputs: { data: { artifacts: [ref], metrics: {} } },
        workDir: join(root, 'work'),
        rng: (...p) => Prng.derive(1, ...p),
        progress: () => undefined,
        loadCheckpoint: async () => undefined,
        saveCheckpoint: async () => undefined,
        storeFile: async (name, path, mediaType) => {
          const bytes = readFileSync(path);
          const sha256 = createHash('sha256').update(bytes).digest('hex');
          copyFileSync(path, join(root, 'store', sha256));
          return { name, mediaType, sha256, bytes: bytes.length, uri: join(root, 'store', sha256) };
        },
        storeDir: unused,
        storeJson: unused,
        fetchFile: unused,
        fetchDir: async () => join(root, 'ds'),
        log: () => undefined,
      };
      const r = await featuresStage.run(ctx);
      // A dataset with a dev split gets a fourth file (docs/anomaly-detection.md#dev-split).
      expect(r.artifacts.map((a) => a.name)).toEqual(['train', 'validation', 'test', 'dev']);
      // 3 s: 92 frames → 1 + floor((92 − 64) / 16) = 2 patches per clip.
      expect(r.metrics).toMatchObject({
        frames: 32,
        bands: 32,
        machines: 2,
        trainPatches: 8,
        validationPatches: 4,
        testPatches: 8,
        testClips: 4,
        devPatches: 8,
        devClips: 4,
      });
      const dev = readFeatureTensor(r.artifacts[3]!.uri);
      expect(dev.header.split).toBe('dev');
      expect(dev.header.clips.filter((c) => c.includes('/abnormal/dev_')).length).toBe(4);
      expect(r.metrics.fixedVsFloatMaxAbsErr as number).toBeLessThan(0.5);
      const test = readFeatureTensor(r.artifacts[2]!.uri);
      expect(test.header.shape).toEqual([8, 32, 32]);
      expect(test.header.labels).toEqual(['slider/id_00', 'slider/id_01']);
      expect(test.header.labelIndex).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
      expect(test.header.clips[0]).toBe('slider/id_00/abnormal/test_0000_rattle.wav');
      expect(test.header.frontEnd).toMatchObject({ type: 'logmel', fftSize: 1024, highHz: 8000 });
      // Stored values are Q5 dB: multiples of 1/32.
      expect(test.data.every((v) => Number.isInteger(v * 32))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
