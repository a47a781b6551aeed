/**
 * External-memory partition planner (TinyOps, Sadiq et al., §IV-A "Execution Pipeline" and
 * §IV-B "Overlaying Strategy"; docs/external-memory.md).
 *
 * When the activation arena (or the weights) exceed the SRAM budget, every activation tensor
 * lives in external memory (the lifetime-planned arena, moved as a whole into SDRAM) and every
 * op runs as a sequence of "tiny operations" (parts): the part's input slice (with the halo
 * rows its kernel reads), its weight slice when the weights are external, and its output slice
 * are fast buffers in SRAM. Two sets of buffers let the DMA fetch part p+1 and write back part
 * p−1 while the CPU computes part p (double buffering, TinyOps §IV-A Fig. 8).
 *
 * Working set of a part with r output rows and g output channels (bytes):
 *   WS = k·(Σ_inputs inRows(r)·W·C + w(g) + r·W_out·g) + scratch,
 * k = 2 with more than one part (double buffering), 1 for a single part; inRows(r) the largest
 * input slice of any slab of r output rows, (r−1)·stride + kernel rows clipped to the map;
 * w(g) = g · weight bytes per channel with external weights, else 0 (weights stay in flash and
 * are read in place). With a single channel group the weights are fetched once, single-buffered.
 *
 * Choice (TinyOps §IV-B: partition to the budget, fewest kernel calls and DMA set-ups): the
 * split with the fewest transfers whose working set fits the budget; ties go to fewer bytes
 * moved, then to more channels per part. Rows are preferred to channels because a row split
 * does not re-fetch the input per channel group (average pooling's groups read only their own
 * input channels, a strided input transfer). The slab sizes are then evened out (same
 * number of parts, smaller largest part). Tensors are HWC, so a row slab is one contiguous
 * block (TinyOps §IV-A: "partitioned in the H dimension since this allowed the DMA to copy
 * contiguous blocks"); a channel group's output is a 2-D (strided) transfer.
 */
import { TinyopsError } from '../errors';
import type { PartitionOpShape } from './partition-shapes';

/** One part of an op: which output rows and channels it computes and which input rows it reads. */
export interface PartSlice {
  readonly outRow: number;
  readonly outRows: number;
  readonly inRow: number;
  readonly inRows: number;
  /** Top padding the kernel sees for this slab (the op's padding on the first slab, 0 inside). */
  readonly padTop: number;
  readonly channel: number;
  readonly channels: number;
}

/** Byte offsets inside the SRAM fast region; two entries per buffer when double-buffered. */
export interface PartBuffers {
  readonly inputs: ReadonlyArray<readonly number[]>;
  readonly weights: readonly number[];
  readonly output: readonly number[];
  readonly scratch: number;
}

export interface OpPartition {
  readonly op: string;
  readonly kind: PartitionOpShape['kind'];
  readonly rowsPerPart: number;
  readonly channelsPerPart: number;
  readonly rowParts: number;
  readonly channelParts: number;
  readonly parts: number;
  readonly doubleBuffered: boolean;
  /** DMA transfers of one invoke of the op (each input slice, weight slice and output slice is one). */
  readonly transfers: number;
  /** Bytes moved external → SRAM and SRAM → external per invoke. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly workingSetBytes: number;
  readonly slices: readonly PartSlice[];
  readonly buffers: PartBuffers;
  /** Weight bytes fetched per part (0 when the weights stay in internal flash or are fetched once). */
  readonly weightBytesPerPart: number;
  /** Weight bytes fetched once before the parts (external weights, one channel group). */
  readonly weightBytesOnce: number;
  /** Kernel scratch in the fast region (at buffers.scratch). */
  readonly scratchBytes: number;
  readonly macs: number;
}

export interface PartitionRequest {
  readonly sramBudgetBytes: number;
  /** The all-in-SRAM arena of the lifetime planner (memory-plan.ts): what is compared with the budget. */
  readonly arenaBytes: number;
  /** The arena as laid out in external memory (no in-place rows, no scratch); defaults to arenaBytes. */
  readonly externalArenaBytes?: number;
  /** Weights in external flash (copied into SRAM per part) instead of internal flash. */
  readonly weightsExternal: boolean;
}

export type PartitionPlan =
  | { readonly mode: 'sram'; readonly sramBudgetBytes: number; readonly arenaBytes: number }
  | {
      readonly mode: 'external';
      readonly sramBudgetBytes: number;
      /** Activation arena, now in external memory. */
      readonly arenaBytes: number;
      /** What the all-in-SRAM plan would need (the arena compared with the budget). */
      readonly sramArenaBytes: number;
      readonly weightsExternal: boolean;
      /** SRAM fast region: the largest working set of any op. */
      readonly fastBytes: number;
      readonly ops: readonly OpPartition[];
      readonly parts: number;
      readonly transfers: number;
      readonly bytesIn: number;
      readonly bytesOut: number;
    };

/** No split of some op fits the budget: names the op, the budget and the smallest working set. */
export class PartitionDoesNotFitError extends TinyopsError {
  constructor(
    readonly op: string,
    readonly budgetBytes: number,
    readonly needBytes: number,
  ) {
    super(
      `op ${op}: its smallest partition needs ${needBytes} B of SRAM (${(needBytes / 1024).toFixed(1)} KB), the SRAM budget is ${budgetBytes} B (${(budgetBytes / 1024).toFixed(1)} KB)`,
    );
  }
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Slabs of `rows` output rows (the last may be shorter), with the input rows each reads. */
export function rowSlabs(shape: PartitionOpShape, rows: number): Array<Omit<PartSlice, 'channel' | 'channels'>> {
  const { h: outH } = shape.output;
  const inH = shape.inputs[0]!.h;
  const slabs: Array<Omit<PartSlice, 'channel' | 'channels'>> = [];
  for (let y = 0; y < outH; y += rows) {
    const n = Math.min(rows, outH - y);
    if (!shape.rowSplit) {
      slabs.push({ outRow: 0, outRows: outH, inRow: 0, inRows: inH, padTop: shape.padTop });
      break;
    }
    const top = y * shape.strideRows - shape.padTop;
    const first = Math.max(0, top);
    const end = Math.min(inH, top + (n - 1) * shape.strideRows + shape.kernelRows);
    slabs.push({ outRow: y, outRows: n, inRow: first, inRows: end - first, padTop: first - top });
  }
  return slabs;
}

interface Candidate {
  readonly rows: number;
  readonly channels: number;
  readonly rowParts: number;
  readonly channelParts: number;
  readonly ws: number;
  readonly transfers: number;
  readonly bytes: number;
}

function perPartWeights(
  shape: PartitionOpShape,
  weightsExternal: boolean,
  channels: number,
  channelParts: number,
): { perPart: number; once: number } {
  if (!weightsExternal || shape.weightBytesPerChannel === 0) return { perPart: 0, once: 0 };
  const bytes = Math.ceil(channels * shape.weightBytesPerChannel);
  return channelParts > 1
    ? { perPart: bytes, once: 0 }
    : { perPart: 0, once: Math.ceil(shape.output.c * shape.weightBytesPerChannel) };
}

function evaluate(shape: PartitionOpShape, rows: number, channels: number, weightsExternal: boolean): Candidate {
  const rowParts = Math.ceil(shape.output.h / rows);
  const channelParts = Math.ceil(shape.output.c / channels);
  const slabs = rowSlabs(shape, rows);
  const inC = (m: { c: number }, g: number) => (shape.inputChannelSlice ? Math.min(g, m.c) : m.c);
  const inBytes = (s: { inRows: number }, g: number) =>
    shape.inputs.reduce((sum, m) => sum + s.inRows * m.w * inC(m, g), 0);
  const outSlice = rows * shape.output.w * channels;
  const w = perPartWeights(shape, weightsExternal, channels, channelParts);
  const parts = rowParts * channelParts;
  const k = parts > 1 ? 2 : 1;
  const ws =
    shape.inputs.reduce(
      (sum, m) => sum + k * align4(Math.max(...slabs.map((s) => s.inRows)) * m.w * inC(m, channels)),
      0,
    ) +
    k * align4(w.perPart) +
    align4(w.once) +
    k * align4(outSlice) +
    align4(shape.scratchBytes);
  const transfers = parts * (shape.inputs.length + (w.perPart > 0 ? 1 : 0) + 1) + (w.once > 0 ? 1 : 0);
  const inputTotal = shape.inputChannelSlice
    ? slabs.reduce((sum, s) => sum + inBytes(s, shape.output.c), 0)
    : channelParts * slabs.reduce((sum, s) => sum + inBytes(s, channels), 0);
  const bytes = inputTotal + parts * w.perPart + w.once + shape.output.h * shape.output.w * shape.output.c;
  return { rows, channels, rowParts, channelParts, ws, transfers, bytes };
}

function better(a: Candidate, b: Candidate | undefined): boolean {
  if (!b) return true;
  if (a.transfers !== b.transfers) return a.transfers < b.transfers;
  if (a.bytes !== b.bytes) return a.bytes < b.bytes;
  return a.channels > b.channels;
}

/** The fewest-transfer split of one op that fits `budget` bytes, slabs evened out. */
export function partitionOp(shape: PartitionOpShape, budget: number, weightsExternal: boolean): OpPartition {
  const outH = shape.output.h;
  const outC = shape.output.c;
  const channelChoices = shape.channelSplit ? [...Array(outC).keys()].map((i) => outC - i) : [outC];
  let best: Candidate | undefined;
  let smallest = Infinity;
  for (const g of channelChoices) {
    // Largest row count that fits with g channels (the working set grows with the rows).
    for (let r = outH; r >= 1; r--) {
      const c = evaluate(shape, shape.rowSplit ? r : outH, g, weightsExternal);
      smallest = Math.min(smallest, c.ws);
      if (c.ws <= budget) {
        // Even out: the same number of slabs / groups, the smallest largest part.
        const even = evaluate(
          shape,
          shape.rowSplit ? Math.ceil(outH / c.rowParts) : outH,
          Math.ceil(outC / c.channelParts),
          weightsExternal,
        );
        if (better(even, best)) best = even;
        break;
      }
      if (!shape.rowSplit) break;
    }
  }
  if (!best) throw new PartitionDoesNotFitError(shape.name, budget, smallest);
  return describe(shape, best, weightsExternal);
}

function describe(shape: PartitionOpShape, c: Candidate, weightsExternal: boolean): OpPartition {
  const parts = c.rowParts * c.channelParts;
  const k = parts > 1 ? 2 : 1;
  const slabs = rowSlabs(shape, c.rows);
  const slices: PartSlice[] = [];
  for (const s of slabs) {
    for (let ch = 0; ch < shape.output.c; ch += c.channels)
      slices.push({ ...s, channel: ch, channels: Math.min(c.channels, shape.output.c - ch) });
  }
  const w = perPartWeights(shape, weightsExternal, c.channels, c.channelParts);
  const maxInRows = Math.max(...slabs.map((s) => s.inRows));
  let at = 0;
  const take = (bytes: number): number => {
    const off = at;
    at += align4(bytes);
    return off;
  };
  const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
  const inC = (m: { c: number }, g: number) => (shape.inputChannelSlice ? Math.min(g, m.c) : m.c);
  const inputs = shape.inputs.map((m) => times(k, () => take(maxInRows * m.w * inC(m, c.channels))));
  const weights = w.perPart > 0 ? times(k, () => take(w.perPart)) : w.once > 0 ? [take(w.once)] : [];
  const output = times(k, () => take(c.rows * shape.output.w * c.channels));
  const scratch = take(shape.scratchBytes);
  const inBytes = slices.reduce(
    (sum, s) => sum + shape.inputs.reduce((t, m) => t + s.inRows * m.w * inC(m, s.channels), 0),
    0,
  );
  const outBytes = shape.output.h * shape.output.w * shape.output.c;
  return {
    op: shape.name,
    kind: shape.kind,
    rowsPerPart: c.rows,
    channelsPerPart: c.channels,
    rowParts: c.rowParts,
    channelParts: c.channelParts,
    parts,
    doubleBuffered: parts > 1,
    transfers: c.transfers,
    bytesIn: inBytes + parts * w.perPart + w.once,
    bytesOut: outBytes,
    workingSetBytes: at,
    slices,
    buffers: { inputs, weights, output, scratch },
    weightBytesPerPart: w.perPart,
    weightBytesOnce: w.once,
    scratchBytes: shape.scratchBytes,
    macs: shape.macs,
  };
}

/**
 * All in SRAM when the arena fits the budget and the weights stay in internal flash; otherwise
 * every op partitioned against the budget (activations in external memory).
 */
export function planPartitions(shapes: readonly PartitionOpShape[], req: PartitionRequest): PartitionPlan {
  if (req.arenaBytes <= req.sramBudgetBytes && !req.weightsExternal) {
    return { mode: 'sram', sramBudgetBytes: req.sramBudgetBytes, arenaBytes: req.arenaBytes };
  }
  const ops = shapes.map((s) => partitionOp(s, req.sramBudgetBytes, req.weightsExternal));
  const sum = (f: (o: OpPartition) => number) => ops.reduce((t, o) => t + f(o), 0);
  return {
    mode: 'external',
    sramBudgetBytes: req.sramBudgetBytes,
    arenaBytes: req.externalArenaBytes ?? req.arenaBytes,
    sramArenaBytes: req.arenaBytes,
    weightsExternal: req.weightsExternal,
    fastBytes: Math.max(0, ...ops.map((o) => o.workingSetBytes)),
    ops,
    parts: sum((o) => o.parts),
    transfers: sum((o) => o.transfers),
    bytesIn: sum((o) => o.bytesIn),
    bytesOut: sum((o) => o.bytesOut),
  };
}
