/**
 * Builds firmware/test/test_tops_kernels.c against generated vectors, for the host (gcc) or a
 * registry board (src/deploy: arm-none-eabi-gcc, run under QEMU), with the ref or dsp kernels,
 * and parses its summary line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitKernelTestHeader, KernelTestCase, RequantizeCases } from './test-vectors';
import { buildFirmware, runOnQemu } from '../../src/deploy';
import { kernelSources, type KernelVariant } from '../../src/codegen/kernel-variants';

/** Kernel variants and their sources (as `make KERNELS=<variant>` picks them) have one definition. */
export { kernelSources, type KernelVariant };

/** Repository root, from dist/test/helpers or test/helpers alike. */
export const REPO_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..',
);
const FIRMWARE = path.join(REPO_ROOT, 'firmware');
/** Host gcc flags of every firmware test build: warnings are errors, as for the board builds (firmware/README.md). */
export const HOST_CFLAGS: readonly string[] = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c99', '-pedantic'];

export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** A fresh temp dir holding tops_test_vectors.h for `cases` (and direct requantization cases). */
export function writeVectors(
  cases: readonly KernelTestCase[],
  seed: string | number,
  requantize?: RequantizeCases,
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tops-kernels-'));
  const header = emitKernelTestHeader(cases, { seed, commit: gitCommit() }, requantize);
  writeFileSync(path.join(dir, 'tops_test_vectors.h'), header);
  return dir;
}

/**
 * TOPS_TEST_DSP: the dsp kernels accept a per-channel quant that is only the codegen table
 * (firmware/kernels/ref/tops_common.h), so firmware/test/tops_test_case.h gives some cases no
 * multiplier / shift arrays in dsp builds.
 */
const variantDefines = (variant: KernelVariant): string[] => (variant === 'dsp' ? ['TOPS_TEST_DSP'] : []);

function sources(dir: string, variant: KernelVariant): string[] {
  return [
    `-I${dir}`,
    `-I${path.join(FIRMWARE, 'include')}`,
    `-I${path.join(FIRMWARE, 'test')}`,
    ...variantDefines(variant).map((d) => `-D${d}`),
    path.join(FIRMWARE, 'test', 'test_tops_kernels.c'),
    ...kernelSources(variant),
  ];
}

/** Compile the harness with the host gcc; throws with gcc's stderr on any warning or error. */
export function buildHostHarness(dir: string, variant: KernelVariant = 'ref'): string {
  const exe = path.join(dir, `test_tops_kernels_${variant}`);
  execFileSync('gcc', [...HOST_CFLAGS, ...sources(dir, variant), '-o', exe], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return exe;
}

/** Cross-compile for a registry board with src/deploy (generated linker script, shared start-up). */
export async function buildBoardHarness(
  dir: string,
  variant: KernelVariant = 'ref',
  board = 'stm32f446re',
  defines: readonly string[] = [],
): Promise<string> {
  const build = await buildFirmware({
    board,
    defines: [...defines, ...variantDefines(variant)],
    sources: [path.join(FIRMWARE, 'test', 'test_tops_kernels.c'), ...kernelSources(variant)],
    includeDirs: [dir, path.join(FIRMWARE, 'test')],
    outDir: path.join(dir, `${board}-${variant}`),
    elfName: 'test_tops_kernels.elf',
  });
  return build.elfPath;
}

/**
 * Runs a harness ELF under QEMU with `-icount shift=0` (one instruction per virtual ns), for
 * harnesses that time regions with SysTick (firmware/test/tops_icount.h, TOPS_TEST_TIMING).
 */
export function runBoardHarnessIcount(elf: string, timeoutMs = 120_000, machine = 'mps2-an386'): HarnessResult {
  const r = spawnSync(
    'qemu-system-arm',
    [
      '-M',
      machine,
      '-nographic',
      '-monitor',
      'none',
      '-serial',
      'none',
      '-icount',
      'shift=0',
      '-semihosting-config',
      'enable=on,target=native',
      '-kernel',
      elf,
    ],
    { encoding: 'utf8', timeout: timeoutMs },
  );
  if (r.error) throw r.error;
  return parse(r.status, r.stdout);
}

export interface HarnessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly cases: number;
  readonly mismatches: number;
  readonly failed: number;
}

function parse(exitCode: number | null, stdout: string): HarnessResult {
  const m = /TOPS_TEST cases=(\d+) mismatches=(\d+) failed=(\d+)/.exec(stdout);
  if (!m) throw new Error(`harness printed no summary (exit ${exitCode}):\n${stdout}`);
  return { exitCode, stdout, cases: Number(m[1]), mismatches: Number(m[2]), failed: Number(m[3]) };
}

export function runHostHarness(exe: string): HarnessResult {
  const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 30_000 });
  return parse(r.status, r.stdout);
}

export async function runBoardHarness(elf: string, timeoutMs = 60_000, board = 'stm32f446re'): Promise<HarnessResult> {
  const r = await runOnQemu({ board, elfPath: elf, workDir: path.dirname(elf), timeoutMs });
  return parse(r.exitCode, r.stdout);
}
