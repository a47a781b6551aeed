/**
 * The `externalMemory` block of a deploy stage's board artifact (src/deploy/external-memory-run.ts):
 * what the partition plan put in external memory, how many parts and transfers the board ran,
 * and the modelled overhead against all-in-SRAM (docs/external-memory.md). Empty when absent.
 */
import { formatBytes, keyValueTable, type Cell } from '../html';

export function externalMemoryTable(block: unknown): string {
  if (block === null || typeof block !== 'object') return '';
  const b = block as Record<string, unknown>;
  const measured = (b.measured ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const bytes = (v: unknown): Cell => (num(v) === undefined ? '' : formatBytes(num(v)!));
  const pct = (v: unknown): Cell => (num(v) === undefined ? '' : `${(num(v)! * 100).toFixed(1)} % (modelled)`);
  const entries: [string, Cell][] = [
    ['bytes in external memory', bytes(b.bytes)],
    ['SRAM budget', bytes(b.sramBudgetBytes)],
    ['SRAM all in SRAM would need', bytes(b.sramNeedBytes)],
    ['SRAM fast buffers', bytes(b.fastBytes)],
    ['parts', num(b.parts)],
    ['transfers per inference (planned)', num(b.transfers)],
    ['transfers per inference (board)', num(measured.transfersPerInference)],
    ['transfers in flight at kernel start (board, per inference)', num(measured.overlappedPerInference)],
    ['latency overhead vs all in SRAM', pct(b.modelledOverhead)],
    ['overhead without double buffering', pct(b.serialOverhead)],
  ];
  return keyValueTable(
    entries.filter(([, v]) => v !== undefined && v !== ''),
    'External memory (TinyOps partitioning; docs/external-memory.md)',
  );
}
