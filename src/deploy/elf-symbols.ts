import { execTool } from './exec-tool';

/**
 * Addresses of function symbols in an ELF, from `arm-none-eabi-nm`. Thumb function symbols
 * may carry bit 0 set; the returned address has it cleared, which is the PC QEMU reports.
 */
export async function functionAddresses(elfPath: string): Promise<Map<string, number>> {
  const r = await execTool('arm-none-eabi-nm', [elfPath]);
  if (r.code !== 0) throw new Error(`arm-none-eabi-nm ${elfPath} failed:\n${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+[TtWw]\s+(\S+)$/.exec(line.trim());
    if (m) out.set(m[2] as string, Number.parseInt(m[1] as string, 16) & ~1);
  }
  return out;
}
