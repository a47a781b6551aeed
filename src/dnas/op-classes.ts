import type { IntOp } from '../quant/int-model';

/**
 * Op classes with one instruction model each (instructions = perUnit·work + perCall, fitted by
 * calibrate-costs.ts): the first (k×k) conv, 1×1 convs, depthwise convs (stride 1 runs in place
 * in row slabs, stride 2 does not), the FC layer, pooling, add and softmax.
 */
export type OpClass =
  'conv' | 'pointwise' | 'depthwise' | 'depthwise-strided' | 'dense' | 'avgpool' | 'add' | 'softmax';

export function opClassOf(op: IntOp): OpClass {
  switch (op.kind) {
    case 'conv2d':
      return op.filterShape[1] === 1 && op.filterShape[2] === 1 ? 'pointwise' : 'conv';
    case 'depthwise_conv2d':
      return op.stride[0] === 1 && op.stride[1] === 1 ? 'depthwise' : 'depthwise-strided';
    case 'fully_connected':
      return 'dense';
    default:
      return op.kind;
  }
}
