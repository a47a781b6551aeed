import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { resolveBoard } from './board-target';
import { FirmwareBuildError, FirmwareDoesNotFitError } from './errors';
import { execTool } from './exec-tool';
import { FIRMWARE_DIR, FIRMWARE_INCLUDE_DIR, STARTUP_SOURCE } from './firmware-paths';
import { parseRegionOverflows } from './link-overflow';
import { DEFAULT_RESERVATION, renderLinkerScript } from './linker-script';
import { parseSizeOutput, SectionSizes } from './section-sizes';

export type OptimizeLevel = 'O0' | 'O1' | 'O2' | 'O3' | 'Os';

export interface BuildFirmwareOptions {
  /** Registry board name (src/boards/registry.ts). */
  readonly board: string;
  /** C sources with main(); the start-up (firmware/boards/cortex-m) is added automatically. */
  readonly sources: readonly string[];
  readonly includeDirs?: readonly string[];
  /** -D flags: NAME or NAME=VALUE. */
  readonly defines?: readonly string[];
  readonly outDir: string;
  readonly optimize?: OptimizeLevel;
  /** Stack reserved at link time (default 16 KB). */
  readonly stackBytes?: number;
  /** Heap reserved at link time for newlib (default 8 KB; semihosting stdio mallocs its buffers). */
  readonly heapBytes?: number;
  /** Emit DWARF line info (-g): no effect on the code or sizes, lets firmwareBreakdown attribute every symbol to its source file. */
  readonly debugInfo?: boolean;
  /** ELF file name inside outDir (default firmware.elf). */
  readonly elfName?: string;
  /**
   * Prebuilt object files, static archives or `-l` libraries, linked after the sources in this
   * order (e.g. C++ compiled with arm-none-eabi-g++ by a benchmark); archives contribute only
   * the members referenced.
   */
  readonly objects?: readonly string[];
  /** Extra flags for the link step (e.g. `-Wl,-Map=<file>` to attribute flash by object file). */
  readonly linkFlags?: readonly string[];
  /**
   * Further directories (e.g. the generated model's sources) written into the ELF's debug
   * info and the recorded command line under a fixed label instead of their absolute path;
   * firmware/ and outDir always are (FirmwareBuild.pathLabels).
   */
  readonly pathLabels?: readonly PathLabel[];
}

/**
 * A directory and the path it takes in build outputs (`-ffile-prefix-map=<dir>=<label>`).
 * Labels are absolute (`/tinyops/...`) so `nm -l` prints them as they are instead of joining
 * them to the compilation directory.
 */
export interface PathLabel {
  readonly dir: string;
  readonly label: string;
}

/** `p` with a labelled directory prefix replaced by its label (unchanged if none matches). */
export function relabelPath(p: string, labels: readonly PathLabel[]): string {
  return labels.reduce((a, l) => a.split(l.dir).join(l.label), p);
}

export interface FirmwareBuild {
  readonly board: string;
  readonly elfPath: string;
  readonly linkerScriptPath: string;
  readonly sections: SectionSizes;
  /** text + rodata + data: what the board's flash must hold. */
  readonly flashBytes: number;
  /** data + bss. */
  readonly staticSramBytes: number;
  readonly stackReserveBytes: number;
  readonly heapReserveBytes: number;
  /**
   * The compiler command line (for the cache key and for reproducing a build by hand), with
   * the labelled directories written as their labels, as the ELF's debug info names them.
   */
  readonly compilerArgs: readonly string[];
  /** The directories the ELF names by label (firmwareBreakdown maps its source prefixes with them). */
  readonly pathLabels: readonly PathLabel[];
}

/** Warnings are errors, as for the host build of the kernels (firmware/README.md). */
const WARNINGS = ['-Wall', '-Wextra', '-Werror'];

/**
 * Compile and link C sources for a registry board with arm-none-eabi-gcc and newlib's
 * semihosting library (librdimon, --specs=rdimon.specs), against a linker script generated
 * with the board's real flash and SRAM sizes. Throws FirmwareDoesNotFitError when ld reports
 * a region overflow, FirmwareBuildError for any other compile or link failure.
 */
export async function buildFirmware(options: BuildFirmwareOptions): Promise<FirmwareBuild> {
  const target = resolveBoard(options.board);
  const reservation = {
    stackBytes: options.stackBytes ?? DEFAULT_RESERVATION.stackBytes,
    heapBytes: options.heapBytes ?? DEFAULT_RESERVATION.heapBytes,
  };
  await mkdir(options.outDir, { recursive: true });
  const linkerScriptPath = path.join(options.outDir, `${target.board.name}.ld`);
  await writeFile(linkerScriptPath, renderLinkerScript(target, reservation));
  const elfPath = path.join(options.outDir, options.elfName ?? 'firmware.elf');
  // Reproducible builds: without these maps the DWARF line info (-g), __FILE__ and the
  // recorded command line carry the checkout's and the stage's scratch paths, so the same
  // model built from two clones gave firmware of different digests. gcc runs in outDir, so
  // the compilation directory (DW_AT_comp_dir) is mapped too.
  const labels: PathLabel[] = [
    { dir: FIRMWARE_DIR, label: '/tinyops/firmware' },
    { dir: options.outDir, label: '/tinyops/build' },
    ...(options.pathLabels ?? []),
  ];
  const args = [
    ...target.cpuFlags,
    ...labels.map((l) => `-ffile-prefix-map=${l.dir}=${l.label}`),
    `-${options.optimize ?? 'O2'}`,
    '-std=c99',
    ...WARNINGS,
    ...(options.debugInfo ? ['-g'] : []),
    // Per-function sections + --gc-sections: unused kernels cost no flash, as on a real build.
    '-ffunction-sections',
    '-fdata-sections',
    ...(options.defines ?? []).map((d) => `-D${d}`),
    `-I${FIRMWARE_INCLUDE_DIR}`,
    ...(options.includeDirs ?? []).map((d) => `-I${d}`),
    '--specs=rdimon.specs',
    '-nostartfiles',
    `-T${linkerScriptPath}`,
    '-Wl,--gc-sections',
    ...(options.linkFlags ?? []),
    STARTUP_SOURCE,
    ...options.sources,
    ...(options.objects ?? []),
    '-o',
    elfPath,
  ];
  const cc = await execTool('arm-none-eabi-gcc', args, { cwd: options.outDir });
  if (cc.code !== 0) {
    const output = `${cc.stdout}${cc.stderr}`;
    const overflows = parseRegionOverflows(output);
    const flash = overflows.find((o) => o.region === 'FLASH');
    if (flash !== undefined) {
      throw new FirmwareDoesNotFitError(
        target.board.name,
        'flash',
        target.board.flashBytes + flash.bytes,
        target.board.flashBytes,
      );
    }
    const ram = overflows.find((o) => o.region === 'RAM');
    if (ram !== undefined) {
      const kb = (n: number): string => `${Math.round(n / 1024)} KB`;
      throw new FirmwareDoesNotFitError(
        target.board.name,
        'SRAM',
        target.board.sramBytes + ram.bytes,
        target.board.sramBytes,
        ` (data + bss + ${kb(reservation.heapBytes)} heap + ${kb(reservation.stackBytes)} stack reservation)`,
      );
    }
    throw new FirmwareBuildError(target.board.name, output);
  }
  const size = await execTool('arm-none-eabi-size', ['-A', '-d', elfPath]);
  if (size.code !== 0) throw new FirmwareBuildError(target.board.name, size.stderr);
  const sections = parseSizeOutput(size.stdout);
  return {
    board: target.board.name,
    elfPath,
    linkerScriptPath,
    sections,
    flashBytes: sections.text + sections.rodata + sections.data,
    staticSramBytes: sections.data + sections.bss,
    stackReserveBytes: reservation.stackBytes,
    heapReserveBytes: reservation.heapBytes,
    compilerArgs: ['arm-none-eabi-gcc', ...args.map((a) => relabelPath(a, labels))],
    pathLabels: labels,
  };
}
