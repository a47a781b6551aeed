/**
 * Where the bytes of a firmware image go, by source: the generated model, the kernels, the
 * front end, the harness/start-up, and the C library. Whole-image flash and SRAM include
 * newlib's stdio (printf, malloc, semihosting), which a product build would not have; this
 * breakdown lets the deploy stage (and the TFLM comparison) report the model's own share
 * honestly. Attribution is by each symbol's source file from DWARF line info
 * (`arm-none-eabi-nm -S -l`; build with debugInfo), so it follows the code, not name guesses.
 */
import type { FirmwareBuild } from './build-firmware';
import { relabelPath } from './build-firmware';
import { execTool } from './exec-tool';

export type Part = 'model' | 'kernels' | 'frontEnd' | 'harness' | 'libc';

export interface PartSizes {
  /** text + rodata + data initializers (what flash holds). */
  readonly flashBytes: number;
  /** data + bss (what SRAM holds statically; the stack is measured separately). */
  readonly sramBytes: number;
}

export type FirmwareBreakdown = Readonly<Record<Part, PartSizes>>;

/**
 * Which part a source file belongs to; `sources` maps absolute path prefixes to parts, first match wins.
 * Symbols at or above `externalFrom` (the external-memory region, docs/external-memory.md) are in
 * neither flash nor SRAM and are left out.
 */
export async function firmwareBreakdown(
  build: Pick<FirmwareBuild, 'elfPath' | 'pathLabels'>,
  sources: ReadonlyArray<readonly [string, Part]>,
  externalFrom?: number,
): Promise<FirmwareBreakdown> {
  const { elfPath } = build;
  // The ELF names labelled directories by label (build-firmware.ts, reproducible builds).
  const prefixes = sources.map(([dir, part]) => [relabelPath(dir, build.pathLabels), part] as const);
  const r = await execTool('arm-none-eabi-nm', ['-S', '-l', '--defined-only', elfPath]);
  if (r.code !== 0) throw new Error(`arm-none-eabi-nm failed on ${elfPath}: ${r.stderr}`);
  const parts: Record<Part, { flashBytes: number; sramBytes: number }> = {
    model: { flashBytes: 0, sramBytes: 0 },
    kernels: { flashBytes: 0, sramBytes: 0 },
    frontEnd: { flashBytes: 0, sramBytes: 0 },
    harness: { flashBytes: 0, sramBytes: 0 },
    libc: { flashBytes: 0, sramBytes: 0 },
  };
  for (const line of r.stdout.split('\n')) {
    // "addr size type name[\tfile:line]"; symbols without a size (labels, linker symbols) are skipped.
    const m = /^[0-9a-f]+ ([0-9a-f]+) ([A-Za-z]) (\S+)(?:\t(.*):\d+)?$/.exec(line.trim());
    if (!m) continue;
    if (externalFrom !== undefined && parseInt(line.trim().split(' ')[0]!, 16) >= externalFrom) continue;
    const size = parseInt(m[1]!, 16);
    const type = m[2]!.toLowerCase();
    const file = m[4] ?? '';
    const part = prefixes.find(([prefix]) => file.startsWith(prefix))?.[1] ?? 'libc';
    if (type === 't' || type === 'r') parts[part].flashBytes += size;
    else if (type === 'd') {
      parts[part].flashBytes += size; // initializer copied from flash at reset
      parts[part].sramBytes += size;
    } else if (type === 'b') parts[part].sramBytes += size;
  }
  return parts;
}
