/**
 * Which C kernel files a firmware build links, and how much scratch each op's kernel asks for.
 * docs/firmware.md#ref-vs-dsp: firmware/kernels/dsp/ holds Cortex-M DSP-extension (SMLAD/SXTB16)
 * versions of some kernels; each replaces the ref/ file of the same name, ref/ fills in the rest.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { FIRMWARE_DIR } from '../deploy/firmware-paths';
import type { IntModel, IntOp } from '../quant/int-model';

export type KernelVariant = 'ref' | 'dsp';

export function kernelSources(variant: KernelVariant): string[] {
  const dir = (v: KernelVariant) => path.join(FIRMWARE_DIR, 'kernels', v);
  const cFiles = (v: KernelVariant) => readdirSync(dir(v)).filter((f) => f.endsWith('.c'));
  const own = variant === 'dsp' ? cFiles('dsp') : [];
  const inherited = cFiles('ref').filter((f) => !own.includes(f));
  return [...inherited.map((f) => path.join(dir('ref'), f)), ...own.map((f) => path.join(dir('dsp'), f))].sort();
}

/**
 * Scratch bytes of an op's kernel: mirrors `tops_<op>_get_buffer_size` of the variant (the
 * generated code re-checks at run time: a kernel given less returns TOPS_ARG_ERROR).
 * dsp conv / pointwise: a 12-byte requantization entry per output channel (tops_rq), then two
 * q15 im2col columns (kh·kw·c_in int16 each); dsp depthwise: a tops_rq per channel, for a 3×3
 * filter the asm group loop's table (dwGroupTableBytes), then the weights of each whole group of
 * four channels widened to two words per tap; dsp FC: one q15 row.
 */
/** sizeof(tops_rq) in firmware/kernels/dsp/tops_dsp.h: multiplier, shift, nudge (int32 each). */
const TOPS_RQ_BYTES = 12;

/**
 * `tops_dw_group_table_bytes` (firmware/kernels/dsp/tops_depthwise_conv2d_s8.c): a 3×3 dsp
 * depthwise keeps, per whole group of four channels, 2·bias of each and their four tops_rq
 * (16 words), so its asm loop starts a group with one LDM (firmware/README.md).
 */
function dwGroupTableBytes(kh: number, kw: number, c: number): number {
  return kh === 3 && kw === 3 ? Math.floor(c / 4) * 64 : 0;
}

/**
 * dsp packed-weight (s4/s2) kernels (firmware/kernels/dsp/tops_*_sub_byte.c): conv / pointwise
 * and FC a tops_rq per output channel plus a q15 column pair (4 bytes per window value), conv2d
 * also the int8 window (4-byte rounded; pointwise = 1×1 unpadded reads the input in place);
 * depthwise the int8-unpacked filter (4-byte rounded) then the int8 dsp depthwise scratch.
 */
function subByteScratchBytes(op: IntOp): number {
  const round4 = (n: number): number => Math.ceil(n / 4) * 4;
  if (op.kind === 'conv2d') {
    const [cout, kh, kw, cin] = op.filterShape;
    const len = kh * kw * cin;
    const pointwise = kh === 1 && kw === 1 && op.padding[0] === 0 && op.padding[1] === 0;
    return TOPS_RQ_BYTES * cout + 4 * len + (pointwise ? 0 : round4(len));
  }
  if (op.kind === 'depthwise_conv2d') {
    const [, kh, kw, c] = op.filterShape;
    return round4(kh * kw * c) + TOPS_RQ_BYTES * c + dwGroupTableBytes(kh, kw, c) + Math.floor(c / 4) * kh * kw * 8;
  }
  if (op.kind === 'fully_connected') return TOPS_RQ_BYTES * op.filterShape[0] + 4 * op.filterShape[1];
  return 0;
}

/**
 * `fastTable`: the op's quant params carry a requantization table precomputed at codegen
 * (src/codegen/requant-tables.ts), so the dsp conv2d / depthwise kernels (int8 and packed)
 * need no tops_rq per channel in their scratch.
 */
export function kernelScratchBytes(variant: KernelVariant, op: IntOp, fastTable = false): number {
  if (variant === 'ref') return 0;
  const saved =
    fastTable && (op.kind === 'conv2d' || op.kind === 'depthwise_conv2d')
      ? TOPS_RQ_BYTES * (op.kind === 'conv2d' ? op.filterShape[0] : op.filterShape[3])
      : 0;
  return kernelScratchWithTable(variant, op) - saved;
}

function kernelScratchWithTable(variant: KernelVariant, op: IntOp): number {
  if (variant === 'ref') return 0;
  if ('weightBits' in op && op.weightBits !== 8) return subByteScratchBytes(op);
  if (op.kind === 'conv2d' && op.weightBits === 8) {
    const [cout, kh, kw, cin] = op.filterShape;
    return TOPS_RQ_BYTES * cout + 2 * kh * kw * cin * 2;
  }
  if (op.kind === 'depthwise_conv2d' && op.weightBits === 8) {
    const [, kh, kw, c] = op.filterShape;
    return TOPS_RQ_BYTES * c + dwGroupTableBytes(kh, kw, c) + Math.floor(c / 4) * kh * kw * 8;
  }
  if (op.kind === 'fully_connected' && op.weightBits === 8) return op.filterShape[1] * 2;
  return 0;
}

export function scratchFor(
  variant: KernelVariant,
  fastTable: (op: IntOp, model: IntModel) => boolean = () => false,
): (op: IntOp, model: IntModel) => number {
  return (op, model) => kernelScratchBytes(variant, op, fastTable(op, model));
}
