import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthMachineStage } from '../../../activities/synth-machine';
import { readWav } from '../../../src/audio/wav';
import { synthMachineConfigSchema } from '../../../src/machine/machine-config';
import { readMachineManifest } from '../../../src/machine/machine-dataset';
import { generateMachineDataset } from '../../../src/machine/synth-machine-dataset';
import { rngForSeed } from '../../../src/synth/rng-for';
import { fakeContext } from '../../helpers/fake-stage-context';
import { dirDigest } from '../synth/dir-digest';

describe('synth-machine', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'synth-machine-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const config = synthMachineConfigSchema.parse({
    machines: [
      { type: 'slider', ids: 2 },
      { type: 'valve', ids: 1, anomalies: ['leak-hiss'] },
    ],
    clips: { train: 2, validation: 1, testNormal: 1, testAbnormal: 2 },
    clipMs: 1000,
  });

  it('same seed → identical bytes; another seed → other bytes', async () => {
    await generateMachineDataset(config, join(root, 'a'), rngForSeed(1, 'data'));
    await generateMachineDataset(config, join(root, 'b'), rngForSeed(1, 'data'));
    await generateMachineDataset(config, join(root, 'c'), rngForSeed(2, 'data'));
    const a = dirDigest(join(root, 'a'));
    expect(dirDigest(join(root, 'b'))).toEqual(a);
    const c = dirDigest(join(root, 'c'));
    expect(Object.keys(c)).toEqual(Object.keys(a));
    expect(c['slider/id_00/normal/train_0000.wav']).not.toBe(a['slider/id_00/normal/train_0000.wav']);
  });

  it('adding an ID leaves the clips of the existing IDs unchanged', async () => {
    const more = synthMachineConfigSchema.parse({
      ...config,
      machines: [{ type: 'slider', ids: 3 }, config.machines[1]],
    });
    await generateMachineDataset(more, join(root, 'd'), rngForSeed(1, 'data'));
    const a = dirDigest(join(root, 'a'));
    const d = dirDigest(join(root, 'd'));
    for (const [path, sha] of Object.entries(a)) if (path !== 'machines.json') expect(d[path]).toBe(sha);
    expect(d['slider/id_02/normal/train_0000.wav']).toBeDefined();
  });

  it('growing the test and dev splits leaves every earlier clip and its recorded conditions unchanged', async () => {
    const small = synthMachineConfigSchema.parse({
      ...config,
      clips: { ...config.clips, devNormal: 1, devAbnormal: 1 },
    });
    const large = synthMachineConfigSchema.parse({
      ...config,
      clips: { ...config.clips, testNormal: 3, testAbnormal: 4, devNormal: 2, devAbnormal: 3 },
    });
    await generateMachineDataset(small, join(root, 'grow-small'), rngForSeed(1, 'data'));
    await generateMachineDataset(large, join(root, 'grow-large'), rngForSeed(1, 'data'));
    const s = dirDigest(join(root, 'grow-small'));
    const l = dirDigest(join(root, 'grow-large'));
    for (const [path, sha] of Object.entries(s))
      if (path !== 'machines.json') expect({ path, sha: l[path] }).toEqual({ path, sha });
    expect(Object.keys(l).length).toBeGreaterThan(Object.keys(s).length);
    const byPath = new Map(readMachineManifest(join(root, 'grow-large')).clips.map((c) => [c.path, c]));
    for (const c of readMachineManifest(join(root, 'grow-small')).clips) expect(byPath.get(c.path)).toEqual(c);
  });

  it('writes the MIMII layout and a manifest with per-clip metadata', () => {
    const m = readMachineManifest(join(root, 'a'));
    expect(m.machines).toEqual([
      { type: 'slider', ids: ['id_00', 'id_01'] },
      { type: 'valve', ids: ['id_00'] },
    ]);
    expect(m.clips).toHaveLength(3 * 6);
    const abnormal = m.clips.filter((c) => c.condition === 'abnormal');
    expect(abnormal.every((c) => c.split === 'test' && c.anomaly && c.severity! >= 0.3 && c.severity! <= 1)).toBe(true);
    expect(abnormal.filter((c) => c.type === 'valve').map((c) => c.anomaly)).toEqual(['leak-hiss', 'leak-hiss']);
    expect(m.clips.filter((c) => c.type === 'slider' && c.condition === 'abnormal').map((c) => c.anomaly)).toEqual([
      'rattle',
      'friction',
      'rattle',
      'friction',
    ]);
    expect(m.clips.filter((c) => c.condition === 'normal').every((c) => c.anomaly === undefined)).toBe(true);
    expect(m.physics!.slider!.id_00!.strokePeriodS).toEqual(expect.any(Number));
    const first = m.clips[0]!;
    expect(first.path).toBe('slider/id_00/abnormal/test_0000_rattle.wav');
    const wav = readWav(join(root, 'a', first.path));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length).toBe(16000);
    expect(JSON.parse(readFileSync(join(root, 'a', 'machines.json'), 'utf8')).generator).toBe('synth-machine');
  });

  it("records every clip's drawn conditions, with the reflection and background mix (version 2)", () => {
    const m = readMachineManifest(join(root, 'a'));
    const keys = [
      'bgBrownShare',
      'bgHumShare',
      'bgPinkShare',
      'gainDb',
      'humHz',
      'load',
      'micDistance',
      'reflectionGain',
      'reflectionMs',
      'snrDb',
      'speed',
    ];
    for (const c of m.clips) {
      const k = c.conditions!;
      expect(Object.keys(k).sort()).toEqual(keys);
      expect(k.reflectionMs).toBeGreaterThanOrEqual(1);
      expect(k.reflectionMs).toBeLessThanOrEqual(8);
      expect(k.reflectionGain).toBeGreaterThanOrEqual(0.2);
      expect(k.reflectionGain).toBeLessThanOrEqual(0.5);
      expect(Math.abs(k.bgBrownShare! + k.bgPinkShare! + k.bgHumShare! - 1)).toBeLessThan(2e-4); // 4-digit rounding
      expect([50, 60]).toContain(k.humHz);
    }
    // Drawn per clip, not per machine: the clips of one ID differ.
    const id0 = m.clips.filter((c) => c.type === 'slider' && c.id === 'id_00');
    expect(new Set(id0.map((c) => c.conditions!.reflectionMs)).size).toBe(id0.length);
    expect(new Set(id0.map((c) => c.conditions!.bgHumShare)).size).toBe(id0.length);
  });

  it('idSpread 0 makes every ID of a type the same unit', async () => {
    const same = synthMachineConfigSchema.parse({ ...config, idSpread: 0 });
    await generateMachineDataset(same, join(root, 'e'), rngForSeed(1, 'data'));
    const p = readMachineManifest(join(root, 'e')).physics!.slider!;
    expect(p.id_01).toEqual(p.id_00);
    expect(readMachineManifest(join(root, 'a')).physics!.slider!.id_01).not.toEqual(
      readMachineManifest(join(root, 'a')).physics!.slider!.id_00,
    );
  });

  describe('dev split', () => {
    const withDev = synthMachineConfigSchema.parse({
      ...config,
      clips: { ...config.clips, devNormal: 2, devAbnormal: 2 },
    });

    it('is deterministic and leaves train / validation / test byte-identical', async () => {
      await generateMachineDataset(withDev, join(root, 'dev1'), rngForSeed(1, 'data'));
      await generateMachineDataset(withDev, join(root, 'dev2'), rngForSeed(1, 'data'));
      const d1 = dirDigest(join(root, 'dev1'));
      expect(dirDigest(join(root, 'dev2'))).toEqual(d1);
      const a = dirDigest(join(root, 'a')); // the same config without dev clips
      for (const [path, sha] of Object.entries(a)) if (path !== 'machines.json') expect(d1[path]).toBe(sha);
      const dev = Object.keys(d1).filter((p) => p.includes('/dev_'));
      expect(dev).toHaveLength(3 * 4);
      expect(dev).toContain('slider/id_00/abnormal/dev_0001_friction.wav');
    });

    it('is disjoint from test: no dev clip equals a test clip, severities are drawn apart', () => {
      const d = dirDigest(join(root, 'dev1'));
      const testShas = new Set(
        Object.entries(d)
          .filter(([p]) => p.includes('/test_'))
          .map(([, sha]) => sha),
      );
      const devShas = Object.entries(d).filter(([p]) => p.includes('/dev_'));
      expect(devShas.every(([, sha]) => !testShas.has(sha))).toBe(true);
      const m = readMachineManifest(join(root, 'dev1'));
      const sev = (split: string) =>
        m.clips.filter((c) => c.split === split && c.condition === 'abnormal').map((c) => `${c.path}:${c.severity}`);
      const testSev = new Set(sev('test').map((s) => s.split(':')[1]));
      expect(sev('dev')).toHaveLength(6);
      expect(sev('dev').filter((s) => testSev.has(s.split(':')[1])).length).toBe(0);
      // Same machines: the dev clips use the IDs' physics, which are in the manifest once.
      expect(m.physics).toEqual(readMachineManifest(join(root, 'a')).physics);
    });

    it('needs both dev counts or neither', () => {
      const half = synthMachineConfigSchema.safeParse({ clips: { devNormal: 3 } });
      expect(half.success).toBe(false);
      expect(half.error!.issues[0]!.message).toContain('devNormal and devAbnormal must both be 0');
    });
  });

  it('rejects a machine type listed twice, and an unknown anomaly', () => {
    const twice = synthMachineConfigSchema.safeParse({ machines: [{ type: 'fan' }, { type: 'fan' }] });
    expect(twice.success).toBe(false);
    expect(twice.error!.issues[0]!.message).toContain('listed twice');
    expect(synthMachineConfigSchema.safeParse({ machines: [{ type: 'fan', anomalies: ['squeak'] }] }).success).toBe(
      false,
    );
  });

  it('runs as a stage: one dataset artifact, metrics, progress', async () => {
    const { ctx, progress, stored } = fakeContext(config, join(root, 'work'));
    const r = await synthMachineStage.run(ctx);
    expect(r.artifacts.map((a) => a.name)).toEqual(['dataset']);
    expect(r.metrics).toMatchObject({
      clips: 18,
      trainClips: 6,
      validationClips: 3,
      testNormalClips: 3,
      testAbnormalClips: 6,
      machineIds: 3,
    });
    expect(Object.keys(stored.dataset!)).toContain('machines.json');
    expect(progress[progress.length - 1]).toMatchObject({ done: 18, total: 18, unit: 'clips' });
  });
});

describe('readMachineManifest', () => {
  it('names what is missing when the dataset is not a machine dataset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-machine-'));
    try {
      expect(() => readMachineManifest(dir)).toThrow(
        /not a machine-sound dataset \(no machines\.json\); log-mel patches need/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
