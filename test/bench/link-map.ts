/**
 * Flash attribution from a GNU ld map file (`-Wl,-Map=<file>`): the bytes each input file
 * (object, or `archive.a(member.o)`) contributes to the sections that live in flash
 * (.text*, .rodata*, .data* initial values, .ARM.exidx, .init_array). Only the part after
 * "Linker script and memory map" is read, so sections removed by --gc-sections (listed under
 * "Discarded input sections") are not counted. Used by tflm.bench.ts.
 */

const FLASH_INPUT =
  /^(\.text|\.rodata|\.data|\.ARM\.exidx|\.init_array|\.glue_7|\.vfp11_veneer|\.v4_bx|\.iplt|\.rel\.iplt)/;

export interface MapContribution {
  /** Input section name, e.g. `.text.tops_conv2d_s8`. */
  readonly section: string;
  readonly bytes: number;
  /** Input file as ld names it. */
  readonly file: string;
}

/** Every input section with a non-zero size that the link placed in a flash-resident output section. */
export function parseLinkMap(text: string): MapContribution[] {
  const start = text.indexOf('Linker script and memory map');
  if (start < 0) throw new Error('not a GNU ld map file (no "Linker script and memory map")');
  const lines = text.slice(start).split('\n');
  const out: MapContribution[] = [];
  let pending: string | undefined;
  for (const line of lines) {
    // " .text.name  0xADDR  0xSIZE file" on one line, or the section name alone on one line
    // (long names) and "  0xADDR  0xSIZE file" on the next.
    const one = /^ (\.\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/.exec(line);
    if (one) {
      pending = undefined;
      const [, section, , size, file] = one;
      if (FLASH_INPUT.test(section!) && Number.parseInt(size!, 16) > 0)
        out.push({ section: section!, bytes: Number.parseInt(size!, 16), file: file!.trim() });
      continue;
    }
    const nameOnly = /^ (\.\S+)\s*$/.exec(line);
    if (nameOnly) {
      pending = nameOnly[1];
      continue;
    }
    const cont = /^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/.exec(line);
    if (cont && pending !== undefined) {
      const size = Number.parseInt(cont[2]!, 16);
      if (FLASH_INPUT.test(pending) && size > 0) out.push({ section: pending, bytes: size, file: cont[3]!.trim() });
    }
    pending = undefined;
  }
  return out;
}

/** Bytes per input file. */
export function bytesByFile(contributions: readonly MapContribution[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of contributions) m.set(c.file, (m.get(c.file) ?? 0) + c.bytes);
  return m;
}
