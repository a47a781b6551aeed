/**
 * Static arena planning from tensor lifetimes (the job TFLite Micro's GreedyMemoryPlanner does
 * at run time; here it is done once, at code generation, so the firmware has one fixed
 * `static` arena and no allocator).
 *
 * A buffer lives from the op that writes it (the model input: from before op 0) to the last op
 * that reads it (the model output: to the end). Two buffers whose lifetimes intersect may not
 * overlap in memory. Buffers are placed greedily: try several orders (largest first, as TFLM;
 * earliest first) and keep the smallest arena.
 *
 * In place: an op may write its output over its first input when that input dies at the op
 * and the generated code makes it legal. The output then starts `shift` bytes before the
 * input inside one buffer:
 * - element-wise add: shift 0 (each element is read before the same element is written);
 * - 1×1 conv with C_OUT ≤ C_IN, row by row through a one-row temp: shift 0 (output row y only
 *   covers input rows ≤ y, already consumed);
 * - stride-1 depthwise, row by row through a one-row temp: shift = padTop rows (output row y
 *   lands on input row y − padTop, which no later output row reads).
 * The temp (`tempBytes`) is extra scratch of the op, allocated only when in-place is taken.
 *
 * The lower bound is MicroNets eq. 3: working memory of an op = its input bytes + output bytes
 * (+ its kernel scratch), the best any plan with separate input and output buffers can do;
 * in-place ops let the arena go below it.
 */

export interface PlanTensor {
  readonly name: string;
  readonly bytes: number;
}

export interface PlanOp {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
  /** Kernel scratch (e.g. im2col) needed during this op only; 0 when none. */
  readonly scratchBytes: number;
  /** The output may overwrite inputs[0] if that input dies here (see the file comment). */
  readonly inPlace?: { readonly shift: number; readonly tempBytes: number };
}

export interface PlannedBuffer {
  /** Tensor names sharing this buffer (more than one after an in-place merge); scratch is `<op>#scratch`. */
  readonly tensors: readonly string[];
  readonly offset: number;
  readonly bytes: number;
  /** First and last op index during which the buffer is live (−1 = before op 0). */
  readonly first: number;
  readonly last: number;
}

export interface MemoryPlan {
  readonly arenaBytes: number;
  /** Ops whose output was placed over their input (the code generator must emit them in place). */
  readonly inPlaceOps: ReadonlySet<string>;
  /** MicroNets eq. 3: max over ops of input + output (+ scratch) bytes. */
  readonly lowerBoundBytes: number;
  /** Offset of every tensor (and every op's scratch, as `<op>#scratch`). */
  readonly offsets: ReadonlyMap<string, number>;
  readonly buffers: readonly PlannedBuffer[];
  readonly strategy: string;
}

/** Offsets are multiples of this, so kernels may read words (SMLAD loads 32 bits). */
export const ARENA_ALIGNMENT = 4;

function align(n: number): number {
  return Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;
}

interface Interval {
  /** Member tensors and their byte offset inside the buffer. */
  tensors: Map<string, number>;
  bytes: number;
  first: number;
  last: number;
}

function lifetimes(
  tensors: readonly PlanTensor[],
  ops: readonly PlanOp[],
  input: string,
  output: string,
): { buffers: Interval[]; inPlace: Set<string> } {
  const size = new Map(tensors.map((t) => [t.name, t.bytes]));
  const first = new Map<string, number>([[input, -1]]);
  const last = new Map<string, number>([[input, -1]]);
  ops.forEach((op, i) => {
    for (const t of op.inputs) last.set(t, i);
    first.set(op.output, i);
    last.set(op.output, Math.max(last.get(op.output) ?? i, i));
  });
  last.set(output, ops.length);
  const bufferOf = new Map<string, Interval>();
  const buffers: Interval[] = [];
  const inPlace = new Set<string>();
  const bufferFor = (t: string): Interval => {
    let b = bufferOf.get(t);
    if (!b) {
      b = { tensors: new Map([[t, 0]]), bytes: size.get(t) ?? 0, first: first.get(t) ?? -1, last: last.get(t) ?? -1 };
      bufferOf.set(t, b);
      buffers.push(b);
    }
    return b;
  };
  bufferFor(input);
  ops.forEach((op, i) => {
    for (const t of op.inputs) bufferFor(t);
    const src = op.inputs[0];
    const srcBuf = src !== undefined ? bufferOf.get(src) : undefined;
    const legal =
      op.inPlace !== undefined &&
      srcBuf !== undefined &&
      src !== input &&
      last.get(src!) === i &&
      !op.inputs.slice(1).includes(src!);
    if (legal && op.inPlace && srcBuf) {
      // The output starts `shift` bytes before the input; re-base the buffer if that is before its start.
      let rel = srcBuf.tensors.get(src!)! - op.inPlace.shift;
      if (rel < 0) {
        for (const [t, r] of srcBuf.tensors) srcBuf.tensors.set(t, r - rel);
        srcBuf.bytes -= rel;
        rel = 0;
      }
      srcBuf.tensors.set(op.output, rel);
      srcBuf.bytes = Math.max(srcBuf.bytes, rel + (size.get(op.output) ?? 0));
      srcBuf.last = Math.max(srcBuf.last, last.get(op.output) ?? i);
      bufferOf.set(op.output, srcBuf);
      inPlace.add(op.name);
    } else {
      bufferFor(op.output);
    }
    const scratch = op.scratchBytes + (inPlace.has(op.name) ? op.inPlace!.tempBytes : 0);
    if (scratch > 0) buffers.push({ tensors: new Map([[`${op.name}#scratch`, 0]]), bytes: scratch, first: i, last: i });
  });
  return { buffers, inPlace };
}

function place(order: readonly Interval[]): Map<Interval, number> {
  const placed = new Map<Interval, number>();
  for (const b of order) {
    const conflicts = [...placed.entries()]
      .filter(([o]) => o.first <= b.last && b.first <= o.last)
      .map(([o, off]) => ({ start: off, end: off + align(o.bytes) }))
      .sort((x, y) => x.start - y.start);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + align(b.bytes) <= c.start) break;
      offset = Math.max(offset, c.end);
    }
    placed.set(b, offset);
  }
  return placed;
}

export function lowerBoundBytes(tensors: readonly PlanTensor[], ops: readonly PlanOp[]): number {
  const size = new Map(tensors.map((t) => [t.name, t.bytes]));
  let lb = 0;
  for (const op of ops) {
    const names = new Set([...op.inputs, op.output]);
    const bytes = [...names].reduce((s, t) => s + (size.get(t) ?? 0), 0) + op.scratchBytes;
    lb = Math.max(lb, bytes);
  }
  return lb;
}

export function planMemory(
  tensors: readonly PlanTensor[],
  ops: readonly PlanOp[],
  input: string,
  output: string,
): MemoryPlan {
  const { buffers, inPlace } = lifetimes(tensors, ops, input, output);
  const strategies: Array<[string, Interval[]]> = [
    ['largest-first', [...buffers].sort((a, b) => b.bytes - a.bytes || a.first - b.first)],
    ['earliest-first', [...buffers].sort((a, b) => a.first - b.first || b.bytes - a.bytes)],
    ['longest-lived-first', [...buffers].sort((a, b) => b.last - b.first - (a.last - a.first) || b.bytes - a.bytes)],
  ];
  let best: { name: string; placed: Map<Interval, number>; arena: number } | undefined;
  for (const [name, order] of strategies) {
    const placed = place(order);
    const arena = Math.max(0, ...[...placed.entries()].map(([b, off]) => off + align(b.bytes)));
    if (!best || arena < best.arena) best = { name, placed, arena };
  }
  const offsets = new Map<string, number>();
  const planned: PlannedBuffer[] = buffers.map((b) => {
    const offset = best!.placed.get(b)!;
    for (const [t, rel] of b.tensors) offsets.set(t, offset + rel);
    return { tensors: [...b.tensors.keys()], offset, bytes: b.bytes, first: b.first, last: b.last };
  });
  return {
    arenaBytes: best!.arena,
    inPlaceOps: inPlace,
    lowerBoundBytes: lowerBoundBytes(tensors, ops),
    offsets,
    buffers: planned,
    strategy: best!.name,
  };
}

/** Throws if two buffers that are live at the same time overlap (a planner bug, checked in tests and codegen). */
export function checkPlan(plan: MemoryPlan): void {
  const bs = plan.buffers;
  for (let i = 0; i < bs.length; i++) {
    for (let j = i + 1; j < bs.length; j++) {
      const a = bs[i]!;
      const b = bs[j]!;
      const live = a.first <= b.last && b.first <= a.last;
      const overlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
      if (live && overlap && a.bytes > 0 && b.bytes > 0) {
        throw new Error(`memory plan: ${a.tensors.join('/')} and ${b.tensors.join('/')} are live together and overlap`);
      }
    }
  }
}
