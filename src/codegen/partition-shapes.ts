/**
 * The shape-level view of an integer model that the partition planner works on
 * (partition-plan.ts): per op, its input/output feature maps, the rows of input one output
 * row reads (kernel height, stride, top padding), whether it may be split by output rows and
 * by output channels, and its weight bytes per output channel. Pure: no codegen, no I/O.
 */
import type { IntModel, IntOp } from '../quant/int-model';
import { opMacs, tensorByName } from '../quant/int-model';

/** A feature map [H, W, C] (int8, HWC). */
export interface MapShape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

export interface PartitionOpShape {
  readonly name: string;
  readonly kind: IntOp['kind'];
  /** Every input feature map (two for add). */
  readonly inputs: readonly MapShape[];
  readonly output: MapShape;
  /** Input rows one output row reads, the row stride and the top padding (1, 1, 0 for element-wise ops). */
  readonly kernelRows: number;
  readonly strideRows: number;
  readonly padTop: number;
  /** Split by output rows (halo rows are fetched with each slab). */
  readonly rowSplit: boolean;
  /** Split by output channels (conv2d, fully connected: every output channel reads the whole input; average pooling: see inputChannelSlice). */
  readonly channelSplit: boolean;
  /** A channel group reads only its own input channels (average pooling): the input slice is a 2-D (strided) transfer. */
  readonly inputChannelSlice: boolean;
  /** Weight bytes per output channel when a channel group starts on a byte boundary, else total bytes with channelSplit false. */
  readonly weightBytesPerChannel: number;
  /** Kernel scratch of the whole op (an upper bound for any part). */
  readonly scratchBytes: number;
  readonly macs: number;
}

function mapOf(model: IntModel, name: string): MapShape {
  const [h, w, c] = tensorByName(model, name).shape;
  return { h, w, c };
}

export function partitionShape(model: IntModel, op: IntOp, scratchBytes: number): PartitionOpShape {
  const inputs = op.inputs.map((t) => mapOf(model, t));
  const output = mapOf(model, op.output);
  const base = { name: op.name, kind: op.kind, inputs, output, scratchBytes, macs: opMacs(model, op) };
  switch (op.kind) {
    case 'conv2d':
    case 'depthwise_conv2d': {
      const [cout, kh, kw, cin] = op.filterShape;
      const perChannelBits = kh * kw * (op.kind === 'conv2d' ? cin : 1) * op.weightBits;
      // Depthwise: output channel c reads input channel c only, a channel group would need a
      // strided input copy; rows are enough for every DS-CNN layer.
      const channelSplit = op.kind === 'conv2d' && perChannelBits % 8 === 0;
      const weightBytesPerChannel =
        op.kind === 'conv2d' ? perChannelBits / 8 : Math.ceil((perChannelBits * cout) / 8) / cout;
      return {
        ...base,
        kernelRows: kh,
        strideRows: op.stride[0],
        padTop: op.padding[0],
        rowSplit: true,
        channelSplit,
        inputChannelSlice: false,
        weightBytesPerChannel,
      };
    }
    case 'fully_connected': {
      const [cout, cin] = op.filterShape;
      const bits = cin * op.weightBits;
      return {
        ...base,
        kernelRows: 1,
        strideRows: 1,
        padTop: 0,
        rowSplit: false,
        channelSplit: bits % 8 === 0,
        inputChannelSlice: false,
        weightBytesPerChannel: bits % 8 === 0 ? bits / 8 : Math.ceil((bits * cout) / 8) / cout,
      };
    }
    case 'avgpool':
      // Global pooling has one output row: only a channel split makes its parts smaller.
      return {
        ...base,
        kernelRows: op.window[0],
        strideRows: op.stride[0],
        padTop: op.padding[0],
        rowSplit: true,
        channelSplit: true,
        inputChannelSlice: true,
        weightBytesPerChannel: 0,
      };
    case 'add':
      return {
        ...base,
        kernelRows: 1,
        strideRows: 1,
        padTop: 0,
        rowSplit: true,
        channelSplit: false,
        inputChannelSlice: false,
        weightBytesPerChannel: 0,
      };
    case 'softmax':
      return {
        ...base,
        kernelRows: 1,
        strideRows: 1,
        padTop: 0,
        rowSplit: false,
        channelSplit: false,
        inputChannelSlice: false,
        weightBytesPerChannel: 0,
      };
  }
}

export function partitionShapes(model: IntModel, scratch: (op: IntOp) => number = () => 0): PartitionOpShape[] {
  return model.ops.map((op) => partitionShape(model, op, scratch(op)));
}
