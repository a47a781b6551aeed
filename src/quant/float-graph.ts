/**
 * A trained tfjs layers model (model.json topology + weights) read as the graph of ops the
 * integer model will have, with BatchNorm folded into the preceding convolution and ReLU
 * fused, the way TFLite's converter (and so TFLite Micro) sees the network:
 *
 *   conv (no bias) → BN → ReLU   ⇒   conv with w'_c = w_c·γ_c/√(σ²_c+ε), b'_c = β_c − γ_c·μ_c/√(σ²_c+ε), relu
 *
 * Weight layouts are converted to TFLite's: conv [C_OUT, KH, KW, C_IN] (tfjs [KH, KW, C_IN, C_OUT]),
 * depthwise [1, KH, KW, C] (tfjs [KH, KW, C, 1]), dense [C_OUT, C_IN] (tfjs [C_IN, C_OUT]).
 * Dropout is the identity at inference. Tensor names are the name of the last layer fused
 * into the op (e.g. `conv0_relu`), which is also what calibration and QAT record ranges for.
 * Anything outside this vocabulary is refused with the layer's name and class.
 */
import { StageInputError } from '../errors';

export type Shape3 = readonly [number, number, number];

interface FloatOpBase {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly outShape: Shape3;
}

export interface FloatConv extends FloatOpBase {
  readonly kind: 'conv2d' | 'depthwise_conv2d';
  readonly filterShape: readonly [number, number, number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly relu: boolean;
}

export interface FloatDense extends FloatOpBase {
  readonly kind: 'fully_connected';
  readonly filterShape: readonly [number, number];
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly relu: boolean;
}

export interface FloatPool extends FloatOpBase {
  readonly kind: 'avgpool';
  readonly window: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

export interface FloatAdd extends FloatOpBase {
  readonly kind: 'add';
}

export interface FloatSoftmax extends FloatOpBase {
  readonly kind: 'softmax';
}

export type FloatOp = FloatConv | FloatDense | FloatPool | FloatAdd | FloatSoftmax;

export interface FloatGraph {
  readonly input: string;
  readonly inputShape: Shape3;
  readonly output: string;
  readonly ops: readonly FloatOp[];
  /** Shape of every tensor, input included. */
  readonly shapes: ReadonlyMap<string, Shape3>;
}

interface LayerJson {
  readonly name: string;
  readonly class_name: string;
  readonly config: Record<string, unknown>;
  readonly inbound_nodes: unknown[];
}

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Weights by name from a model.json's weightSpecs and the float32 LE bytes of weights.bin. */
export function weightsByName(
  specs: readonly WeightSpec[],
  bytes: Buffer,
): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (off + 4 * n > bytes.length) throw new StageInputError(`model weights end before ${s.name}`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = bytes.readFloatLE(off + 4 * i);
    off += 4 * n;
    out.set(s.name, { shape: [...s.shape], values });
  }
  return out;
}

function inboundNames(layer: LayerJson): string[] {
  const nodes = layer.inbound_nodes as unknown[][][];
  if (nodes.length === 0) return [];
  if (nodes.length !== 1)
    throw new StageInputError(`layer ${layer.name} is used more than once (shared layers are not supported)`);
  return nodes[0]!.map((edge) => String(edge[0]));
}

function pairOf(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
    return [v[0] as number, v[1] as number];
  throw new StageInputError(`${what}: expected a number or a pair, got ${JSON.stringify(v)}`);
}

/** TFLite padding for one axis (same as src/nn/int-reference computePadding). */
function padFor(
  mode: string,
  inSize: number,
  kernel: number,
  stride: number,
  what: string,
): { out: number; pad: number } {
  if (mode === 'valid') return { out: Math.floor((inSize - kernel) / stride) + 1, pad: 0 };
  if (mode !== 'same') throw new StageInputError(`${what}: padding "${mode}" is not supported (same or valid)`);
  const out = Math.ceil(inSize / stride);
  return { out, pad: Math.floor(Math.max(0, (out - 1) * stride + kernel - inSize) / 2) };
}

/** Reads a model.json topology (+ weights) into a folded float graph. */
export function readFloatGraph(
  topology: unknown,
  weights: Map<string, { shape: number[]; values: Float32Array }>,
): FloatGraph {
  const config = (topology as { config?: { layers?: LayerJson[] } })?.config;
  const layers = config?.layers;
  if (!Array.isArray(layers))
    throw new StageInputError('model topology has no config.layers (expected a tfjs functional model)');
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>();
  for (const l of layers) for (const i of inboundNames(l)) consumers.set(i, [...(consumers.get(i) ?? []), l.name]);
  const soleConsumer = (name: string, cls: string): LayerJson | undefined => {
    const c = consumers.get(name) ?? [];
    const l = c.length === 1 ? byName.get(c[0]!) : undefined;
    return l?.class_name === cls ? l : undefined;
  };
  const weight = (name: string): { shape: number[]; values: Float32Array } => {
    const w = weights.get(name);
    if (!w) throw new StageInputError(`model weights lack "${name}"`);
    return w;
  };

  const inputLayer = layers.find((l) => l.class_name === 'InputLayer');
  const bis = inputLayer?.config.batch_input_shape;
  if (!inputLayer || !Array.isArray(bis) || bis.length !== 4)
    throw new StageInputError('model has no [batch, h, w, c] InputLayer');
  const inputShape: Shape3 = [bis[1] as number, bis[2] as number, bis[3] as number];
  const shapes = new Map<string, Shape3>([[inputLayer.name, inputShape]]);
  /** Layer name → tensor name that carries its value (fused layers map to the op's output). */
  const alias = new Map<string, string>([[inputLayer.name, inputLayer.name]]);
  const consumed = new Set<string>([inputLayer.name]);
  const ops: FloatOp[] = [];

  const tensorOf = (layer: string): string => {
    const t = alias.get(layer);
    if (t === undefined) throw new StageInputError(`layer ${layer} is used before it is computed`);
    return t;
  };

  for (const layer of layers) {
    if (consumed.has(layer.name)) continue;
    consumed.add(layer.name);
    const ins = inboundNames(layer).map(tensorOf);
    const inShape = shapes.get(ins[0] ?? '') as Shape3;
    const what = `layer ${layer.name} (${layer.class_name})`;
    switch (layer.class_name) {
      case 'Dropout':
        alias.set(layer.name, ins[0]!);
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const [kh, kw] = pairOf(layer.config.kernel_size, `${what} kernel_size`);
        const stride = pairOf(layer.config.strides, `${what} strides`);
        const dil = pairOf(layer.config.dilation_rate ?? 1, `${what} dilation_rate`);
        if (dil[0] !== 1 || dil[1] !== 1) throw new StageInputError(`${what}: dilation is not supported`);
        if (layer.config.activation !== 'linear')
          throw new StageInputError(
            `${what}: activation "${String(layer.config.activation)}" inside the conv is not supported (use a ReLU layer)`,
          );
        if (depthwise && layer.config.depth_multiplier !== 1)
          throw new StageInputError(`${what}: depth_multiplier must be 1`);
        const padMode = String(layer.config.padding);
        const py = padFor(padMode, inShape[0], kh, stride[0], what);
        const px = padFor(padMode, inShape[1], kw, stride[1], what);
        const cin = inShape[2];
        const cout = depthwise ? cin : (layer.config.filters as number);
        const k = weight(`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`).values;
        // tfjs [KH, KW, C_IN, C_OUT] → [C_OUT, KH, KW, C_IN]; depthwise [KH, KW, C, 1] → [1, KH, KW, C].
        const w = new Float32Array(kh * kw * cin * (depthwise ? 1 : cout));
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++) {
              if (depthwise) w[(y * kw + x) * cin + i] = k[(y * kw + x) * cin + i]!;
              else
                for (let o = 0; o < cout; o++)
                  w[((o * kh + y) * kw + x) * cin + i] = k[((y * kw + x) * cin + i) * cout + o]!;
            }
        const bias = layer.config.use_bias
          ? Float32Array.from(weight(`${layer.name}/bias`).values)
          : new Float32Array(cout);
        let output = layer.name;
        const bn = soleConsumer(layer.name, 'BatchNormalization');
        if (bn) {
          consumed.add(bn.name);
          output = bn.name;
          const eps = bn.config.epsilon as number;
          const gamma = bn.config.scale === false ? undefined : weight(`${bn.name}/gamma`).values;
          const beta = bn.config.center === false ? undefined : weight(`${bn.name}/beta`).values;
          const mean = weight(`${bn.name}/moving_mean`).values;
          const variance = weight(`${bn.name}/moving_variance`).values;
          for (let c = 0; c < cout; c++) {
            const f = (gamma?.[c] ?? 1) / Math.sqrt(variance[c]! + eps);
            bias[c] = (beta?.[c] ?? 0) + (bias[c]! - mean[c]!) * f;
            if (depthwise) for (let j = 0; j < kh * kw; j++) w[j * cin + c]! *= f;
            else for (let j = 0; j < kh * kw * cin; j++) w[c * kh * kw * cin + j]! *= f;
          }
        }
        const relu = soleConsumer(output, 'ReLU');
        if (relu) {
          if (relu.config.max_value !== null && relu.config.max_value !== undefined)
            throw new StageInputError(`layer ${relu.name}: ReLU with max_value is not supported`);
          consumed.add(relu.name);
          output = relu.name;
        }
        const outShape: Shape3 = [py.out, px.out, cout];
        ops.push({
          kind: depthwise ? 'depthwise_conv2d' : 'conv2d',
          name: layer.name,
          inputs: ins,
          output,
          outShape,
          filterShape: depthwise ? [1, kh, kw, cin] : [cout, kh, kw, cin],
          stride,
          padding: [py.pad, px.pad],
          weights: w,
          bias,
          relu: relu !== undefined,
        });
        shapes.set(output, outShape);
        for (const l of [layer.name, bn?.name, relu?.name]) if (l) alias.set(l, output);
        break;
      }
      case 'AveragePooling2D':
      case 'GlobalAveragePooling2D': {
        const global = layer.class_name === 'GlobalAveragePooling2D';
        const window = global
          ? ([inShape[0], inShape[1]] as [number, number])
          : pairOf(layer.config.pool_size, `${what} pool_size`);
        const stride = global ? window : pairOf(layer.config.strides ?? layer.config.pool_size, `${what} strides`);
        const padMode = global ? 'valid' : String(layer.config.padding);
        const py = padFor(padMode, inShape[0], window[0], stride[0], what);
        const px = padFor(padMode, inShape[1], window[1], stride[1], what);
        const outShape: Shape3 = [py.out, px.out, inShape[2]];
        ops.push({
          kind: 'avgpool',
          name: layer.name,
          inputs: ins,
          output: layer.name,
          outShape,
          window,
          stride,
          padding: [py.pad, px.pad],
        });
        shapes.set(layer.name, outShape);
        alias.set(layer.name, layer.name);
        break;
      }
      case 'Add': {
        if (ins.length !== 2)
          throw new StageInputError(`${what}: only two-input adds are supported, got ${ins.length}`);
        const [a, b] = ins.map((t) => shapes.get(t)!);
        if (a!.join() !== b!.join())
          throw new StageInputError(`${what}: input shapes differ [${a!.join(', ')}] vs [${b!.join(', ')}]`);
        ops.push({ kind: 'add', name: layer.name, inputs: ins, output: layer.name, outShape: a! });
        shapes.set(layer.name, a!);
        alias.set(layer.name, layer.name);
        break;
      }
      case 'Dense': {
        const k = weight(`${layer.name}/kernel`);
        const [cin, cout] = k.shape as [number, number];
        if (inShape[0] * inShape[1] * inShape[2] !== cin)
          throw new StageInputError(`${what}: input has ${inShape.join('×')} values, the kernel expects ${cin}`);
        if (layer.config.activation !== 'linear')
          throw new StageInputError(
            `${what}: activation "${String(layer.config.activation)}" is not supported (use a Softmax layer)`,
          );
        const w = new Float32Array(cin * cout);
        for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) w[o * cin + i] = k.values[i * cout + o]!;
        const bias = layer.config.use_bias
          ? Float32Array.from(weight(`${layer.name}/bias`).values)
          : new Float32Array(cout);
        const outShape: Shape3 = [1, 1, cout];
        ops.push({
          kind: 'fully_connected',
          name: layer.name,
          inputs: ins,
          output: layer.name,
          outShape,
          filterShape: [cout, cin],
          weights: w,
          bias,
          relu: false,
        });
        shapes.set(layer.name, outShape);
        alias.set(layer.name, layer.name);
        break;
      }
      case 'Softmax': {
        ops.push({ kind: 'softmax', name: layer.name, inputs: ins, output: layer.name, outShape: inShape });
        shapes.set(layer.name, inShape);
        alias.set(layer.name, layer.name);
        break;
      }
      default:
        throw new StageInputError(
          `${what} has no integer kernel (supported: Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, AveragePooling2D, GlobalAveragePooling2D, Add, Dropout, Dense, Softmax)`,
        );
    }
  }
  const outputs = (config as { output_layers?: unknown[][] }).output_layers;
  const outLayer = Array.isArray(outputs) && outputs.length === 1 ? String(outputs[0]![0]) : undefined;
  if (outLayer === undefined) throw new StageInputError('model must have exactly one output');
  return { input: inputLayer.name, inputShape, output: tensorOf(outLayer), ops, shapes };
}

/** Names of the tensors whose ranges quantization needs: the input and every op output. */
export function rangeTensorNames(graph: FloatGraph): string[] {
  return [graph.input, ...graph.ops.map((o) => o.output)];
}
