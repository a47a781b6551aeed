import type * as TF from '@tensorflow/tfjs-node';
import type { Board } from '../boards/registry';
import { sameOutput, type Pair } from '../nn/ds-cnn-arch';
import type { Tf } from '../nn/tf';
import { SOFTMAX_LUT_SIZE } from '../nn/int-reference';
import { COST_CONSTANTS, type CostConstants, type FrontEndKind } from './cost-constants';
import { widthGrid, type SearchSpace } from './search-space';

/**
 * Differentiable flash / SRAM / latency of the supernet under its architecture weights z
 * (MicroNets §5.1: eq. 2 expected parameters, eq. 3 working memory, eq. 4 expected ops), but
 * calibrated to OUR firmware instead of TFLM's:
 *
 * - flash = fixed image bytes (kernels, MFCC front end, start-up, harness, libc; measured)
 *   + Σ expected const arrays exactly as src/codegen/model-c.ts emits them (int8 weights,
 *   4 B bias + the 12 B flash requantization table per output channel — codegen v9 emits no
 *   separate multiplier/shift arrays beside the table —, FC bias, softmax LUT) + a measured
 *   per-op overhead (params/dims structs, the call);
 * - SRAM = fixed (measured data/bss/stack) + the arena as src/codegen/memory-plan.ts lays it
 *   out: 1×1 convs with C_OUT ≤ C_IN and stride-1 depthwise convs run in place (their output
 *   reuses the input's buffer, which grows by the depthwise top-padding row each time), every
 *   other op needs input + output; kernel scratch of the dsp variant (kernel-variants.ts).
 *   Eq. 3 bounds separate buffers; our planner goes below it, so eq. 3 is not used. Per op
 *   the live bytes are taken in expectation over the (independent) width choices, then a
 *   smooth max (T·logsumexp(x/T)) over ops;
 * - latency = Σ expected instructions (per op class: perUnit·MACs + perCall, measured with the
 *   QEMU plugin) × the core's measured cycles/instruction ÷ the board clock.
 *
 * The widths of consecutive layers are distributions over one width grid; a skippable block
 * mixes "block output" with "block input": d_out = keep·q_block + (1 − keep)·d_in. Products of
 * two widths (pointwise MACs, weights) are expectations of independent choices, so with
 * one-hot z every number is the exact cost of that architecture (tests check this against
 * countMacs/countParams and against planMemory).
 */

export interface CostEnv {
  readonly space: SearchSpace;
  /** [frames, coefficients] of one input. */
  readonly inputShape: Pair;
  readonly numClasses: number;
  readonly core: Board['core'];
  readonly clockHz: number;
  /** The firmware's front end, for the fixed flash and SRAM (default `mfcc`, the KWS firmware). */
  readonly frontEnd?: FrontEndKind;
  readonly constants?: CostConstants;
}

/** Probabilities of every decision node (each sums to 1). */
export interface ArchProbabilities {
  readonly firstConv: TF.Tensor1D;
  /** Per block: over its widths, and P(keep) for a skippable block (absent = always kept). */
  readonly blocks: ReadonlyArray<{ readonly width: TF.Tensor1D; readonly keep?: TF.Scalar }>;
}

export interface ExpectedCosts {
  readonly flashBytes: TF.Scalar;
  readonly sramBytes: TF.Scalar;
  /** The arena part of sramBytes. */
  readonly arenaBytes: TF.Scalar;
  readonly instructions: TF.Scalar;
  readonly latencyMs: TF.Scalar;
  readonly macs: TF.Scalar;
  /** Parameters after BN folding (countParams(...).folded). */
  readonly params: TF.Scalar;
  /** Expected live arena bytes per op, in execution order. */
  readonly opArenaBytes: TF.Tensor1D;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Rows per in-place kernel call (src/codegen/model-c.ts IN_PLACE_SLABS = 5). */
function slabRows(outRows: number): number {
  return Math.ceil(outRows / 5);
}

/** Top padding of a 'same' window (src/quant/float-graph.ts padFor). */
export function samePadTop(inSize: number, kernel: number, stride: number): number {
  const out = sameOutput(inSize, stride);
  return Math.floor(Math.max(0, (out - 1) * stride + kernel - inSize) / 2);
}

/**
 * Expected costs under `z`. `smoothMaxBytes` > 0: SRAM's max over ops is T·logsumexp(x/T)
 * (differentiable, ≥ the max by at most T·ln(ops)); 0: the hard max.
 */
export function expectedCosts(tf: Tf, env: CostEnv, z: ArchProbabilities, smoothMaxBytes = 0): ExpectedCosts {
  const k = env.constants ?? COST_CONSTANTS;
  const { space, numClasses } = env;
  const grid = widthGrid(space);
  const gridT = tf.tensor1d(grid);
  /** Choice probabilities → distribution over the width grid. */
  const onGrid = (p: TF.Tensor1D, widths: readonly number[]) => {
    const m = tf.tensor2d(widths.map((w) => grid.map((g) => (g === w ? 1 : 0))));
    return tf.squeeze(tf.matMul(tf.reshape(p, [1, widths.length]), m), [0]) as TF.Tensor1D;
  };
  const mean = (d: TF.Tensor1D) => tf.sum(tf.mul(d, gridT)) as TF.Scalar;
  const s = (x: number) => tf.scalar(x);
  const add = (...xs: TF.Scalar[]) => xs.reduce((a, b) => tf.add(a, b) as TF.Scalar);
  const instr = (cls: keyof CostConstants['instructions'], work: TF.Scalar, times: TF.Scalar = s(1)) =>
    tf.mul(times, tf.add(tf.mul(work, k.instructions[cls].perUnit), k.instructions[cls].perCall)) as TF.Scalar;

  const [H, W] = env.inputShape;
  const fc = space.firstConv;
  let h = sameOutput(H, fc.stride[0]);
  let w = sameOutput(W, fc.stride[1]);
  const khkw = fc.kernel[0] * fc.kernel[1];

  // First conv: not in place (its input is the model input).
  let d = onGrid(z.firstConv, fc.widths);
  const c0 = mean(d);
  let buffer = tf.mul(c0, h * w) as TF.Scalar; // running bytes of the buffer holding the current activation
  const out0 = buffer;
  // Per output channel: bias (4 B) + the flash requantization table (12 B, codegen `requantTables: flash`).
  let flash = add(tf.mul(c0, khkw + 16) as TF.Scalar);
  let macs = tf.mul(c0, h * w * khkw) as TF.Scalar;
  let params = tf.mul(c0, khkw + 1) as TF.Scalar;
  let instructions = instr('conv', tf.mul(c0, h * w * khkw) as TF.Scalar);
  let ops: TF.Scalar = s(1);

  /**
   * The planner gives an in-place chain ONE buffer of its final size for its whole life, and a
   * stride-1 depthwise in the chain grows it by a padding row. So each op's live bytes need
   * the chain's future growth G: computed backwards once the per-block pieces are known.
   */
  interface BlockTerms {
    readonly keep: TF.Scalar;
    readonly strided: boolean;
    /** Expected growth of the chain at this block's depthwise (keep · shift), stride 1 only. */
    readonly growth: TF.Scalar;
    /** P(the chain continues through the pointwise) = keep·P(C_OUT ≤ C_IN) + (1 − keep). */
    readonly continues: TF.Scalar;
    /** Given the future growth G after the pointwise: expected live bytes of dw and pw. */
    readonly live: (growthAfter: TF.Scalar) => [TF.Scalar, TF.Scalar];
  }
  const terms: BlockTerms[] = [];
  // P(every block skipped): the depthwise and pointwise kernels are then not linked at all.
  let pNoBlock: TF.Scalar = s(1);

  for (const [i, b] of space.blocks.entries()) {
    const zi = z.blocks[i]!;
    const keep = zi.keep ?? s(1);
    pNoBlock = tf.mul(pNoBlock, tf.sub(1, keep)) as TF.Scalar;
    const ho = sameOutput(h, b.stride[0]);
    const wo = sameOutput(w, b.stride[1]);
    const cin = mean(d);
    const q = zi.width;
    const cout = tf.sum(tf.mul(q, tf.tensor1d([...b.widths]))) as TF.Scalar;
    // Depthwise 3×3: 9 weights + 4 B bias + 12 B requantization table (flash) per
    // channel; scratch ⌊c/4⌋·(9·8 + 64) = 34c: the widened weights and the asm loop's group
    // table of 2·bias + tops_rq (the table is in flash, not built in scratch: kernel-variants.ts).
    const dwMacs = tf.mul(cin, ho * wo * 9) as TF.Scalar;
    const dwScratch = tf.mul(cin, 34) as TF.Scalar;
    const strided = !(b.stride[0] === 1 && b.stride[1] === 1);
    const before = buffer;
    const shift = strided ? s(0) : (tf.mul(cin, samePadTop(h, 3, 1) * wo) as TF.Scalar);
    const afterDw = strided ? (tf.mul(cin, ho * wo) as TF.Scalar) : add(before, shift);
    // Pointwise: in place iff C_OUT ≤ C_IN; expectation over the joint (C_IN, C_OUT) choices.
    const pq = tf.mul(tf.reshape(d, [grid.length, 1]), tf.reshape(q, [1, b.widths.length])); // P(cin = grid[x], cout = widths[y])
    const ip = tf.tensor2d(grid.map((ga) => b.widths.map((wb) => (wb <= ga ? 1 : 0))));
    const notIp = tf.sub(1, ip);
    const outB = tf.tensor2d(grid.map(() => b.widths.map((wb) => ho * wo * wb)));
    const tempB = tf.tensor2d(grid.map(() => b.widths.map((wb) => align4(wo * wb * slabRows(ho)))));
    const scrB = tf.tensor2d(grid.map((ga) => b.widths.map(() => 4 * ga)));
    const e = (m: TF.Tensor) => tf.sum(tf.mul(pq, m)) as TF.Scalar;
    const pIn = e(ip);
    const afterPw = add(tf.mul(pIn, afterDw) as TF.Scalar, e(tf.mul(notIp, outB)));
    const pwMacs = tf.mul(tf.mul(cin, cout), ho * wo) as TF.Scalar;
    const dwTemp = tf.mul(cin, wo * slabRows(ho)) as TF.Scalar;
    terms.push({
      keep,
      strided,
      growth: tf.mul(keep, shift) as TF.Scalar,
      continues: add(tf.mul(keep, pIn) as TF.Scalar, tf.sub(1, keep) as TF.Scalar),
      live: (gAfter) => {
        // The chain through dw (stride 1) continues into pw with probability pIn.
        const gAfterDw = tf.mul(pIn, gAfter) as TF.Scalar;
        const dwLive = strided ? add(before, afterDw, gAfterDw, dwScratch) : add(afterDw, gAfterDw, dwTemp, dwScratch);
        const pwLive = add(afterDw, e(tf.add(tf.mul(ip, tempB), tf.mul(notIp, outB))), gAfter, e(scrB));
        return [tf.mul(keep, dwLive) as TF.Scalar, tf.mul(keep, pwLive) as TF.Scalar];
      },
    });
    flash = add(
      flash,
      tf.mul(
        keep,
        add(tf.mul(cin, 9 + 16) as TF.Scalar, tf.mul(cin, cout) as TF.Scalar, tf.mul(cout, 16) as TF.Scalar),
      ) as TF.Scalar,
    );
    macs = add(macs, tf.mul(keep, add(dwMacs, pwMacs)) as TF.Scalar);
    params = add(
      params,
      tf.mul(keep, add(tf.mul(cin, 10) as TF.Scalar, tf.mul(cin, cout) as TF.Scalar, cout)) as TF.Scalar,
    );
    instructions = add(
      instructions,
      instr(strided ? 'depthwise-strided' : 'depthwise', dwMacs, keep),
      instr('pointwise', pwMacs, keep),
    );
    ops = add(ops, tf.mul(keep, 2) as TF.Scalar);

    buffer = add(tf.mul(keep, afterPw) as TF.Scalar, tf.mul(tf.sub(1, keep), buffer) as TF.Scalar);
    d = tf.add(tf.mul(keep, onGrid(q, b.widths)), tf.mul(tf.sub(1, keep), d)) as TF.Tensor1D;
    h = ho;
    w = wo;
  }
  // Backwards: G after block i's pointwise = growth from block i+1 on, while the chain lasts.
  const growthAfter: TF.Scalar[] = new Array<TF.Scalar>(terms.length);
  let g: TF.Scalar = s(0); // after the last block: global pooling is not in place
  for (let i = terms.length - 1; i >= 0; i--) {
    growthAfter[i] = g;
    const t = terms[i]!;
    g = t.strided ? s(0) : add(t.growth, tf.mul(t.continues, g) as TF.Scalar);
  }
  const opArena: TF.Scalar[] = [
    add(s(align4(H * W)), out0, g, s(4 * khkw) /* dsp conv scratch: 4·kh·kw·C_IN (requantization table in flash) */),
  ];
  terms.forEach((t, i) => opArena.push(...t.live(growthAfter[i]!)));

  // Global average pool → dense → softmax.
  const c = mean(d);
  opArena.push(add(buffer, c));
  opArena.push(add(c, s(align4(numClasses)), tf.mul(c, 2) as TF.Scalar)); // dsp FC scratch: one q15 row
  opArena.push(s(2 * align4(numClasses)));
  flash = add(flash, tf.mul(c, numClasses) as TF.Scalar, s(4 * numClasses + 4 * SOFTMAX_LUT_SIZE));
  macs = add(macs, tf.mul(c, numClasses) as TF.Scalar);
  params = add(params, tf.mul(c, numClasses) as TF.Scalar, s(numClasses));
  instructions = add(
    instructions,
    instr('avgpool', tf.mul(c, h * w) as TF.Scalar),
    instr('dense', tf.mul(c, numClasses) as TF.Scalar),
    instr('softmax', s(numClasses)),
  );
  ops = add(ops, s(3));

  const opArenaBytes = tf.stack(opArena) as TF.Tensor1D;
  const arenaBytes = (
    smoothMaxBytes > 0
      ? tf.mul(tf.logSumExp(tf.div(opArenaBytes, smoothMaxBytes)), smoothMaxBytes)
      : tf.max(opArenaBytes)
  ) as TF.Scalar;
  const flashBytes = add(
    flash,
    tf.mul(ops, k.modelFlash.perOpBytes) as TF.Scalar,
    s(k.modelFlash.baseBytes + k.fixedFlashBytes[env.frontEnd ?? 'mfcc'][env.core]),
    tf.mul(pNoBlock, -k.blockKernelsFlashBytes[env.core]) as TF.Scalar,
  );
  const sramBytes = add(arenaBytes, s(k.fixedSramBytes[env.frontEnd ?? 'mfcc'][env.core]));
  const latencyMs = tf.mul(instructions, (k.cyclesPerInstruction[env.core] / env.clockHz) * 1000) as TF.Scalar;
  return { flashBytes, sramBytes, arenaBytes, instructions, latencyMs, macs, params, opArenaBytes };
}
