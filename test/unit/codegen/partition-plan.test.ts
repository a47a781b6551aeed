import { modelExternalLatency, transferUs } from '../../../src/codegen/ext-mem-latency';
import { partitionOp, PartitionDoesNotFitError, planPartitions, rowSlabs } from '../../../src/codegen/partition-plan';
import type { PartitionOpShape } from '../../../src/codegen/partition-shapes';
import type { ExternalMemory } from '../../../src/boards/external-memory';
import { parseByteSize } from '../../../src/boards/external-memory';

/** 3×k conv, stride 1, top padding 1: input 10×4×2, output 10×4×3, weights in internal flash. */
const CONV: PartitionOpShape = {
  name: 'conv',
  kind: 'conv2d',
  inputs: [{ h: 10, w: 4, c: 2 }],
  output: { h: 10, w: 4, c: 3 },
  kernelRows: 3,
  strideRows: 1,
  padTop: 1,
  rowSplit: true,
  channelSplit: true,
  inputChannelSlice: false,
  weightBytesPerChannel: 18,
  scratchBytes: 0,
  macs: 1200,
};
/** Fully connected 16 → 8 with int8 weights (16 B per output channel). */
const FC: PartitionOpShape = {
  name: 'fc',
  kind: 'fully_connected',
  inputs: [{ h: 1, w: 1, c: 16 }],
  output: { h: 1, w: 1, c: 8 },
  kernelRows: 1,
  strideRows: 1,
  padTop: 0,
  rowSplit: false,
  channelSplit: true,
  inputChannelSlice: false,
  weightBytesPerChannel: 16,
  scratchBytes: 0,
  macs: 128,
};

describe('partition planner (hand-computed)', () => {
  it('one part when input + output fit: 80 + 120 = 200 B', () => {
    const p = partitionOp(CONV, 200, false);
    expect(p).toMatchObject({
      parts: 1,
      doubleBuffered: false,
      workingSetBytes: 200,
      transfers: 2,
      bytesIn: 80,
      bytesOut: 120,
    });
  });

  it('largest row slab that fits double-buffered: 4 rows → 2·(6·8) + 2·(4·12) = 192 B ≤ 199, 3 slabs with halo rows', () => {
    const p = partitionOp(CONV, 199, false);
    expect(p).toMatchObject({
      rowsPerPart: 4,
      rowParts: 3,
      channelParts: 1,
      parts: 3,
      doubleBuffered: true,
      workingSetBytes: 192,
      transfers: 6,
    });
    // Slab 0 reads rows 0..4 with the op's top padding; slab 1 rows 3..8; the last (2 rows) rows 7..9.
    expect(p.slices.map((s) => [s.outRow, s.outRows, s.inRow, s.inRows, s.padTop])).toEqual([
      [0, 4, 0, 5, 1],
      [4, 4, 3, 6, 0],
      [8, 2, 7, 3, 0],
    ]);
    expect(p.bytesIn).toBe((5 + 6 + 3) * 8);
    expect(p.buffers).toEqual({ inputs: [[0, 48]], weights: [], output: [96, 144], scratch: 192 });
  });

  it('evens out the parts: 4 of 9 channels fit 170 B (168 B), 3 groups of 3 need only 136 B', () => {
    const fc9: PartitionOpShape = { ...FC, output: { h: 1, w: 1, c: 9 } };
    // One part would need 16 + 144 (weights) + 12 = 172 B.
    expect(partitionOp(fc9, 172, true)).toMatchObject({ parts: 1, workingSetBytes: 172 });
    expect(partitionOp(fc9, 170, true)).toMatchObject({
      channelsPerPart: 3,
      channelParts: 3,
      workingSetBytes: 2 * 16 + 2 * 48 + 2 * 4,
      transfers: 9,
    });
  });

  it('splits by output channels when rows cannot split: g = 2 → 2·16 + 2·32 + 2·4 = 104 B', () => {
    const p = partitionOp(FC, 104, true);
    expect(p).toMatchObject({
      channelsPerPart: 2,
      channelParts: 4,
      parts: 4,
      workingSetBytes: 104,
      transfers: 12,
      weightBytesPerPart: 32,
    });
    expect(p.slices.map((s) => [s.channel, s.channels])).toEqual([
      [0, 2],
      [2, 2],
      [4, 2],
      [6, 2],
    ]);
    expect(partitionOp(FC, 103, true)).toMatchObject({
      channelsPerPart: 1,
      parts: 8,
      transfers: 24,
      workingSetBytes: 72,
    });
    // All of it in one part: input 16 + the weights fetched once 128 + output 8.
    expect(partitionOp(FC, 152, true)).toMatchObject({
      parts: 1,
      weightBytesOnce: 128,
      transfers: 3,
      workingSetBytes: 152,
    });
  });

  it('global average pooling splits by channel groups that read only their own input channels: g = 2 → 2·16 + 2·4 = 40 B', () => {
    const pool: PartitionOpShape = {
      name: 'pool',
      kind: 'avgpool',
      inputs: [{ h: 4, w: 2, c: 8 }],
      output: { h: 1, w: 1, c: 8 },
      kernelRows: 4,
      strideRows: 4,
      padTop: 0,
      rowSplit: true,
      channelSplit: true,
      inputChannelSlice: true,
      weightBytesPerChannel: 0,
      scratchBytes: 0,
      macs: 0,
    };
    expect(partitionOp(pool, 72, false)).toMatchObject({ parts: 1, workingSetBytes: 72 });
    const p = partitionOp(pool, 40, false);
    expect(p).toMatchObject({
      channelsPerPart: 2,
      parts: 4,
      workingSetBytes: 40,
      transfers: 8,
      bytesIn: 64,
      bytesOut: 8,
    });
    expect(p.buffers.inputs).toEqual([[0, 16]]);
  });

  it('names the op, the budget and the smallest working set when nothing fits', () => {
    expect(() => partitionOp(FC, 71, true)).toThrow(PartitionDoesNotFitError);
    expect(() => partitionOp(FC, 71, true)).toThrow(
      'op fc: its smallest partition needs 72 B of SRAM (0.1 KB), the SRAM budget is 71 B (0.1 KB)',
    );
  });

  it('stays in SRAM when the arena fits; otherwise partitions every op and sums the transfers', () => {
    expect(planPartitions([CONV, FC], { sramBudgetBytes: 4096, arenaBytes: 4096, weightsExternal: false }).mode).toBe(
      'sram',
    );
    const p = planPartitions([CONV, FC], {
      sramBudgetBytes: 199,
      arenaBytes: 4096,
      externalArenaBytes: 5000,
      weightsExternal: false,
    });
    if (p.mode !== 'external') throw new Error('expected external');
    expect(p).toMatchObject({ arenaBytes: 5000, fastBytes: 192, transfers: 6 + 2, parts: 3 + 1 });
  });

  it('row slabs of a stride-2 kernel clip the halo to the map', () => {
    const s2: PartitionOpShape = { ...CONV, strideRows: 2, output: { h: 5, w: 2, c: 3 }, padTop: 1 };
    expect(rowSlabs(s2, 2).map((s) => [s.inRow, s.inRows, s.padTop])).toEqual([
      [0, 4, 1],
      [3, 5, 0],
      [7, 3, 0],
    ]);
  });
});

describe('external-memory latency model (hand-computed)', () => {
  // 1 byte per µs, 1 µs per transfer; 1 µs per MAC.
  const SLOW: ExternalMemory = {
    kind: 'sdram',
    bytes: 1 << 20,
    bandwidthBytesPerSec: 1e6,
    accessLatencyNs: 1000,
    source: 'test',
  };
  const CPU = { clockHz: 1e6, instructionsPerMac: 1, cyclesPerInstruction: 1, instructionsPerElement: 1 };

  it('transfer = latency + bytes / bandwidth', () => {
    expect(transferUs(48, SLOW)).toBeCloseTo(49, 9);
    expect(transferUs(0, SLOW)).toBe(0);
  });

  it('double buffering hides the transfers behind compute except the first fetch and the last write-back', () => {
    const plan = planPartitions([CONV], { sramBudgetBytes: 199, arenaBytes: 4096, weightsExternal: false });
    if (plan.mode !== 'external') throw new Error('expected external');
    // Slabs of 4, 4, 2 rows: inputs 5, 6, 3 rows (40, 48, 24 B → 41, 49, 25 µs), outputs 48, 48,
    // 24 B (49, 49, 25 µs), compute 480, 480, 240 µs:
    // 41 + max(480, 49) + max(480, 25 + 49) + max(240, 49) + 25 = 1266 µs vs 1200 µs in SRAM.
    const l = modelExternalLatency(plan, [CONV], SLOW, SLOW, CPU);
    expect(l.partitionedMs).toBeCloseTo(1.266, 9);
    expect(l.sramOnlyMs).toBeCloseTo(1.2, 9);
    expect(l.modelledOverhead).toBeCloseTo(66 / 1200, 9);
    expect(l.serialOverhead).toBeCloseTo((41 + 49 + 25 + 49 + 49 + 25) / 1200, 9);
  });
});

describe('parseByteSize (sramBudget values)', () => {
  it('reads bytes, K and M suffixes, rejects anything else', () => {
    expect(parseByteSize('256K')).toBe(262144);
    expect(parseByteSize('1M')).toBe(1048576);
    expect(parseByteSize('4096')).toBe(4096);
    expect(parseByteSize(8192)).toBe(8192);
    expect(parseByteSize('12 KB')).toBe(12288);
    expect(parseByteSize('lots')).toBeUndefined();
    expect(parseByteSize(0)).toBeUndefined();
  });
});
