/**
 * Plain float64 execution of a folded FloatGraph (float-graph.ts). Not used for training or
 * evaluation (tfjs does that); it exists so tests can prove that reading a tfjs model into the
 * folded graph (BN folding, layout conversion, padding) computes the same function as the
 * tfjs model, and can calibrate a hand-made graph without tfjs.
 */
import type { FloatGraph, FloatOp, Shape3 } from './float-graph';

function conv(
  op: Extract<FloatOp, { kind: 'conv2d' | 'depthwise_conv2d' }>,
  inShape: Shape3,
  x: Float64Array,
): Float64Array {
  const [ih, iw, ic] = inShape;
  const [oh, ow, oc] = op.outShape;
  const [, kh, kw] = op.filterShape;
  const out = new Float64Array(oh * ow * oc);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let c = 0; c < oc; c++) {
        let acc = op.bias[c]!;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * op.stride[0] - op.padding[0] + ky;
          if (y < 0 || y >= ih) continue;
          for (let kx = 0; kx < kw; kx++) {
            const xx = ox * op.stride[1] - op.padding[1] + kx;
            if (xx < 0 || xx >= iw) continue;
            if (op.kind === 'depthwise_conv2d')
              acc += x[(y * iw + xx) * ic + c]! * op.weights[(ky * kw + kx) * ic + c]!;
            else
              for (let i = 0; i < ic; i++)
                acc += x[(y * iw + xx) * ic + i]! * op.weights[((c * kh + ky) * kw + kx) * ic + i]!;
          }
        }
        out[(oy * ow + ox) * oc + c] = op.relu ? Math.max(0, acc) : acc;
      }
  return out;
}

function avgpool(op: Extract<FloatOp, { kind: 'avgpool' }>, inShape: Shape3, x: Float64Array): Float64Array {
  const [ih, iw, c] = inShape;
  const [oh, ow] = op.outShape;
  const out = new Float64Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        let count = 0;
        for (let ky = 0; ky < op.window[0]; ky++)
          for (let kx = 0; kx < op.window[1]; kx++) {
            const y = oy * op.stride[0] - op.padding[0] + ky;
            const xx = ox * op.stride[1] - op.padding[1] + kx;
            if (y < 0 || y >= ih || xx < 0 || xx >= iw) continue;
            sum += x[(y * iw + xx) * c + ch]!;
            count++;
          }
        out[(oy * ow + ox) * c + ch] = sum / count; // padding excluded, as TF's 'same' average pooling
      }
  return out;
}

/** Every tensor's values for one input ([h, w, c] row-major). */
export function runFloatGraph(graph: FloatGraph, input: ArrayLike<number>): Map<string, Float64Array> {
  const values = new Map<string, Float64Array>([[graph.input, Float64Array.from(input as ArrayLike<number>)]]);
  for (const op of graph.ops) {
    const x = values.get(op.inputs[0]!)!;
    const inShape = graph.shapes.get(op.inputs[0]!)!;
    let y: Float64Array;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwise_conv2d':
        y = conv(op, inShape, x);
        break;
      case 'avgpool':
        y = avgpool(op, inShape, x);
        break;
      case 'add': {
        const b = values.get(op.inputs[1]!)!;
        y = x.map((v, i) => v + b[i]!);
        break;
      }
      case 'fully_connected': {
        const [cout, cin] = op.filterShape;
        y = new Float64Array(cout);
        for (let o = 0; o < cout; o++) {
          let acc = op.bias[o]!;
          for (let i = 0; i < cin; i++) acc += x[i]! * op.weights[o * cin + i]!;
          y[o] = op.relu ? Math.max(0, acc) : acc;
        }
        break;
      }
      case 'softmax': {
        const m = Math.max(...x);
        const e = x.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        y = e.map((v) => v / s);
        break;
      }
    }
    values.set(op.output, y);
  }
  return values;
}
