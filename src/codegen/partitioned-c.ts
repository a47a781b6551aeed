/**
 * C for one op of an external-memory model (partition-plan.ts): the op's parts as a const table,
 * a fetch function for a part's input (and weight) slices, and a double-buffered loop (TinyOps,
 * Sadiq et al., §IV-A, Fig. 8): wait for part p's slices; start fetching part p+1 into the
 * other buffers; wait until the output buffer's previous write-back is done; run the kernel on
 * SRAM; start writing the output slice back. Transfers go through firmware/include/tops_extmem.h.
 *
 * The kernels are the ordinary ones: each call sees a slab's input rows with the slab's top
 * padding and writes the slab's output rows (channels g0..g0+n−1 with their weights, biases and
 * requantization parameters offset by g0).
 */
import type { IntOp, IntTensor } from '../quant/int-model';
import type { OpPartition } from './partition-plan';

export interface PartitionedOpContext {
  readonly op: IntOp;
  /** C identifier prefix of the op's generated constants (`op<i>_<name>`). */
  readonly id: string;
  /** Kernel function name. */
  readonly kernel: string;
  readonly part: OpPartition;
  /** C expression of a tensor's address in the external arena. */
  readonly at: (tensor: string) => string;
  readonly tensor: (name: string) => IntTensor;
  /** Whether the op's weights live in external flash (then slices are fetched into SRAM). */
  readonly weightsExternal: boolean;
}

export const FAST_BUFFER = 'tops_fast';

function bufferExpr(offsets: readonly number[], b: string): string {
  const [o0, o1] = offsets;
  return o1 === undefined ? `(${FAST_BUFFER} + ${o0})` : `(${FAST_BUFFER} + (${b} ? ${o1} : ${o0}))`;
}

function weightBytesPerChannel(op: IntOp): number {
  if (op.kind === 'conv2d') {
    const [, kh, kw, cin] = op.filterShape;
    return (kh * kw * cin * op.weightBits) / 8;
  }
  if (op.kind === 'fully_connected') return (op.filterShape[1] * op.weightBits) / 8;
  return 0;
}

/** Declarations (the parts table and the fetch function) and the statement block of the op. */
export function emitPartitionedOp(c: PartitionedOpContext): { decls: string; call: string } {
  const { op, id, part, at } = c;
  const o = c.tensor(op.output);
  const [, wo, co] = o.shape;
  const rows = part.slices.map(
    (s) => `    {${s.outRow}, ${s.outRows}, ${s.inRow}, ${s.inRows}, ${s.padTop}, ${s.channel}, ${s.channels}},`,
  );
  const hasWeights = 'weights' in op;
  const wType = hasWeights && op.weightBits !== 8 ? 'uint8_t' : 'int8_t';
  const perCh = weightBytesPerChannel(op);
  const wPerPart = part.weightBytesPerPart > 0;
  const wOnce = part.weightBytesOnce > 0;
  const fetchLines: string[] = [];
  const channelSlicedInput = op.kind === 'avgpool' && part.channelParts > 1;
  op.inputs.forEach((t, k) => {
    const [, w, ch] = c.tensor(t).shape;
    // Average pooling by channel groups: the group's channels of every input pixel, a 2-D transfer.
    if (channelSlicedInput) {
      fetchLines.push(
        `    tops_dma_start_2d(ch, ${bufferExpr(part.buffers.inputs[k]!, 'b')}, q->channels, ${at(t)} + q->in_row * ${w * ch} + q->channel, ${ch}, q->channels, q->in_rows * ${w});`,
      );
      return;
    }
    fetchLines.push(
      `    tops_dma_start(ch, ${bufferExpr(part.buffers.inputs[k]!, 'b')}, ${at(t)} + q->in_row * ${w * ch}, q->in_rows * ${w * ch});`,
    );
  });
  if (wPerPart)
    fetchLines.push(
      `    tops_dma_start(ch, ${bufferExpr(part.buffers.weights, 'b')}, (const int8_t *)${id}_weights + q->channel * ${perCh}, q->channels * ${perCh});`,
    );
  const decls = `static const tops_part ${id}_parts[${part.parts}] = {\n${rows.join('\n')}\n};
static void ${id}_fetch(tops_dma_channel *ch, int32_t p, int32_t b)
{
    const tops_part *q = &${id}_parts[p];
    (void)b;
${fetchLines.join('\n')}
}
`;
  const inPtr = (k: number) => bufferExpr(part.buffers.inputs[k]!, 'b');
  const outPtr = bufferExpr(part.buffers.output, 'b');
  const wPtr = wPerPart
    ? `(const ${wType} *)${bufferExpr(part.buffers.weights, 'b')}`
    : wOnce
      ? `(const ${wType} *)(${FAST_BUFFER} + ${part.buffers.weights[0]})`
      : `${id}_weights + q->channel * ${perCh}`;
  const ctx = part.scratchBytes > 0 ? `{${FAST_BUFFER} + ${part.buffers.scratch}, ${part.scratchBytes}}` : '{0, 0}';
  let kernelCall: string;
  switch (op.kind) {
    case 'conv2d':
    case 'depthwise_conv2d': {
      const [, kh, kw, cin] = op.filterShape;
      const [, w] = c.tensor(op.inputs[0]!).shape;
      const pt = op.kind === 'conv2d' ? 'tops_conv2d_params' : 'tops_depthwise_conv2d_params';
      const filterN = op.kind === 'conv2d' ? 'q->channels' : '1';
      kernelCall = `            ${pt} prm = ${id}_params;
            const tops_context kctx = ${ctx};
            const tops_dims in_dims = {1, q->in_rows, ${w}, ${cin}};
            const tops_dims f_dims = {${filterN}, ${kh}, ${kw}, ${cin}};
            const tops_dims b_dims = {1, 1, 1, q->channels};
            const tops_dims o_dims = {1, q->out_rows, ${wo}, q->channels};
            const tops_per_channel_quant_params qp = {${id}_quant.multiplier ? ${id}_quant.multiplier + q->channel : 0, ${id}_quant.shift ? ${id}_quant.shift + q->channel : 0, ${id}_quant.fast ? ${id}_quant.fast + q->channel : 0, 0, 0}; /* a channel slice of the arrays or of the flash requantization table (the one copy when codegen made it) */
            prm.padding.h = q->pad_top;
            st = ${c.kernel}(&kctx, &prm, &qp, &in_dims, ${inPtr(0)}, &f_dims, ${wPtr}, &b_dims, ${id}_bias + q->channel, &o_dims, ${outPtr});`;
      break;
    }
    case 'fully_connected': {
      const [, cin] = op.filterShape;
      kernelCall = `            const tops_context kctx = ${ctx};
            const tops_dims in_dims = {1, 1, 1, ${cin}};
            const tops_dims f_dims = {q->channels, 1, 1, ${cin}};
            const tops_dims b_dims = {1, 1, 1, q->channels};
            const tops_dims o_dims = {1, 1, 1, q->channels};
            st = ${c.kernel}(&kctx, &${id}_params, &${id}_quant, &in_dims, ${inPtr(0)}, &f_dims, ${wPtr}, &b_dims, ${id}_bias + q->channel, &o_dims, ${outPtr});`;
      break;
    }
    case 'avgpool': {
      const [, w, ch] = c.tensor(op.inputs[0]!).shape;
      kernelCall = `            tops_avgpool_params prm = ${id}_params;
            const tops_context kctx = ${ctx};
            const tops_dims in_dims = {1, q->in_rows, ${w}, ${channelSlicedInput ? 'q->channels' : ch}};
            const tops_dims o_dims = {1, q->out_rows, ${wo}, ${channelSlicedInput ? 'q->channels' : co}};
            prm.padding.h = q->pad_top;
            st = ${c.kernel}(&kctx, &prm, &in_dims, ${inPtr(0)}, &${id}_dims[1], &o_dims, ${outPtr});`;
      break;
    }
    case 'add':
      kernelCall = `            const tops_dims dims = {1, q->out_rows, ${wo}, ${co}};
            st = ${c.kernel}(&${id}_params, &dims, ${inPtr(0)}, ${inPtr(1)}, ${outPtr});`;
      break;
    case 'softmax':
      kernelCall = `            st = ${c.kernel}(&${id}_params, &${id}_dims, ${inPtr(0)}, ${outPtr});`;
      break;
  }
  // The whole-op constants model-c.ts emits that the sliced call does not read.
  const unused =
    op.kind === 'conv2d' || op.kind === 'depthwise_conv2d'
      ? [`${id}_quant`, `${id}_dims`]
      : op.kind === 'fully_connected' || op.kind === 'add'
        ? [`${id}_dims`]
        : [];
  const writeBack =
    part.channelParts > 1
      ? `tops_dma_start_2d(&out_ch[b], ${at(op.output)} + q->out_row * ${wo * co} + q->channel, ${co}, ${outPtr}, q->channels, q->channels, q->out_rows * ${wo});`
      : `tops_dma_start(&out_ch[b], ${at(op.output)} + q->out_row * ${wo * co}, ${outPtr}, q->out_rows * ${wo * co});`;
  const b = part.doubleBuffered ? 'p & 1' : '0';
  const call = `    { /* external memory: ${part.parts} part(s) = ${part.rowParts} row slab(s) of ${part.rowsPerPart} × ${part.channelParts} channel group(s) of ${part.channelsPerPart}${part.doubleBuffered ? ', double-buffered' : ''}; ${part.transfers} transfers */
        tops_dma_channel ch[4]; /* inputs of buffers 0/1, write-backs of buffers 0/1 */
        tops_dma_channel *const in_ch = ch;
        tops_dma_channel *const out_ch = ch + 2;
        int32_t p;${unused
          .map(
            (u) => `
        (void)${u};`,
          )
          .join('')}
        for (p = 0; p < 4; p++) tops_dma_channel_init(&ch[p]);${
          wOnce
            ? `
        tops_dma_start(&in_ch[0], ${FAST_BUFFER} + ${part.buffers.weights[0]}, (const int8_t *)${id}_weights, ${part.weightBytesOnce});`
            : ''
        }
        ${id}_fetch(&in_ch[0], 0, 0);
        for (p = 0; p < ${part.parts} && st == TOPS_OK; p++) {
            const int32_t b = ${b};
            const tops_part *q = &${id}_parts[p];
            tops_dma_wait(&in_ch[b]);
            if (p + 1 < ${part.parts}) ${id}_fetch(&in_ch[b ^ 1], p + 1, b ^ 1);
            tops_dma_wait(&out_ch[b]);
            tops_dma_note_compute(ch, 4);
            {
${kernelCall}
            }
            if (st == TOPS_OK) ${writeBack}
        }
        tops_dma_wait(&out_ch[0]);
        tops_dma_wait(&out_ch[1]);
    }`;
  return { decls, call };
}
