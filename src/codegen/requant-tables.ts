/**
 * Requantization precomputed at codegen (issue #13): the per-channel table the dsp conv2d /
 * pointwise / depthwise kernels otherwise build in their scratch on every call
 * (tops_rq_prepare, firmware/kernels/dsp/tops_requantize.c), as a const `tops_requant` array
 * in flash (firmware/include/tops_types.h). The kernels trust the table, so it is emitted only
 * when tops_rq_prepare would accept the op — the same bounds, checked here:
 *   every shift a right shift of 1..21, every multiplier ≥ 0, |output offset| ≤ 256, and
 *   max|bias| + taps · max|x + input offset| · 128 < 2^29 for any int8 x
 * (the fast path's exactness argument is in firmware/kernels/dsp/tops_dsp.h). Entries are
 * {multiplier, right shift, nudge = 2^(shift−1) + output offset · 2^shift}.
 */
import { tensorByName, type IntModel, type IntOp } from '../quant/int-model';

/** Bytes of one tops_requant entry (three int32). */
export const REQUANT_ENTRY_BYTES = 12;

export interface RequantEntry {
  readonly multiplier: number;
  readonly shift: number;
  readonly nudge: number;
}

export interface FastRequantInput {
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly bias: Int32Array | undefined;
  /** Products per accumulator: kh·kw·c_in (conv, pointwise) or kh·kw (depthwise). */
  readonly taps: number;
  readonly inputOffset: number;
  readonly outputOffset: number;
}

/** The table, or undefined when the fast path does not apply (the kernel then uses the plain requantization). */
export function fastRequantTable(q: FastRequantInput): RequantEntry[] | undefined {
  const lo = q.inputOffset - 128;
  const hi = q.inputOffset + 127;
  const maxX = lo < 0 ? Math.max(-lo, hi) : hi;
  let maxBias = 0;
  for (const b of q.bias ?? []) maxBias = Math.max(maxBias, Math.abs(b));
  if (maxBias + q.taps * maxX * 128 >= 2 ** 29 || q.outputOffset < -256 || q.outputOffset > 256) return undefined;
  const out: RequantEntry[] = [];
  for (let i = 0; i < q.multiplier.length; i++) {
    const m = q.multiplier[i]!;
    const s = -q.shift[i]!;
    if (s < 1 || s > 21 || m < 0) return undefined;
    out.push({ multiplier: m, shift: s, nudge: (2 ** (s - 1) + q.outputOffset * 2 ** s) | 0 });
  }
  return out;
}

/** `static const tops_requant <name>[n] = {{m, s, nudge}, ...};` */
export function requantTableC(name: string, table: readonly RequantEntry[]): string {
  const rows: string[] = [];
  for (let i = 0; i < table.length; i += 4) {
    rows.push(
      '    ' +
        table
          .slice(i, i + 4)
          .map((e) => `{${e.multiplier}, ${e.shift}, ${e.nudge}}`)
          .join(', ') +
        ',',
    );
  }
  return `static const tops_requant ${name}[${table.length}] = {\n${rows.join('\n')}\n};\n`;
}

/** The precomputable table of a conv2d / depthwise op of an integer model (undefined: other ops, or out of bounds). */
export function opFastRequantTable(model: IntModel, op: IntOp): RequantEntry[] | undefined {
  if (op.kind !== 'conv2d' && op.kind !== 'depthwise_conv2d') return undefined;
  const [, kh, kw, c] = op.filterShape;
  return fastRequantTable({
    multiplier: op.multiplier,
    shift: op.shift,
    bias: op.bias,
    taps: kh * kw * (op.kind === 'conv2d' ? c : 1),
    inputOffset: -tensorByName(model, op.inputs[0]!).zeroPoint,
    outputOffset: tensorByName(model, op.output).zeroPoint,
  });
}

/**
 * The compact form of the same parameters (codegen `requantTables: compact`; `tops_types.h`):
 * the int32 multiplier and the right shift as a uint8 per channel, and the bias as int16 when
 * every value fits, which the dsp kernels expand into the table (and an int32 bias) in their
 * scratch on every call (tops_quant_expand). 5 B per channel, 7 with the int16 bias, against
 * 12 for the flash table + 4 for the int32 bias: the trade of flash for per-call work and
 * scratch that a sub-byte (flash-first) model wants. Emitted only where the table's bounds hold.
 */
export interface CompactRequant {
  readonly multiplier: Int32Array;
  readonly rightShift: Uint8Array;
  /** The bias as int16 (the kernel's int32 bias argument is then NULL), when it fits. */
  readonly bias16: Int16Array | undefined;
}

export function fitsInt16(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -32768 || v > 32767) return false;
  }
  return true;
}

/** Flash bytes per output channel of the compact form (multiplier, right shift, int16 bias or none). */
export const COMPACT_ENTRY_BYTES = 5;
export const COMPACT_BIAS16_BYTES = 2;

export function opCompactRequant(model: IntModel, op: IntOp): CompactRequant | undefined {
  const table = opFastRequantTable(model, op);
  if (!table || (op.kind !== 'conv2d' && op.kind !== 'depthwise_conv2d')) return undefined;
  return {
    multiplier: Int32Array.from(table, (e) => e.multiplier),
    rightShift: Uint8Array.from(table, (e) => e.shift),
    bias16: fitsInt16(op.bias) ? Int16Array.from(op.bias) : undefined,
  };
}

/** Extra kernel scratch of the compact form over a per-call table: the int32 expansion of an int16 bias. */
export function compactScratchExtraBytes(c: CompactRequant | undefined): number {
  return c?.bias16 ? 4 * c.bias16.length : 0;
}
