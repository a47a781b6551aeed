/**
 * Test vectors for the int8 firmware kernels: deterministic random cases (shapes, zero points,
 * multipliers, data) drawn from Prng, expected outputs from the host integer reference
 * (src/nn/int-reference), emitted as a C header for firmware/test/test_tops_kernels.c.
 * Pure: no I/O; the caller writes the header (and may pass the git commit to stamp it).
 */
import {
  Activation, Dims, PaddingMode, PerChannelQuant, QuantizedMultiplier, Conv2dParams, DepthwiseConv2dParams,
  FullyConnectedParams, AvgPoolParams, AddParams,
  add, avgPool, buildSoftmaxExpLut, computePadding, conv2d, depthwiseConv2d, dimsSize, fullyConnected,
  multiplyByQuantizedMultiplier, pointwiseConv2d, prepareAddParams, quantizeMultiplier, softmax,
} from '../nn/int-reference';
import { Prng } from '../util/prng';

export const TEST_VECTORS_GENERATOR = 'tinyops src/codegen/test-vectors.ts';
/** Bump when the same seed would give different vectors. */
export const TEST_VECTORS_VERSION = 1;

export const KERNEL_KINDS = [
  'conv2d', 'pointwise_conv2d', 'depthwise_conv2d', 'fully_connected', 'avgpool', 'add', 'softmax',
] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** One case; only the fields its kernel reads are set (mirrors C `tops_test_case`). */
export interface KernelTestCase {
  readonly kind: KernelKind;
  readonly name: string;
  readonly inputDims: Dims;
  readonly input: Int8Array;
  readonly input2?: Int8Array;
  readonly filterDims?: Dims;
  readonly filter?: Int8Array;
  readonly bias?: Int32Array;
  readonly outputDims: Dims;
  readonly conv?: Conv2dParams;
  readonly depthwise?: DepthwiseConv2dParams;
  readonly fc?: FullyConnectedParams;
  readonly pool?: AvgPoolParams;
  readonly add?: AddParams;
  readonly softmaxLut?: Int32Array;
  readonly perChannel?: PerChannelQuant;
  readonly perTensor?: QuantizedMultiplier;
  /** Mutable on purpose: a test perturbs one value to prove the harness can fail. */
  readonly expected: Int8Array;
}

export interface TestVectorOptions {
  readonly seed: string | number;
  /** Random cases per kernel; the first few of each are the edge cases listed in `edgeFor`. */
  readonly casesPerKernel: number;
}

/**
 * Edge-case plan by case index (then plain random cases):
 * 0: input zero point −128, output zero point 127, all-(−128) input;
 * 1: input zero point 127, output zero point −128, all-127 input;
 * 2: a large multiplier (> 1, positive shift) so outputs saturate at the activation clamp;
 * 3: stride 2 with same padding; 4: a narrowed activation (ReLU-like from the zero point).
 */
interface Edge { zpIn?: number; zpOut?: number; fill?: number; bigScale?: boolean; stride2?: boolean; narrow?: boolean }
function edgeFor(i: number): Edge {
  switch (i) {
    case 0: return { zpIn: -128, zpOut: 127, fill: -128 };
    case 1: return { zpIn: 127, zpOut: -128, fill: 127 };
    case 2: return { bigScale: true };
    case 3: return { stride2: true };
    case 4: return { narrow: true };
    default: return {};
  }
}

function randInt8(p: Prng, n: number, fill?: number, lo = -128): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = fill ?? p.int(lo, 127);
  return a;
}

function randActivation(p: Prng, e: Edge, zpOut: number): Activation {
  if (e.narrow) return { min: zpOut, max: Math.min(127, zpOut + 64) };
  return p.next() < 0.25 ? { min: p.int(-128, -20), max: p.int(20, 127) } : { min: -128, max: 127 };
}

/** Real multiplier for an accumulator over `taps` products: roughly maps its spread to int8. */
function randMultiplier(p: Prng, e: Edge, taps: number): QuantizedMultiplier {
  const real = e.bigScale ? p.uniform(1, 6) : 2 ** p.uniform(-3, 1) / (64 * Math.sqrt(taps));
  return quantizeMultiplier(real);
}

function perChannel(p: Prng, e: Edge, channels: number, taps: number): PerChannelQuant {
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const q = randMultiplier(p, e, taps);
    multiplier[c] = q.multiplier;
    shift[c] = q.shift;
  }
  return { multiplier, shift };
}

function randBias(p: Prng, n: number): Int32Array {
  const b = new Int32Array(n);
  for (let i = 0; i < n; i++) b[i] = p.int(-4000, 4000);
  return b;
}

interface Spatial { outH: number; outW: number; padH: number; padW: number; strideH: number; strideW: number }
function spatial(p: Prng, e: Edge, h: number, w: number, kh: number, kw: number): Spatial {
  const mode: PaddingMode = e.stride2 ? 'same' : p.pick(['same', 'valid'] as const);
  const strideH = e.stride2 ? 2 : p.int(1, 2);
  const strideW = e.stride2 ? 2 : p.int(1, 2);
  const y = computePadding(mode, h, kh, strideH);
  const x = computePadding(mode, w, kw, strideW);
  return { outH: y.out, outW: x.out, padH: y.pad, padW: x.pad, strideH, strideW };
}

function pointwiseSpatial(p: Prng, e: Edge, h: number, w: number): Spatial {
  const strideH = e.stride2 ? 2 : p.int(1, 2);
  const strideW = e.stride2 ? 2 : p.int(1, 2);
  return { outH: computePadding('valid', h, 1, strideH).out, outW: computePadding('valid', w, 1, strideW).out, padH: 0, padW: 0, strideH, strideW };
}

function genConvLike(p: Prng, kind: 'conv2d' | 'pointwise_conv2d' | 'depthwise_conv2d', i: number): KernelTestCase {
  const e = edgeFor(i);
  const pointwise = kind === 'pointwise_conv2d';
  const kh = pointwise ? 1 : p.int(1, 3);
  const kw = pointwise ? 1 : p.int(1, 3);
  const inputDims: Dims = { n: p.int(1, 2), h: p.int(kh, 8), w: p.int(kw, 8), c: p.int(1, 6) };
  const cOut = kind === 'depthwise_conv2d' ? inputDims.c : p.int(1, 6);
  // A 1x1 filter needs no padding: valid padding, stride 1 or 2.
  const s = pointwise ? pointwiseSpatial(p, e, inputDims.h, inputDims.w) : spatial(p, e, inputDims.h, inputDims.w, kh, kw);
  const zpIn = e.zpIn ?? p.int(-128, 127);
  const zpOut = e.zpOut ?? p.int(-128, 127);
  const filterDims: Dims = kind === 'depthwise_conv2d'
    ? { n: 1, h: kh, w: kw, c: inputDims.c }
    : { n: cOut, h: kh, w: kw, c: inputDims.c };
  const outputDims: Dims = { n: inputDims.n, h: s.outH, w: s.outW, c: cOut };
  const input = randInt8(p, dimsSize(inputDims), e.fill);
  const filter = randInt8(p, dimsSize(filterDims), undefined, -127);
  const bias = randBias(p, cOut);
  const taps = kh * kw * (kind === 'depthwise_conv2d' ? 1 : inputDims.c);
  const quant = perChannel(p, e, cOut, taps);
  const params = {
    inputOffset: -zpIn, outputOffset: zpOut, strideH: s.strideH, strideW: s.strideW,
    padH: s.padH, padW: s.padW, activation: randActivation(p, e, zpOut),
  };
  const name = `${kind}_${String(i).padStart(2, '0')}`;
  const base = { kind, name, inputDims, input, filterDims, filter, bias, outputDims, perChannel: quant };
  if (kind === 'depthwise_conv2d') {
    return { ...base, depthwise: params, expected: depthwiseConv2d(params, quant, inputDims, input, filterDims, filter, bias, outputDims) };
  }
  const run = pointwise ? pointwiseConv2d : conv2d;
  return { ...base, conv: params, expected: run(params, quant, inputDims, input, filterDims, filter, bias, outputDims) };
}

function genFullyConnected(p: Prng, i: number): KernelTestCase {
  const e = edgeFor(i);
  const depth = p.int(1, 32);
  const outC = p.int(1, 12);
  const inputDims: Dims = { n: p.int(1, 3), h: 1, w: 1, c: depth };
  const filterDims: Dims = { n: outC, h: 1, w: 1, c: depth };
  const outputDims: Dims = { n: inputDims.n, h: 1, w: 1, c: outC };
  const zpIn = e.zpIn ?? p.int(-128, 127);
  const zpOut = e.zpOut ?? p.int(-128, 127);
  const input = randInt8(p, dimsSize(inputDims), e.fill);
  const filter = randInt8(p, dimsSize(filterDims), undefined, -127);
  const bias = randBias(p, outC);
  const perTensor = randMultiplier(p, e, depth);
  const fc = { inputOffset: -zpIn, outputOffset: zpOut, activation: randActivation(p, e, zpOut) };
  const expected = fullyConnected(fc, perTensor, inputDims, input, filterDims, filter, bias, outputDims);
  return { kind: 'fully_connected', name: `fully_connected_${String(i).padStart(2, '0')}`, inputDims, input, filterDims, filter, bias, outputDims, fc, perTensor, expected };
}

function genAvgPool(p: Prng, i: number): KernelTestCase {
  const e = edgeFor(i);
  const kh = p.int(1, 3);
  const kw = p.int(1, 3);
  const inputDims: Dims = { n: p.int(1, 2), h: p.int(kh, 8), w: p.int(kw, 8), c: p.int(1, 5) };
  const s = spatial(p, e, inputDims.h, inputDims.w, kh, kw);
  const filterDims: Dims = { n: 1, h: kh, w: kw, c: 1 };
  const outputDims: Dims = { n: inputDims.n, h: s.outH, w: s.outW, c: inputDims.c };
  const input = randInt8(p, dimsSize(inputDims), e.fill);
  const pool = { strideH: s.strideH, strideW: s.strideW, padH: s.padH, padW: s.padW, activation: randActivation(p, e, e.zpOut ?? 0) };
  const expected = avgPool(pool, inputDims, input, filterDims, outputDims);
  return { kind: 'avgpool', name: `avgpool_${String(i).padStart(2, '0')}`, inputDims, input, filterDims, outputDims, pool, expected };
}

function genAdd(p: Prng, i: number): KernelTestCase {
  const e = edgeFor(i);
  const inputDims: Dims = { n: 1, h: p.int(1, 6), w: p.int(1, 6), c: p.int(1, 8) };
  const scale = (): number => 2 ** p.uniform(-8, -2);
  const s1 = scale();
  const s2 = scale();
  const zpOut = e.zpOut ?? p.int(-128, 127);
  // bigScale: an output scale much finer than the inputs', so most sums saturate.
  const sOut = e.bigScale ? Math.min(s1, s2) / 16 : (s1 + s2) * p.uniform(0.5, 1.5);
  const add1 = prepareAddParams(
    { scale: s1, zeroPoint: e.zpIn ?? p.int(-128, 127) },
    { scale: s2, zeroPoint: e.zpIn === undefined ? p.int(-128, 127) : -e.zpIn - 1 },
    { scale: sOut, zeroPoint: zpOut },
    randActivation(p, e, zpOut),
  );
  const input = randInt8(p, dimsSize(inputDims), e.fill);
  const input2 = randInt8(p, dimsSize(inputDims), e.fill === undefined ? undefined : -e.fill - 1);
  const expected = add(add1, input, input2);
  return { kind: 'add', name: `add_${String(i).padStart(2, '0')}`, inputDims, input, input2, outputDims: inputDims, add: add1, expected };
}

function genSoftmax(p: Prng, i: number): KernelTestCase {
  const e = edgeFor(i);
  // Case 2 has depth 1 (probability 1 → q = 256, clamped to 127); case 3 a row of equal values.
  const depth = i === 2 ? 1 : p.int(2, 20);
  const inputDims: Dims = { n: 1, h: p.int(1, 3), w: p.int(1, 2), c: depth };
  const softmaxLut = buildSoftmaxExpLut(e.narrow ? 1 : 2 ** p.uniform(-6, -1));
  const input = randInt8(p, dimsSize(inputDims), e.fill ?? (i === 3 ? 5 : undefined));
  const expected = softmax(softmaxLut, depth, input);
  return { kind: 'softmax', name: `softmax_${String(i).padStart(2, '0')}`, inputDims, input, outputDims: inputDims, softmaxLut, expected };
}

/** All cases, `casesPerKernel` of each kind, deterministic in `seed`. */
export function generateKernelTestCases(options: TestVectorOptions): KernelTestCase[] {
  const cases: KernelTestCase[] = [];
  for (const kind of KERNEL_KINDS) {
    const p = Prng.derive('test-vectors', TEST_VECTORS_VERSION, options.seed, kind);
    for (let i = 0; i < options.casesPerKernel; i++) {
      switch (kind) {
        case 'conv2d': case 'pointwise_conv2d': case 'depthwise_conv2d': cases.push(genConvLike(p, kind, i)); break;
        case 'fully_connected': cases.push(genFullyConnected(p, i)); break;
        case 'avgpool': cases.push(genAvgPool(p, i)); break;
        case 'add': cases.push(genAdd(p, i)); break;
        case 'softmax': cases.push(genSoftmax(p, i)); break;
      }
    }
  }
  return cases;
}


/** Direct cases for tops_requantize: x, multiplier, shift and the reference result. */
export interface RequantizeCases {
  readonly x: Int32Array;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly expected: Int32Array;
}

/**
 * Every combination of edge values (int32 extremes, exact ties, the INT32_MIN·INT32_MIN
 * overflow, shifts −31..30) followed by `randomCount` random triples: the kernels rarely reach
 * these corners, so the requantization contract is checked on its own.
 */
export function generateRequantizeCases(seed: string | number, randomCount: number): RequantizeCases {
  const xs = [0, 1, -1, 3, -3, 101, -101, 2 ** 30, -(2 ** 30), 2147483647, -2147483648, 123456789, -987654321];
  const ms = [2 ** 30, 3 * 2 ** 29, 2147483647, -2147483648, 1518500250];
  const ss = [-31, -20, -2, -1, 0, 1, 2, 17, 30];
  const rows: Array<[number, number, number]> = [];
  for (const x of xs) for (const m of ms) for (const s of ss) rows.push([x, m, s]);
  const p = Prng.derive('test-vectors', TEST_VECTORS_VERSION, seed, 'requantize');
  for (let i = 0; i < randomCount; i++) {
    rows.push([p.nextUint32() | 0, p.int(2 ** 30, 2147483647), p.int(-31, 30)]);
  }
  const out: RequantizeCases = {
    x: new Int32Array(rows.length), multiplier: new Int32Array(rows.length),
    shift: new Int32Array(rows.length), expected: new Int32Array(rows.length),
  };
  rows.forEach(([x, m, s], i) => {
    out.x[i] = x;
    out.multiplier[i] = m;
    out.shift[i] = s;
    out.expected[i] = multiplyByQuantizedMultiplier(x, m, s);
  });
  return out;
}

export { emitKernelTestHeader } from './test-vectors-header';
export type { HeaderStamp } from './test-vectors-header';
