/**
 * Parses the report of firmware/tools/qemu-insn-plugin/insn_count.c:
 *   insns N / reads N / writes N / tbs N, then "mark I INSNS READS WRITES TBS" per snapshot.
 */

/** Dynamic counts of a run or of a region between two markers. */
export interface ExecutionCounts {
  readonly instructions: number;
  /** Memory read accesses (an LDM of k registers counts k). */
  readonly memReads: number;
  readonly memWrites: number;
  /** Executed translation blocks: each ends in a branch (taken or not), an upper bound on branches. */
  readonly blocks: number;
}

export interface MarkerSnapshot {
  /** Index into the markers asked for. */
  readonly marker: number;
  /** Running counts when the marker executed. */
  readonly counts: ExecutionCounts;
}

export interface PluginReport {
  readonly total: ExecutionCounts;
  readonly snapshots: readonly MarkerSnapshot[];
}

export function parsePluginReport(text: string): PluginReport {
  const totals = new Map<string, number>();
  const snapshots: MarkerSnapshot[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === 'mark' && parts.length === 6) {
      const [, marker, instructions, memReads, memWrites, blocks] = parts.map(Number) as number[];
      snapshots.push({
        marker: marker as number,
        counts: {
          instructions: instructions as number,
          memReads: memReads as number,
          memWrites: memWrites as number,
          blocks: blocks as number,
        },
      });
    } else if (parts.length === 2 && /^\d+$/.test(parts[1] as string)) {
      totals.set(parts[0] as string, Number(parts[1]));
    }
  }
  const get = (k: string): number => {
    const v = totals.get(k);
    if (v === undefined) throw new Error(`QEMU plugin report has no "${k}" line:\n${text}`);
    return v;
  };
  return {
    total: { instructions: get('insns'), memReads: get('reads'), memWrites: get('writes'), blocks: get('tbs') },
    snapshots,
  };
}

/** Counts between two snapshots (b after a). */
export function countsBetween(a: ExecutionCounts, b: ExecutionCounts): ExecutionCounts {
  return {
    instructions: b.instructions - a.instructions,
    memReads: b.memReads - a.memReads,
    memWrites: b.memWrites - a.memWrites,
    blocks: b.blocks - a.blocks,
  };
}
