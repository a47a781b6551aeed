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
