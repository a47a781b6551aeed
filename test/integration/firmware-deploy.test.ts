import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { boards } from '../../src/boards/registry';
import {
  buildFirmware,
  BuildFirmwareOptions,
  ensureInsnPlugin,
  FIRMWARE_DIR,
  firmwareToolVersions,
  FirmwareBuild,
  firmwareBreakdown,
  FirmwareDoesNotFitError,
  FirmwareTimeoutError,
  MarkerNotFoundError,
  QemuRun,
  runOnQemu,
  sramUsage,
  UnknownBoardError,
} from '../../src/deploy';
import { isTinyopsError } from '../../src/errors';

// src/deploy with the real tools: arm-none-eabi-gcc + newlib, qemu-system-arm 7.2 (mps2-an386 /
// mps2-an500) and the instruction-count TCG plugin built with the host gcc. The probe firmware
// (firmware/test/deploy/tops_probe.c) switches behaviours on with -D.
const PROBE = path.join(FIRMWARE_DIR, 'test', 'deploy', 'tops_probe.c');

describe('src/deploy: build, run and measure firmware', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tops-deploy-'));
  const pluginCacheDir = path.join(root, 'plugin-cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  async function build(
    board: string,
    defines: string[],
    extra: Partial<BuildFirmwareOptions> = {},
  ): Promise<FirmwareBuild> {
    return buildFirmware({ board, sources: [PROBE], defines, outDir: path.join(root, `b${n++}`), ...extra });
  }
  async function run(b: FirmwareBuild, extra: { markers?: string[]; timeoutMs?: number } = {}): Promise<QemuRun> {
    return runOnQemu({
      board: b.board,
      elfPath: b.elfPath,
      workDir: path.dirname(b.elfPath),
      timeoutMs: extra.timeoutMs ?? 30_000,
      pluginCacheDir,
      markers: extra.markers,
    });
  }

  it.each(boards.map((b) => [b.name, b.qemuMachine, b.flashBytes, b.sramBytes] as const))(
    'builds for %s against its real memory sizes and runs on %s',
    async (board, _machine, flash, sram) => {
      const b = await build(board, []);
      const script = readFileSync(b.linkerScriptPath, 'utf8');
      expect(script).toContain(`LENGTH = ${flash}`);
      expect(script).toContain(`LENGTH = ${sram}`);
      expect(b.flashBytes).toBe(b.sections.text + b.sections.rodata + b.sections.data);
      expect(b.staticSramBytes).toBe(b.sections.data + b.sections.bss);
      expect(b.sections.text).toBeGreaterThan(1000);
      const r = await run(b);
      expect(r).toMatchObject({ exitCode: 0, stdout: 'probe done\n' });
      expect(r.instructions).toBeGreaterThan(1000);
      expect(r.markerCounts).toHaveLength(1);
    },
    60_000,
  );

  it('reports the firmware exit status', async () => {
    const r = await run(await build('stm32f446re', ['TOPS_PROBE_EXIT=3']));
    expect(r.exitCode).toBe(3);
  }, 60_000);

  it('turns a flash overflow into FirmwareDoesNotFitError naming sizes and board', async () => {
    const blob = 600 * 1024;
    const err = await build('stm32f446re', [`TOPS_PROBE_FLASH_BYTES=${blob}`]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirmwareDoesNotFitError);
    expect(isTinyopsError(err)).toBe(true);
    const m = /^model needs (\d+) KB flash, stm32f446re has 512 KB$/.exec((err as Error).message);
    expect(m).not.toBeNull();
    // The same program fits the 1 MB stm32f746zg: its measured flash is what the M4 needed
    // (give or take the few hundred bytes M7 code differs by).
    const fits = await build('stm32f746zg', [`TOPS_PROBE_FLASH_BYTES=${blob}`]);
    expect(fits.flashBytes).toBeGreaterThan(blob);
    expect(Math.abs(Number(m?.[1]) - Math.ceil(fits.flashBytes / 1024))).toBeLessThanOrEqual(1);
    expect((await run(fits)).stdout).toContain('blob 0');
  }, 60_000);

  it('turns an SRAM overflow (data + bss + heap + stack reservation) into FirmwareDoesNotFitError', async () => {
    const err = await build('stm32f446re', [], { stackBytes: 124 * 1024 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirmwareDoesNotFitError);
    const m =
      /^model needs (\d+) KB SRAM \(data \+ bss \+ 8 KB heap \+ 124 KB stack reservation\), stm32f446re has 128 KB$/.exec(
        (err as Error).message,
      );
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(132);
    expect(Number(m?.[1])).toBeLessThanOrEqual(140);
    // The larger boards hold the same reservation.
    await expect(build('stm32f746zg', [], { stackBytes: 124 * 1024 })).resolves.toMatchObject({
      stackReserveBytes: 124 * 1024,
    });
  }, 60_000);

  it('counts instructions exactly: a loop of N iterations costs k·N between two markers', async () => {
    const diffs: number[] = [];
    for (const iterations of [1000, 11000, 21000]) {
      const r = await run(await build('stm32f446re', [`TOPS_PROBE_LOOP=${iterations}`]));
      expect(r.markerCounts).toHaveLength(2);
      const [before, after] = r.markerCounts as [number, number];
      expect(after).toBeGreaterThan(before);
      expect(r.instructions).toBeGreaterThan(after);
      diffs.push(after - before);
      // Every iteration does one volatile load and one store: memory counts move with it.
      const [h0, h1] = r.markerHits;
      expect((h1?.counts.memWrites ?? 0) - (h0?.counts.memWrites ?? 0)).toBeGreaterThanOrEqual(iterations);
    }
    const perIteration = (diffs[1]! - diffs[0]!) / 10_000;
    expect(Number.isInteger(perIteration)).toBe(true);
    expect(perIteration).toBeGreaterThanOrEqual(3);
    expect(perIteration).toBeLessThanOrEqual(8);
    expect(diffs[2]! - diffs[1]!).toBe(diffs[1]! - diffs[0]!);
  }, 90_000);

  it('snapshots every marker named, in execution order, and rejects a missing one', async () => {
    const b = await build('stm32f746zg', ['TOPS_PROBE_LOOP=100']);
    const r = await run(b, { markers: ['tops_mark', 'main'] });
    expect(r.markerHits.map((h) => h.symbol)).toEqual(['main', 'tops_mark', 'tops_mark']);
    expect(r.markerCounts).toEqual([...r.markerCounts].sort((x, y) => x - y));
    await expect(run(b, { markers: ['no_such_function'] })).rejects.toBeInstanceOf(MarkerNotFoundError);
  }, 60_000);

  it('measures the stack high-water mark, and a 8 KB local array raises it by 8 KB', async () => {
    // The probe repaints before the call and reads the mark after it (tops_board.h), so the
    // measurement is that call's depth plus the frames above it, not printf's.
    const small = await run(await build('stm32f446re', ['TOPS_PROBE_LOCAL_BYTES=256']));
    const big = await run(await build('stm32f446re', ['TOPS_PROBE_LOCAL_BYTES=8448']));
    expect(small.stackHighWaterBytes).toBeGreaterThan(256);
    expect(small.stackHighWaterBytes).toBeLessThan(1024);
    expect(small.stdout).toContain(`stack ${small.stackHighWaterBytes}`);
    const grown = (big.stackHighWaterBytes ?? 0) - (small.stackHighWaterBytes ?? 0);
    expect(grown).toBeGreaterThanOrEqual(8192 - 16);
    expect(grown).toBeLessThanOrEqual(8192 + 16);
    // Without an explicit reading the start-up measures the whole run at exit (printf included).
    const wholeBuild = await build('stm32f446re', []);
    const whole = await run(wholeBuild);
    expect(whole.stackHighWaterBytes).toBeGreaterThan(0);
    const sram = sramUsage(wholeBuild, whole);
    expect(sram.measuredBytes).toBe(
      wholeBuild.sections.data + wholeBuild.sections.bss + (whole.stackHighWaterBytes ?? 0),
    );
    expect(sram.measuredWithHeapBytes).toBe(sram.measuredBytes + (whole.heapUsedBytes ?? 0));
    expect(small.heapUsedBytes).toBeGreaterThan(0); // newlib stdio buffers for printf
    expect(small.stderr).not.toMatch(/TOPS_/);
  }, 60_000);

  it('lets firmware read and write host files through semihosting, relative to workDir', async () => {
    const b = await build('stm32f767zi', ['TOPS_PROBE_FILE_IO']);
    const input = randomBytes(200);
    writeFileSync(path.join(path.dirname(b.elfPath), 'in.bin'), input);
    const r = await run(b);
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stdout).toContain('copied 200 bytes');
    const out = readFileSync(path.join(path.dirname(b.elfPath), 'out.bin'));
    expect([...out]).toEqual([...input].map((v) => (v + 1) & 0xff));
  }, 60_000);

  it('stops a firmware that never exits with FirmwareTimeoutError', async () => {
    const b = await build('stm32f446re', ['TOPS_PROBE_HANG']);
    await expect(run(b, { timeoutMs: 1500 })).rejects.toBeInstanceOf(FirmwareTimeoutError);
  }, 60_000);

  it('builds the plugin once per source hash and reuses the cached .so', async () => {
    const dir = path.join(root, 'fresh-cache');
    const first = await ensureInsnPlugin(dir);
    expect(path.basename(first)).toMatch(/^insn_count-[0-9a-f]{16}\.so$/);
    const mtime = statSync(first).mtimeMs;
    const [a, b] = await Promise.all([ensureInsnPlugin(dir), ensureInsnPlugin(dir)]);
    expect([a, b]).toEqual([first, first]);
    expect(statSync(first).mtimeMs).toBe(mtime);
  }, 60_000);

  it('reports the tool versions that belong in the deploy cache key', async () => {
    const v = await firmwareToolVersions();
    expect(v['arm-none-eabi-gcc']).toMatch(/^arm-none-eabi-gcc .*\d+\.\d+/);
    expect(v['qemu-system-arm']).toMatch(/^QEMU emulator version \d+\.\d+/);
    expect(v.gcc).toMatch(/^gcc /);
    expect(v['insn-plugin']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('builds the same bytes from any checkout or scratch directory (paths become /tinyops/... labels)', async () => {
    // Two copies of one source in different directories, built into different outDirs with
    // debug info, as two clones of the repository running the deploy stage would.
    const builds = await Promise.all(
      ['clone-a/model', 'elsewhere/clone-b/src'].map(async (rel, i) => {
        const dir = path.join(root, rel);
        mkdirSync(dir, { recursive: true });
        copyFileSync(PROBE, path.join(dir, 'tops_probe.c'));
        return buildFirmware({
          board: 'stm32f446re',
          sources: [path.join(dir, 'tops_probe.c')],
          outDir: path.join(root, `repro-${i}`, 'build'),
          debugInfo: true,
          pathLabels: [{ dir, label: '/tinyops/model-src' }],
        });
      }),
    );
    const [a, b] = builds.map((x) => readFileSync(x.elfPath));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.includes(root)).toBe(false);
    expect(builds[0]!.compilerArgs).toEqual(builds[1]!.compilerArgs);
    expect(builds[0]!.compilerArgs.join(' ')).not.toContain(root);
    // The size breakdown still finds the model's symbols under its real directory.
    const parts = await firmwareBreakdown(builds[1]!, [[path.join(root, 'elsewhere/clone-b/src'), 'model']]);
    expect(parts.model.flashBytes).toBeGreaterThan(0);
  }, 60_000);

  it('rejects an unknown board by name', async () => {
    await expect(build('stm32f999', [])).rejects.toThrow(
      new UnknownBoardError(
        'stm32f999',
        boards.map((b) => b.name),
      ).message,
    );
  });
});
