import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importAudioStage } from '../../../activities/import-audio';
import { encodeWav16, readWav } from '../../../src/audio/wav';
import { StageInputError } from '../../../src/errors';
import { importAudioConfigSchema } from '../../../src/importer/import-config';
import { detectMachineLayout } from '../../../src/importer/machine-folder';
import { importMachineFolder } from '../../../src/importer/machine-import';
import { readMachineManifest } from '../../../src/machine/machine-dataset';
import { synthMachineConfigSchema } from '../../../src/machine/machine-config';
import { generateMachineDataset } from '../../../src/machine/synth-machine-dataset';
import { rngForSeed } from '../../../src/synth/rng-for';
import { fakeContext } from '../../helpers/fake-stage-context';
import { dirDigest } from '../synth/dir-digest';

function tone(n: number, hz: number, sr: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin((2 * Math.PI * hz * i) / sr));
}

function put(root: string, rel: string, bytes: Buffer | string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), bytes);
}

describe('import-audio, machine layouts', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'machine-import-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function mimii(dir: string): void {
    for (const id of ['id_00', 'id_02']) {
      for (let i = 0; i < 6; i++)
        put(
          dir,
          `slider/${id}/normal/${String(i).padStart(8, '0')}.wav`,
          encodeWav16(tone(1600, 200 + i, 16000), 16000),
        );
      for (let i = 0; i < 2; i++)
        put(dir, `slider/${id}/abnormal/${String(i).padStart(8, '0')}.wav`, encodeWav16(tone(1600, 900, 16000), 16000));
    }
    put(dir, 'slider/id_00/normal/README.txt', 'notes');
  }

  function dcase(dir: string): void {
    for (let i = 0; i < 4; i++)
      put(dir, `fan/train/normal_id_00_${String(i).padStart(8, '0')}.wav`, encodeWav16(tone(800, 300, 8000), 8000));
    put(dir, 'fan/test/normal_id_00_00000000.wav', encodeWav16(tone(800, 300, 8000), 8000));
    put(dir, 'fan/test/anomaly_id_00_00000000.wav', encodeWav16(tone(800, 700, 8000), 8000));
  }

  it('MIMII: abnormal clips and as many normals go to test, the rest train/validation', async () => {
    mimii(join(root, 'in'));
    const s = await importMachineFolder(join(root, 'in'), 'in', join(root, 'out'), {
      layout: 'auto',
      sampleRate: 16000,
      validation: 0.25,
    });
    expect(s).toMatchObject({
      layout: 'mimii',
      clips: 16,
      testAbnormalClips: 4,
      testNormalClips: 4,
      machineTypes: 1,
      machineIds: 2,
      ignoredFiles: 1,
    });
    expect(s.trainClips + s.validationClips).toBe(8);
    const m = readMachineManifest(join(root, 'out'));
    expect(m.machines).toEqual([{ type: 'slider', ids: ['id_00', 'id_02'] }]);
    const c = m.clips.find((x) => x.path === 'slider/id_00/abnormal/00000000.wav')!;
    expect(c).toMatchObject({
      type: 'slider',
      id: 'id_00',
      condition: 'abnormal',
      split: 'test',
      durationS: 0.1,
      source: 'slider/id_00/abnormal/00000000.wav',
    });
    for (const id of ['id_00', 'id_02']) {
      expect(m.clips.filter((x) => x.id === id && x.split === 'test' && x.condition === 'normal')).toHaveLength(2);
    }
  });

  it('DCASE: train/ and test/ give the split, names give ID and condition; other rates are resampled', async () => {
    dcase(join(root, 'in'));
    const s = await importMachineFolder(join(root, 'in'), 'in', join(root, 'out'), {
      layout: 'dcase',
      sampleRate: 16000,
      validation: 0,
    });
    expect(s).toMatchObject({
      layout: 'dcase',
      clips: 6,
      trainClips: 4,
      testNormalClips: 1,
      testAbnormalClips: 1,
      resampled: 6,
    });
    const m = readMachineManifest(join(root, 'out'));
    expect(m.clips.map((c) => c.path)).toContain('fan/id_00/abnormal/test_anomaly_id_00_00000000.wav');
    expect(m.clips.map((c) => c.path)).toContain('fan/id_00/normal/train_normal_id_00_00000000.wav');
    const wav = readWav(join(root, 'out', 'fan/id_00/normal/test_normal_id_00_00000000.wav'));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBe(1600);
  });

  it('a corrupt WAV is an error naming the file', async () => {
    mimii(join(root, 'in'));
    put(join(root, 'in'), 'slider/id_00/normal/00000003.wav', Buffer.from('RIFF....WAVEjunk'));
    await expect(
      importMachineFolder(join(root, 'in'), 'in', join(root, 'out'), {
        layout: 'mimii',
        sampleRate: 16000,
        validation: 0,
      }),
    ).rejects.toThrow(/import-audio: in\/slider\/id_00\/normal\/00000003\.wav: /);
  });

  it('empty class folders, anomalies in train/, bad DCASE names and unknown layouts are clear errors', async () => {
    const run = (layout: 'mimii' | 'dcase' | 'auto') =>
      importMachineFolder(join(root, 'in'), 'in', join(root, 'out'), { layout, sampleRate: 16000, validation: 0 });
    mimii(join(root, 'in'));
    mkdirSync(join(root, 'in', 'slider/id_04/normal'), { recursive: true });
    await expect(run('mimii')).rejects.toThrow('folder in/slider/id_04/normal has no .wav files');
    rmSync(join(root, 'in'), { recursive: true });

    dcase(join(root, 'in'));
    put(join(root, 'in'), 'fan/train/anomaly_id_00_00000009.wav', encodeWav16(tone(800, 700, 8000), 8000));
    await expect(run('dcase')).rejects.toThrow('an anomalous clip in train/');
    rmSync(join(root, 'in', 'fan/train/anomaly_id_00_00000009.wav'));
    put(join(root, 'in'), 'fan/test/clip7.wav', encodeWav16(tone(800, 700, 8000), 8000));
    await expect(run('dcase')).rejects.toThrow('expected a DCASE name');
    rmSync(join(root, 'in'), { recursive: true });

    put(join(root, 'in'), 'yes/a.wav', encodeWav16(tone(800, 700, 16000), 16000));
    await expect(detectMachineLayout(join(root, 'in'), 'in')).rejects.toThrow(
      /matches neither of the machine-sound layouts.*set layout: mimii/,
    );
    await expect(run('auto')).rejects.toBeInstanceOf(StageInputError);
  });

  it('importing the synth-machine output (MIMII layout) reproduces its clips byte for byte', async () => {
    const cfg = synthMachineConfigSchema.parse({
      machines: [{ type: 'pump', ids: 2 }],
      clips: { train: 3, validation: 0, testNormal: 1, testAbnormal: 1 },
      clipMs: 500,
    });
    await generateMachineDataset(cfg, join(root, 'synth'), rngForSeed(3, 'data'));
    await importMachineFolder(join(root, 'synth'), 'synth', join(root, 'out'), {
      layout: 'auto',
      sampleRate: 16000,
      validation: 0,
    });
    const a = dirDigest(join(root, 'synth'));
    const b = dirDigest(join(root, 'out'));
    delete a['machines.json'];
    delete b['machines.json'];
    expect(b).toEqual(a);
  });

  it('runs as the import-audio stage with layout:, and KWS-only keys are refused for machine layouts', async () => {
    mimii(join(root, 'in'));
    const config = importAudioConfigSchema.parse({ path: join(root, 'in'), layout: 'mimii' });
    const { ctx, stored } = fakeContext(config, join(root, 'work'));
    const r = await importAudioStage.run(ctx);
    expect(r.artifacts.map((a) => a.name)).toEqual(['dataset']);
    expect(r.metrics).toMatchObject({ layout: 'mimii', clips: 16, machineIds: 2 });
    expect(Object.keys(stored.dataset!)).toContain('machines.json');
    const bad = importAudioConfigSchema.safeParse({ path: 'x', layout: 'dcase', keywords: ['yes'], silenceClips: 3 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'keywords: applies to layout speech-commands only, not dcase',
      'silenceClips: applies to layout speech-commands only, not dcase',
    ]);
    // Without layout: the Speech Commands config resolves exactly as before (cache keys unchanged).
    expect('layout' in importAudioConfigSchema.parse({ path: 'x' })).toBe(false);
  });
});
