/**
 * Emits generated kernel test cases as a C header (tops_test_vectors.h) that fills the
 * `tops_test_case` table of firmware/test/tops_test_case.h. The header records its generator,
 * version, seed and (when given) git commit, as CMSIS-NN's generated test data does.
 */
import type { Dims } from '../../src/nn/int-reference';
import type { KernelKind, KernelTestCase, RequantizeCases } from './test-vectors';
import { TEST_VECTORS_GENERATOR, TEST_VECTORS_VERSION } from './test-vectors';
import { fastRequantTable, fitsInt16, requantTableC, type RequantEntry } from '../../src/codegen/requant-tables';

export interface HeaderStamp {
  readonly seed: string | number;
  readonly commit?: string;
}

const KIND_ENUM: Record<KernelKind, string> = {
  conv2d: 'TOPS_TEST_CONV2D',
  pointwise_conv2d: 'TOPS_TEST_POINTWISE_CONV2D',
  depthwise_conv2d: 'TOPS_TEST_DEPTHWISE_CONV2D',
  fully_connected: 'TOPS_TEST_FULLY_CONNECTED',
  avgpool: 'TOPS_TEST_AVGPOOL',
  add: 'TOPS_TEST_ADD',
  softmax: 'TOPS_TEST_SOFTMAX',
  conv2d_s4: 'TOPS_TEST_CONV2D_S4',
  conv2d_s2: 'TOPS_TEST_CONV2D_S2',
  pointwise_conv2d_s4: 'TOPS_TEST_POINTWISE_CONV2D_S4',
  pointwise_conv2d_s2: 'TOPS_TEST_POINTWISE_CONV2D_S2',
  depthwise_conv2d_s4: 'TOPS_TEST_DEPTHWISE_CONV2D_S4',
  depthwise_conv2d_s2: 'TOPS_TEST_DEPTHWISE_CONV2D_S2',
  fully_connected_s4: 'TOPS_TEST_FULLY_CONNECTED_S4',
  fully_connected_s2: 'TOPS_TEST_FULLY_CONNECTED_S2',
};

function cArray(type: 'int8_t' | 'uint8_t' | 'int16_t' | 'int32_t', name: string, values: ArrayLike<number>): string {
  const items: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // -2147483648 is not an int literal in C (it is −(2147483648)); spell it as an expression.
    items.push(v === -2147483648 ? '(-2147483647 - 1)' : String(v));
  }
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 16) lines.push('    ' + items.slice(i, i + 16).join(', '));
  return `static const ${type} ${name}[${Math.max(values.length, 1)}] = {\n${lines.join(',\n') || '    0'}\n};\n`;
}

const dims = (d: Dims): string => `{${d.n}, ${d.h}, ${d.w}, ${d.c}}`;
const act = (a: { min: number; max: number }): string => `{${a.min}, ${a.max}}`;

function caseEntry(t: KernelTestCase): string {
  const f: string[] = [`.kind = ${KIND_ENUM[t.kind]}`, `.name = "${t.name}"`];
  const c = t.conv ?? t.depthwise;
  if (c) {
    const v = `{${c.inputOffset}, ${c.outputOffset}, {${c.strideW}, ${c.strideH}}, {${c.padW}, ${c.padH}}, ${act(c.activation)}}`;
    f.push(t.conv ? `.conv = ${v}` : `.depthwise = ${v}`);
  }
  if (t.fc) f.push(`.fc = {${t.fc.inputOffset}, ${t.fc.outputOffset}, ${act(t.fc.activation)}}`);
  if (t.pool)
    f.push(
      `.pool = {{${t.pool.strideW}, ${t.pool.strideH}}, {${t.pool.padW}, ${t.pool.padH}}, ${act(t.pool.activation)}}`,
    );
  if (t.add) {
    const a = t.add;
    f.push(
      `.add = {${a.input1Offset}, ${a.input1Multiplier}, ${a.input1Shift}, ${a.input2Offset}, ${a.input2Multiplier}, ${a.input2Shift}, ${a.leftShift}, ${a.outputOffset}, ${a.outputMultiplier}, ${a.outputShift}, ${act(a.activation)}}`,
    );
  }
  if (t.softmaxLut) f.push(`.softmax = {${t.name}_exp_lut}`);
  if (t.perChannel) {
    const fast = caseFastTable(t) !== undefined;
    if (caseCompact(t)) {
      // Cases 1, 5, 9, ...: the compact quant in dsp builds (firmware/test/tops_test_case.h).
      const refOnly = (a: string): string => `TOPS_TEST_TABLE_ONLY(${a})`;
      const dspOnly = (a: string): string => `TOPS_TEST_DSP_ONLY(${a})`;
      f.push(
        `.per_channel = {${t.name}_multiplier, ${refOnly(`${t.name}_shift`)}, ${refOnly(`${t.name}_fast`)}, ${dspOnly(`${t.name}_right_shift`)}, ${caseBias16(t) ? dspOnly(`${t.name}_bias16`) : '0'}}`,
      );
    } else {
      // Cases 3, 7, 11, ...: only the table in dsp builds (TOPS_TEST_TABLE_ONLY, firmware/test/tops_test_case.h).
      const only = (a: string): string => (fast && caseNumber(t) % 4 === 3 ? `TOPS_TEST_TABLE_ONLY(${a})` : a);
      f.push(
        `.per_channel = {${only(`${t.name}_multiplier`)}, ${only(`${t.name}_shift`)}, ${fast ? `${t.name}_fast` : '0'}}`,
      );
    }
  }
  if (t.perTensor) f.push(`.per_tensor = {${t.perTensor.multiplier}, ${t.perTensor.shift}}`);
  f.push(`.input_dims = ${dims(t.inputDims)}`, `.output_dims = ${dims(t.outputDims)}`, `.input = ${t.name}_input`);
  if (t.filterDims) f.push(`.filter_dims = ${dims(t.filterDims)}`);
  if (t.input2) f.push(`.input2 = ${t.name}_input2`);
  if (t.filter) f.push(`.filter = ${t.name}_filter`);
  if (t.packedFilter) f.push(`.packed_filter = ${t.name}_packed_filter`);
  // A compact quant with an int16 bias replaces the int32 bias argument (NULL) in dsp builds.
  const bias = caseBias16(t) ? `TOPS_TEST_TABLE_ONLY(${t.name}_bias)` : `${t.name}_bias`;
  if (t.bias) f.push(`.bias_dims = {1, 1, 1, ${t.bias.length}}`, `.bias = ${bias}`);
  f.push(`.expected = ${t.name}_expected`, `.output_size = ${t.expected.length}`);
  return `    {${f.join(', ')}}`;
}

const caseNumber = (t: KernelTestCase): number => Number(/(\d+)$/.exec(t.name)?.[1] ?? 0);

/**
 * Odd-numbered conv-family cases carry the requantization table codegen would precompute
 * (src/codegen/requant-tables.ts) when it applies, so the dsp kernels run both with it (read
 * from flash) and without (built per call) on the same generated shapes.
 */
function caseFastTable(t: KernelTestCase): RequantEntry[] | undefined {
  const params = t.conv ?? t.depthwise;
  if (!t.perChannel || !params || !t.filterDims || caseNumber(t) % 2 === 0) return undefined;
  const d = t.filterDims;
  return fastRequantTable({
    multiplier: t.perChannel.multiplier,
    shift: t.perChannel.shift,
    bias: t.bias,
    taps: d.h * d.w * (t.depthwise ? 1 : d.c),
    inputOffset: params.inputOffset,
    outputOffset: params.outputOffset,
  });
}

/** Cases 1, 5, 9, ... with a table: the compact quant (multiplier + right shift [+ int16 bias]) in dsp builds. */
const caseCompact = (t: KernelTestCase): boolean => caseNumber(t) % 4 === 1 && caseFastTable(t) !== undefined;
const caseBias16 = (t: KernelTestCase): boolean => caseCompact(t) && t.bias !== undefined && fitsInt16(t.bias);

function caseArrays(t: KernelTestCase): string {
  let s = `/* ${t.name} */\n` + cArray('int8_t', `${t.name}_input`, t.input);
  if (t.input2) s += cArray('int8_t', `${t.name}_input2`, t.input2);
  if (t.filter) s += cArray('int8_t', `${t.name}_filter`, t.filter);
  if (t.packedFilter) s += cArray('uint8_t', `${t.name}_packed_filter`, t.packedFilter);
  if (t.bias) s += cArray('int32_t', `${t.name}_bias`, t.bias);
  if (t.perChannel) {
    s += cArray('int32_t', `${t.name}_multiplier`, t.perChannel.multiplier);
    s += cArray('int32_t', `${t.name}_shift`, t.perChannel.shift);
    const fast = caseFastTable(t);
    if (fast) s += requantTableC(`${t.name}_fast`, fast);
    if (fast && caseCompact(t))
      s += cArray(
        'uint8_t',
        `${t.name}_right_shift`,
        fast.map((e) => e.shift),
      );
    if (caseBias16(t) && t.bias) s += cArray('int16_t', `${t.name}_bias16`, t.bias);
  }
  if (t.softmaxLut) s += cArray('int32_t', `${t.name}_exp_lut`, t.softmaxLut);
  return s + cArray('int8_t', `${t.name}_expected`, t.expected);
}

const NO_REQUANTIZE: RequantizeCases = {
  x: new Int32Array(0),
  multiplier: new Int32Array(0),
  shift: new Int32Array(0),
  expected: new Int32Array(0),
};

/**
 * The whole header: arrays per case, the case table, its count and largest output size, and
 * the direct requantization cases (tops_requantize_*; count may be 0).
 */
export function emitKernelTestHeader(
  cases: readonly KernelTestCase[],
  stamp: HeaderStamp,
  requantize: RequantizeCases = NO_REQUANTIZE,
): string {
  const maxOutput = Math.max(1, ...cases.map((t) => t.expected.length));
  return [
    `/* Generated by ${TEST_VECTORS_GENERATOR} v${TEST_VECTORS_VERSION}, seed ${JSON.stringify(String(stamp.seed))}` +
      (stamp.commit ? `, commit ${stamp.commit}` : '') +
      '. Do not edit. */',
    '#ifndef TOPS_TEST_VECTORS_H',
    '#define TOPS_TEST_VECTORS_H',
    '',
    '#include "tops_test_case.h"',
    '',
    ...cases.map(caseArrays),
    `#define TOPS_TEST_CASE_COUNT ${cases.length}`,
    `#define TOPS_TEST_MAX_OUTPUT ${maxOutput}`,
    '',
    'static const tops_test_case tops_test_cases[TOPS_TEST_CASE_COUNT] = {',
    cases.map(caseEntry).join(',\n'),
    '};',
    '',
    `#define TOPS_TEST_REQUANTIZE_COUNT ${requantize.x.length}`,
    cArray('int32_t', 'tops_requantize_x', requantize.x),
    cArray('int32_t', 'tops_requantize_multiplier', requantize.multiplier),
    cArray('int32_t', 'tops_requantize_shift', requantize.shift),
    cArray('int32_t', 'tops_requantize_expected', requantize.expected),
    '#endif /* TOPS_TEST_VECTORS_H */',
    '',
  ].join('\n');
}
