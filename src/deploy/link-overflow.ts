/**
 * GNU ld reports a program too large for a MEMORY region as
 *   "region `FLASH' overflowed by 12345 bytes"
 * (possibly several times, and preceded by "section `.x' will not fit in region `FLASH'").
 * Returns the largest overflow per region, in bytes.
 */
export interface RegionOverflow {
  readonly region: 'FLASH' | 'RAM';
  readonly bytes: number;
}

export function parseRegionOverflows(ldOutput: string): RegionOverflow[] {
  const worst = new Map<'FLASH' | 'RAM', number>();
  for (const m of ldOutput.matchAll(/region [`'"]?(FLASH|RAM)['"]? overflowed by (\d+) bytes/g)) {
    const region = m[1] as 'FLASH' | 'RAM';
    worst.set(region, Math.max(worst.get(region) ?? 0, Number(m[2])));
  }
  return [...worst].map(([region, bytes]) => ({ region, bytes }));
}
