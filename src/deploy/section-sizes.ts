/**
 * Section sizes of a linked ELF from `arm-none-eabi-size -A -d` (one "name size addr" line per
 * section). Flash = text + rodata + data (data's initial values live in flash); static SRAM =
 * data + bss (docs/architecture.md#boards). Heap and stack reservations are reported separately.
 */
export interface SectionSizes {
  /** Code plus the small flash-resident tables (.ARM.exidx, .init_array). */
  readonly text: number;
  readonly rodata: number;
  readonly data: number;
  readonly bss: number;
}

const FLASH_CODE_SECTIONS = new Set(['.text', '.ARM.exidx', '.init_array']);

export function parseSizeOutput(stdout: string): SectionSizes {
  let text = 0;
  let rodata = 0;
  let data = 0;
  let bss = 0;
  let seen = false;
  for (const line of stdout.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line.trim());
    if (!m) continue;
    const [, name, sizeText] = m;
    const size = Number(sizeText);
    seen = true;
    if (FLASH_CODE_SECTIONS.has(name as string)) text += size;
    else if (name === '.rodata') rodata += size;
    else if (name === '.data') data += size;
    else if (name === '.bss') bss += size;
  }
  if (!seen) throw new Error(`arm-none-eabi-size printed no sections:\n${stdout}`);
  return { text, rodata, data, bss };
}
