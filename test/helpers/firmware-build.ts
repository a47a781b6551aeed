/**
 * Builds firmware/test/test_tops_kernels.c against generated vectors, for the host (gcc) or
 * the mps2-an386 board (arm-none-eabi-gcc, run under QEMU), and parses its summary line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitKernelTestHeader, KernelTestCase, RequantizeCases } from '../../src/codegen/test-vectors';

/** Repository root, from dist/test/helpers or test/helpers alike. */
export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const FIRMWARE = path.join(REPO_ROOT, 'firmware');
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c99', '-pedantic'];

export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** A fresh temp dir holding tops_test_vectors.h for `cases` (and direct requantization cases). */
export function writeVectors(cases: readonly KernelTestCase[], seed: string | number, requantize?: RequantizeCases): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tops-kernels-'));
  const header = emitKernelTestHeader(cases, { seed, commit: gitCommit() }, requantize);
  writeFileSync(path.join(dir, 'tops_test_vectors.h'), header);
  return dir;
}

function kernelSources(): string[] {
  const ref = path.join(FIRMWARE, 'kernels', 'ref');
  return readdirSync(ref).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(ref, f));
}

function sources(dir: string): string[] {
  return [
    `-I${dir}`, `-I${path.join(FIRMWARE, 'include')}`, `-I${path.join(FIRMWARE, 'test')}`,
    path.join(FIRMWARE, 'test', 'test_tops_kernels.c'), ...kernelSources(),
  ];
}

/** Compile the harness with the host gcc; throws with gcc's stderr on any warning or error. */
export function buildHostHarness(dir: string): string {
  const exe = path.join(dir, 'test_tops_kernels');
  execFileSync('gcc', [...CFLAGS, ...sources(dir), '-o', exe], { stdio: ['ignore', 'pipe', 'pipe'] });
  return exe;
}

/** Compile for mps2-an386 (Cortex-M4): own startup + linker script, newlib semihosting. */
export function buildBoardHarness(dir: string, extraCFlags: readonly string[] = []): string {
  const board = path.join(FIRMWARE, 'boards', 'mps2-an386');
  const elf = path.join(dir, 'test_tops_kernels.elf');
  execFileSync('arm-none-eabi-gcc', [
    '-mcpu=cortex-m4', '-mthumb', '--specs=rdimon.specs', '-nostartfiles', ...CFLAGS, ...extraCFlags,
    `-T${path.join(board, 'mps2-an386.ld')}`, path.join(board, 'startup.c'), ...sources(dir), '-o', elf,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return elf;
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

/** `extraArgs` e.g. ['-icount', 'shift=0'] to count instructions (firmware/test/tops_icount.h). */
export function runBoardHarness(elf: string, timeoutMs = 60_000, extraArgs: readonly string[] = []): HarnessResult {
  const r = spawnSync('qemu-system-arm', [
    '-M', 'mps2-an386', '-nographic', '-monitor', 'none', '-serial', 'none', ...extraArgs,
    '-semihosting-config', 'enable=on,target=native', '-kernel', elf,
  ], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return parse(r.status, r.stdout);
}
