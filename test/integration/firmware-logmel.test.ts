import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitLogmelTablesC } from '../../src/codegen/logmel-tables-c';
import { fitBandNormalization, type BandNormalization } from '../../src/dsp/band-normalization';
import { logmelConfigSchema, logmelParams, type LogmelParams } from '../../src/dsp/logmel-config';
import { LogmelPatchQ15 } from '../../src/dsp/logmel-patch-q15';
import { buildFirmware, runOnQemu } from '../../src/deploy';
import { Prng } from '../../src/util/prng';
import { HOST_CFLAGS, REPO_ROOT } from '../helpers/firmware-build';

// The fixed-point log-mel front end of anomaly detection (firmware/frontend/tops_logmel_q15.c,
// frames hop by hop, 2×2 block mean, band normalization) against the TypeScript contract
// (src/dsp/logmel-patch-q15.ts): every code of every patch equal, built with the host gcc and
// cross-built for stm32f446re (Cortex-M4, QEMU mps2-an386).
const FIRMWARE = path.join(REPO_ROOT, 'firmware');

/** Test patches: machine-like tones + noise at several levels, silence, and full-scale clipping. */
function patches(p: LogmelPatchQ15, count: number): Int16Array[] {
  const rng = Prng.derive('logmel-firmware');
  return Array.from({ length: count }, (_, k) => {
    const level = [0.5, 0.01, 0.0003, 0, 1.2][k % 5]!;
    const f0 = 50 + 400 * rng.next();
    return Int16Array.from({ length: p.patchSamples }, (_, n) => {
      const t = n / p.params.sampleRate;
      const x =
        level *
        (0.6 * Math.sin(2 * Math.PI * f0 * t) +
          0.3 * Math.sin(2 * Math.PI * 7.3 * f0 * t) +
          0.2 * (rng.next() * 2 - 1));
      return Math.max(-32768, Math.min(32767, Math.round(x * 32768)));
    });
  });
}

function setup(
  params: LogmelParams,
  stats: BandNormalization | undefined,
): { dir: string; fe: LogmelPatchQ15; expected: Int16Array; pcm: Int16Array[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tops-logmel-'));
  for (const [file, text] of Object.entries(emitLogmelTablesC(params, stats).files))
    writeFileSync(path.join(dir, file), text);
  const fe = new LogmelPatchQ15(params, stats);
  const pcm = patches(fe, 5);
  const all = new Int16Array(pcm.length * fe.patchSamples);
  pcm.forEach((x, i) => all.set(x, i * fe.patchSamples));
  writeFileSync(path.join(dir, 'vectors.bin'), Buffer.from(all.buffer));
  const expected = new Int16Array(pcm.flatMap((x) => [...fe.compute(x)]));
  return { dir, fe, expected, pcm };
}

function readInt16(file: string): Int16Array {
  const b = readFileSync(file);
  return new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2);
}

const sources = (dir: string): string[] => [
  path.join(FIRMWARE, 'test', 'test_tops_logmel.c'),
  path.join(FIRMWARE, 'frontend', 'tops_logmel_q15.c'),
  path.join(FIRMWARE, 'frontend', 'tops_mfcc_q15.c'),
  path.join(dir, 'tops_frontend.c'),
  path.join(dir, 'tops_frontend_mfcc.c'),
];

describe('fixed-point log-mel patches: C == TypeScript', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const params = logmelParams(logmelConfigSchema.parse({ type: 'logmel', downsample: 2, normalize: 'band' }));
  // Band statistics of the kind the features stage fits (means around −60 dB, sd a few dB).
  const stats = fitBandNormalization(
    Float32Array.from({ length: 32 * 200 }, (_, i) => -60 + 20 * Math.sin(i * 0.37) + (i % 32)),
    32,
  );

  it.each([
    ['64 ms / 32 ms, 2×2 mean, band-normalized (the ad.yaml front end)', params, stats],
    ['no downsampling, raw dB', logmelParams(logmelConfigSchema.parse({ type: 'logmel', patchFrames: 16 })), undefined],
  ])('host gcc: %s', (_name, p, s) => {
    const { dir, expected } = setup(p, s);
    dirs.push(dir);
    const exe = path.join(dir, 'test_tops_logmel');
    execFileSync('gcc', [
      ...HOST_CFLAGS,
      `-I${dir}`,
      `-I${path.join(FIRMWARE, 'include')}`,
      ...sources(dir),
      '-o',
      exe,
    ]);
    const out = execFileSync(exe, [], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/^ok$/m);
    const got = readInt16(path.join(dir, 'patches.bin'));
    expect(got.length).toBe(expected.length);
    const bad = got.findIndex((v, i) => v !== expected[i]);
    expect(bad).toBe(-1);
    // Not a vacuous check: the patches span silence to clipping, so the codes vary widely.
    expect(new Set(expected).size).toBeGreaterThan(200);
  });

  it('on stm32f446re in QEMU: every code equal', async () => {
    const { dir, expected } = setup(params, stats);
    dirs.push(dir);
    const build = await buildFirmware({
      board: 'stm32f446re',
      sources: sources(dir),
      includeDirs: [dir],
      outDir: path.join(dir, 'board'),
      elfName: 'test_tops_logmel.elf',
    });
    const run = await runOnQemu({ board: 'stm32f446re', elfPath: build.elfPath, workDir: dir, timeoutMs: 120_000 });
    expect(run.stdout).toMatch(/^ok$/m);
    const got = readInt16(path.join(dir, 'patches.bin'));
    expect(got.length).toBe(expected.length);
    expect(got.findIndex((v, i) => v !== expected[i])).toBe(-1);
  }, 180_000);

  it('a perturbed band constant is caught (the comparison can fail)', () => {
    const off = { meanQ5: stats.meanQ5.map((m, i) => (i === 3 ? m + 1 : m)), gainQ15: stats.gainQ15 };
    const fe = new LogmelPatchQ15(params, stats);
    const moved = new LogmelPatchQ15(params, off);
    const pcm = patches(fe, 1)[0]!;
    const a = fe.compute(pcm);
    expect(moved.compute(pcm).some((v, i) => v !== a[i])).toBe(true);
  });
});
