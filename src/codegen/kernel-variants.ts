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
 * q15 im2col columns (kh·kw·c_in int16 each); dsp depthwise: a tops_rq per channel, then the
 * weights of each whole group of four channels widened to two words per tap; dsp FC: one q15 row.
 */
/** sizeof(tops_rq) in firmware/kernels/dsp/tops_dsp.h: multiplier, shift, nudge (int32 each). */
const TOPS_RQ_BYTES = 12;

export function kernelScratchBytes(variant: KernelVariant, op: IntOp): number {
  if (variant === 'ref') return 0;
  if (op.kind === 'conv2d' && op.weightBits === 8) {
    const [cout, kh, kw, cin] = op.filterShape;
    return TOPS_RQ_BYTES * cout + 2 * kh * kw * cin * 2;
  }
  if (op.kind === 'depthwise_conv2d' && op.weightBits === 8) {
    const [, kh, kw, c] = op.filterShape;
    return TOPS_RQ_BYTES * c + Math.floor(c / 4) * kh * kw * 8;
  }
  if (op.kind === 'fully_connected' && op.weightBits === 8) return op.filterShape[1] * 2;
  return 0;
}

export function scratchFor(variant: KernelVariant): (op: IntOp, model: IntModel) => number {
  return (op) => kernelScratchBytes(variant, op);
}
