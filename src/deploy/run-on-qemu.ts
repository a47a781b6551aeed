import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { resolveBoard } from './board-target';
import { functionAddresses } from './elf-symbols';
import { FirmwareTimeoutError, MarkerNotFoundError } from './errors';
import { execTool } from './exec-tool';
import { ensureInsnPlugin } from './insn-plugin';
import { ExecutionCounts, parsePluginReport } from './plugin-report';

export interface RunOnQemuOptions {
  readonly board: string;
  readonly elfPath: string;
  /**
   * QEMU's working directory: semihosting file I/O (newlib fopen through librdimon) resolves
   * relative paths here, so a harness can fopen("vectors.bin", "rb") and
   * fopen("outputs.bin", "wb") on files in this directory.
   */
  readonly workDir: string;
  readonly timeoutMs: number;
  /**
   * Marker functions whose executions the plugin snapshots (default: ["tops_mark"] if the ELF
   * has it, see firmware/include/tops_board.h). Every name given must be in the ELF.
   */
  readonly markers?: readonly string[];
  /** Where the plugin .so is cached (default .tinyops/cache/qemu-plugin). */
  readonly pluginCacheDir?: string;
}

export interface MarkerHit {
  readonly symbol: string;
  readonly counts: ExecutionCounts;
}

export interface QemuRun {
  readonly stdout: string;
  /** QEMU's stderr without the start-up's TOPS_* report lines. */
  readonly stderr: string;
  /** The firmware's exit status (semihosting SYS_EXIT); 70 means a fault handler ran. */
  readonly exitCode: number;
  /** Instructions executed by the whole run (start-up, main, exit). */
  readonly instructions: number;
  readonly counts: ExecutionCounts;
  /** Running instruction count at each marker execution, in order (all markers interleaved). */
  readonly markerCounts: number[];
  readonly markerHits: readonly MarkerHit[];
  /** Deepest stack use (bytes) as reported by the start-up at exit; absent if the firmware did not exit through it. */
  readonly stackHighWaterBytes?: number;
  /** Heap handed out by _sbrk (semihosting stdio buffers); absent as above. */
  readonly heapUsedBytes?: number;
}

const STACK_LINE = /^TOPS_STACK_HIGH_WATER (\d+)$/m;
const HEAP_LINE = /^TOPS_HEAP_USED (\d+)$/m;

/**
 * Run an ELF built by buildFirmware on the board's QEMU machine with semihosting and the
 * instruction-count plugin. A non-zero firmware exit status is returned, not thrown: the
 * caller decides what it means. Throws FirmwareTimeoutError if QEMU does not finish in time.
 */
export async function runOnQemu(options: RunOnQemuOptions): Promise<QemuRun> {
  const target = resolveBoard(options.board);
  const plugin = await ensureInsnPlugin(options.pluginCacheDir);
  const symbols = await functionAddresses(options.elfPath);
  const markers = options.markers ?? (symbols.has('tops_mark') ? ['tops_mark'] : []);
  const addresses = markers.map((m) => {
    const a = symbols.get(m);
    if (a === undefined) throw new MarkerNotFoundError(m, options.elfPath);
    return a;
  });
  await mkdir(options.workDir, { recursive: true });
  const reportPath = path.resolve(options.workDir, `.tops-insn-${process.pid}-${randomBytes(6).toString('hex')}.txt`);
  // QEMU splits -plugin options at commas, so neither path may contain one.
  for (const p of [plugin, reportPath]) {
    if (p.includes(',')) throw new Error(`QEMU cannot take a plugin path containing ',': ${p}`);
  }
  const pluginArg = [
    `${plugin}`,
    `out=${reportPath}`,
    ...(addresses.length > 0 ? [`marks=${addresses.map((a) => a.toString(16)).join(':')}`] : []),
  ].join(',');
  const r = await execTool(
    'qemu-system-arm',
    [
      '-M',
      target.qemuMachine,
      '-nographic',
      '-monitor',
      'none',
      '-serial',
      'none',
      '-semihosting-config',
      'enable=on,target=native',
      '-plugin',
      pluginArg,
      '-kernel',
      path.resolve(options.elfPath),
    ],
    { cwd: options.workDir, timeoutMs: options.timeoutMs, onTimeout: 'report' },
  );
  try {
    if (r.timedOut) throw new FirmwareTimeoutError(options.elfPath, options.timeoutMs);
    if (r.code === null) throw new Error(`qemu-system-arm died (${r.signal ?? 'unknown signal'}):\n${r.stderr}`);
    const reportText = await readFile(reportPath, 'utf8').catch(() => {
      throw new Error(`qemu-system-arm exited ${r.code} without a plugin report:\n${r.stderr}`);
    });
    const report = parsePluginReport(reportText);
    const stack = STACK_LINE.exec(r.stderr);
    const heap = HEAP_LINE.exec(r.stderr);
    return {
      stdout: r.stdout,
      stderr: r.stderr.replace(/^TOPS_(STACK_HIGH_WATER|HEAP_USED) \d+\n?/gm, ''),
      exitCode: r.code,
      instructions: report.total.instructions,
      counts: report.total,
      markerCounts: report.snapshots.map((s) => s.counts.instructions),
      markerHits: report.snapshots.map((s) => ({ symbol: markers[s.marker] as string, counts: s.counts })),
      ...(stack ? { stackHighWaterBytes: Number(stack[1]) } : {}),
      ...(heap ? { heapUsedBytes: Number(heap[1]) } : {}),
    };
  } finally {
    await rm(reportPath, { force: true });
  }
}
