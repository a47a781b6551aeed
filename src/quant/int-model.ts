/**
 * The integer model: what the `quantize` stage produces and what `codegen`, `deploy` and the
 * host integer reference (src/nn/int-reference/run-int-model.ts) consume. A flat list of
 * integer ops in execution order over named int8 tensors, every number the C needs already
 * computed (Q31 multipliers and shifts, offsets, clamps, the softmax exp LUT), so the
 * arithmetic lives in one place (the quantizer) and the rest only copies it.
 *
 * Scheme: TFLite int8 (src/quant/int8-scheme.ts): symmetric per-channel weights (per-tensor for
 * fully connected, as TFLite), asymmetric int8 activations, int32 bias at inputScale·weightScale.
 * Sub-byte layers (thesis ch. 4 hybrid bits; MicroNets §5.1.3) keep their codes here unpacked
 * in an Int8Array ([−7, 7] for 4 bits, [−1, 1] for 2); codegen packs them.
 *
 * Serialized as one JSON document (`encodeIntModel`), typed arrays as little-endian base64,
 * keys sorted so equal models give equal bytes.
 */
import { z } from 'zod';
import { StageInputError } from '../errors';

/** An int8 activation tensor [h, w, c] (batch 1) with its affine quantization. */
export interface IntTensor {
  readonly name: string;
  readonly shape: readonly [number, number, number];
  readonly scale: number;
  readonly zeroPoint: number;
}

export interface Clamp {
  readonly min: number;
  readonly max: number;
}

interface OpBase {
  /** The float layer this op came from (tfjs layer name), for messages and per-layer dumps. */
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
}

/** conv2d / depthwise: per-output-channel weights and requantization. */
export interface ConvOp extends OpBase {
  readonly kind: 'conv2d' | 'depthwise_conv2d';
  /** conv2d [C_OUT, KH, KW, C_IN]; depthwise [1, KH, KW, C]. */
  readonly filterShape: readonly [number, number, number, number];
  readonly stride: readonly [number, number];
  /** Top / left padding (TFLite 'same': the extra row/column goes bottom/right). */
  readonly padding: readonly [number, number];
  readonly weightBits: 2 | 4 | 8;
  readonly weights: Int8Array;
  readonly bias: Int32Array;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  /** Fused ReLU (or none) as a clamp of the final int8 value. */
  readonly activation: Clamp;
}

export interface FullyConnectedOp extends OpBase {
  readonly kind: 'fully_connected';
  /** [C_OUT, C_IN], row-major. */
  readonly filterShape: readonly [number, number];
  readonly weightBits: 2 | 4 | 8;
  readonly weights: Int8Array;
  readonly bias: Int32Array;
  readonly multiplier: number;
  readonly shift: number;
  readonly activation: Clamp;
}

/** Average pooling (global pooling = a window the size of the input); output shares the input's quantization. */
export interface AvgPoolOp extends OpBase {
  readonly kind: 'avgpool';
  readonly window: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly activation: Clamp;
}

/** Element-wise add, TFLite scheme (src/nn/int-reference/add.ts). */
export interface AddOp extends OpBase {
  readonly kind: 'add';
  readonly input1Offset: number;
  readonly input1Multiplier: number;
  readonly input1Shift: number;
  readonly input2Offset: number;
  readonly input2Multiplier: number;
  readonly input2Shift: number;
  readonly leftShift: number;
  readonly outputOffset: number;
  readonly outputMultiplier: number;
  readonly outputShift: number;
  readonly activation: Clamp;
}

/** Softmax by exp LUT (src/nn/int-reference/softmax.ts); output scale 1/256, zero point −128. */
export interface SoftmaxOp extends OpBase {
  readonly kind: 'softmax';
  readonly expLut: Int32Array;
}

export type IntOp = ConvOp | FullyConnectedOp | AvgPoolOp | AddOp | SoftmaxOp;

/**
 * How the front end's int16 output becomes the int8 input tensor, in integers only so the
 * board and the host agree bit for bit: q8 = clamp(MBQM(q16, multiplier, shift) + zeroPoint),
 * where the real value of q16 is q16 · frontEndScale (1/32 for the Q5 MFCC of mfcc-q15.ts).
 */
export interface InputQuantization {
  readonly frontEndScale: number;
  readonly multiplier: number;
  readonly shift: number;
}

export interface IntModel {
  readonly format: 'tinyops-int-model';
  readonly version: 1;
  readonly labels: readonly string[];
  /** Name of the model's input tensor ([frames, coefficients, 1]). */
  readonly input: string;
  readonly inputQuantization: InputQuantization;
  /** The front end whose output the input tensor quantizes (the features stage's resolved config). */
  readonly frontEnd?: Readonly<Record<string, unknown>>;
  /** Name of the output tensor (softmax posteriors, [1, 1, classes]). */
  readonly output: string;
  /** Every tensor, in order of first appearance. */
  readonly tensors: readonly IntTensor[];
  /** In execution order; each op's inputs are the model input or earlier ops' outputs. */
  readonly ops: readonly IntOp[];
}

export const INT_MODEL_MEDIA_TYPE = 'application/vnd.tinyops.int-model+json';

// --- serialization -------------------------------------------------------------------

function b64(a: Int8Array | Int32Array): string {
  const bytes = Buffer.alloc(a.byteLength);
  if (a instanceof Int8Array) for (let i = 0; i < a.length; i++) bytes.writeInt8(a[i] as number, i);
  else for (let i = 0; i < a.length; i++) bytes.writeInt32LE(a[i] as number, 4 * i);
  return bytes.toString('base64');
}

function fromB64Int8(s: string): Int8Array {
  const b = Buffer.from(s, 'base64');
  return Int8Array.from({ length: b.length }, (_, i) => b.readInt8(i));
}

function fromB64Int32(s: string, what: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  if (b.length % 4 !== 0) throw new StageInputError(`integer model: ${what} is not a whole number of int32 values`);
  return Int32Array.from({ length: b.length / 4 }, (_, i) => b.readInt32LE(4 * i));
}

/** Typed arrays → base64 strings, recursively; everything else as is. */
function toJsonValue(v: unknown): unknown {
  if (v instanceof Int8Array) return { int8: b64(v) };
  if (v instanceof Int32Array) return { int32: b64(v) };
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === 'object') {
    // Sorted keys: a decoded model re-encodes to the same bytes whatever order zod built it in.
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, toJsonValue(o[k])]),
    );
  }
  return v;
}

export function encodeIntModel(model: IntModel): string {
  return JSON.stringify(toJsonValue(model)) + '\n';
}

const int = z.number().int();
const pair = z.tuple([int, int]);
const clamp = z.strictObject({ min: int.min(-128).max(127), max: int.min(-128).max(127) });
const int8Blob = z.strictObject({ int8: z.string() }).transform((o) => fromB64Int8(o.int8));
const int32Blob = z.strictObject({ int32: z.string() }).transform((o, ctx) => {
  try {
    return fromB64Int32(o.int32, 'an int32 array');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const bits = z.union([z.literal(2), z.literal(4), z.literal(8)]);
const base = { name: z.string(), inputs: z.array(z.string()).min(1), output: z.string() };

const opSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...base,
    kind: z.enum(['conv2d', 'depthwise_conv2d']),
    filterShape: z.tuple([int, int, int, int]),
    stride: pair,
    padding: pair,
    weightBits: bits,
    weights: int8Blob,
    bias: int32Blob,
    multiplier: int32Blob,
    shift: int32Blob,
    activation: clamp,
  }),
  z.strictObject({
    ...base,
    kind: z.literal('fully_connected'),
    filterShape: pair,
    weightBits: bits,
    weights: int8Blob,
    bias: int32Blob,
    multiplier: int,
    shift: int,
    activation: clamp,
  }),
  z.strictObject({ ...base, kind: z.literal('avgpool'), window: pair, stride: pair, padding: pair, activation: clamp }),
  z.strictObject({
    ...base,
    kind: z.literal('add'),
    input1Offset: int,
    input1Multiplier: int,
    input1Shift: int,
    input2Offset: int,
    input2Multiplier: int,
    input2Shift: int,
    leftShift: int,
    outputOffset: int,
    outputMultiplier: int,
    outputShift: int,
    activation: clamp,
  }),
  z.strictObject({ ...base, kind: z.literal('softmax'), expLut: int32Blob }),
]);

const modelSchema = z.strictObject({
  format: z.literal('tinyops-int-model'),
  version: z.literal(1),
  labels: z.array(z.string()).min(1),
  input: z.string(),
  inputQuantization: z.strictObject({ frontEndScale: z.number().positive(), multiplier: int, shift: int }),
  frontEnd: z.record(z.string(), z.unknown()).optional(),
  output: z.string(),
  tensors: z.array(
    z.strictObject({
      name: z.string(),
      shape: z.tuple([int.positive(), int.positive(), int.positive()]),
      scale: z.number().positive(),
      zeroPoint: int.min(-128).max(127),
    }),
  ),
  ops: z.array(opSchema).min(1),
});

/** Parses and checks an encoded integer model; a broken one is a StageInputError naming the field. */
export function decodeIntModel(text: string, what = 'integer model'): IntModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StageInputError(`${what} is not JSON: ${(e as Error).message}`);
  }
  const r = modelSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new StageInputError(`${what}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const model = r.data as IntModel;
  checkIntModel(model, what);
  return model;
}

/** Structural checks that the schema cannot express: names resolve, sizes agree. */
export function checkIntModel(model: IntModel, what = 'integer model'): void {
  const tensors = new Map(model.tensors.map((t) => [t.name, t]));
  const fail = (m: string): never => {
    throw new StageInputError(`${what}: ${m}`);
  };
  if (!tensors.has(model.input)) fail(`input tensor "${model.input}" is not in tensors`);
  if (!tensors.has(model.output)) fail(`output tensor "${model.output}" is not in tensors`);
  const defined = new Set([model.input]);
  for (const op of model.ops) {
    for (const i of op.inputs) if (!defined.has(i)) fail(`op ${op.name} reads "${i}" before any op writes it`);
    if (!tensors.has(op.output)) fail(`op ${op.name} writes unknown tensor "${op.output}"`);
    defined.add(op.output);
    if (op.kind === 'conv2d' || op.kind === 'depthwise_conv2d') {
      const [n, kh, kw, c] = op.filterShape;
      const channels = op.kind === 'conv2d' ? n : c;
      if (op.weights.length !== n * kh * kw * c)
        fail(`op ${op.name}: ${op.weights.length} weights for filter [${op.filterShape.join(', ')}]`);
      for (const [k, a] of [
        ['bias', op.bias],
        ['multiplier', op.multiplier],
        ['shift', op.shift],
      ] as const) {
        if (a.length !== channels) fail(`op ${op.name}: ${a.length} ${k} values for ${channels} channels`);
      }
    }
    if (op.kind === 'fully_connected' && op.weights.length !== op.filterShape[0] * op.filterShape[1]) {
      fail(`op ${op.name}: ${op.weights.length} weights for filter [${op.filterShape.join(', ')}]`);
    }
  }
  if (!defined.has(model.output)) fail(`no op writes the output tensor "${model.output}"`);
}

export function tensorByName(model: IntModel, name: string): IntTensor {
  const t = model.tensors.find((x) => x.name === name);
  if (!t) throw new StageInputError(`integer model has no tensor "${name}"`);
  return t;
}

export function tensorBytes(t: IntTensor): number {
  return t.shape[0] * t.shape[1] * t.shape[2];
}

/** Multiply-accumulates of one op (conv, depthwise, FC; pooling and add are not MACs). */
export function opMacs(model: IntModel, op: IntOp): number {
  if (op.kind === 'conv2d' || op.kind === 'depthwise_conv2d') {
    const out = tensorByName(model, op.output);
    const [, kh, kw, cin] = op.filterShape;
    return out.shape[0] * out.shape[1] * out.shape[2] * kh * kw * (op.kind === 'conv2d' ? cin : 1);
  }
  return op.kind === 'fully_connected' ? op.filterShape[0] * op.filterShape[1] : 0;
}

/** Multiply-accumulates of one inference. */
export function countMacs(model: IntModel): number {
  return model.ops.reduce((sum, op) => sum + opMacs(model, op), 0);
}

/** Bytes the weights take in flash when packed at their bit width (bias, multipliers, shifts not included). */
export function packedWeightBytes(model: IntModel): number {
  let bytes = 0;
  for (const op of model.ops) {
    if ('weights' in op) bytes += Math.ceil((op.weights.length * op.weightBits) / 8);
  }
  return bytes;
}
