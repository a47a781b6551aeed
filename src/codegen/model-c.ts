/**
 * Integer model → plain C (docs/stages/codegen.md; thesis §3 "C code generation"): const
 * weights in flash, one static arena placed by the lifetime planner (memory-plan.ts), and a
 * straight-line `tops_model_invoke()` that calls the firmware kernels (firmware/include/tops_nn.h)
 * in order. No interpreter, no op resolver, no flatbuffer, no malloc: what TFLite Micro decides
 * at run time is decided here once.
 *
 * Pure: returns the file texts; the codegen stage writes them.
 */
import type { ConvOp, IntModel, IntOp, IntTensor } from '../quant/int-model';
import { tensorBytes } from '../quant/int-model';
import { packInt2, packInt4 } from '../quant/sub-byte';
import { checkPlan, planMemory, type MemoryPlan, type PlanOp } from './memory-plan';
import { opCompactRequant, opFastRequantTable, requantTableC } from './requant-tables';
import type { PartitionPlan } from './partition-plan';
import { emitPartitionedOp, FAST_BUFFER } from './partitioned-c';

export const MODEL_C_GENERATOR = 'tinyops src/codegen/model-c.ts';

export interface ModelCOptions {
  /** Kernel scratch bytes an op needs (must match the C `*_get_buffer_size` of the linked kernel variant). */
  readonly scratchBytes?: (op: IntOp, model: IntModel) => number;
  /** One line stamped into the file header (e.g. the int-model digest). */
  readonly provenance?: string;
  /** Run 1×1 convs and stride-1 depthwise convs in place, row by row (default true; adds are always in place). */
  readonly inPlace?: boolean;
  /**
   * Emit each conv / depthwise op's requantization table (src/codegen/requant-tables.ts) as a
   * const in flash and hand it to the kernel (`quant.fast`), instead of the dsp kernels building
   * it in scratch per call. Default false; `scratchBytes` must then not count the table.
   */
  readonly requantTables?: boolean;
  /**
   * Emit the compact form of those parameters instead (src/codegen/requant-tables.ts,
   * `opCompactRequant`: int32 multiplier + uint8 right shift + int16 bias where it fits), which
   * the dsp kernels expand in scratch per call; `scratchBytes` must count the table and the
   * int32 bias expansion. Not with a `partition` (its channel slices index the int32 arrays).
   */
  readonly compactRequant?: boolean;
  /**
   * External-memory plan (partition-plan.ts): the arena goes to external RAM, every op runs in
   * double-buffered parts through SRAM fast buffers (partitioned-c.ts).
   */
  readonly partition?: Extract<PartitionPlan, { mode: 'external' }>;
}

export interface ModelC {
  readonly header: string;
  readonly source: string;
  readonly plan: MemoryPlan;
}

/** A C identifier from a layer/tensor name. */
export function cName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `t_${s}` : s;
}

function cArray(type: string, name: string, values: ArrayLike<number>, perLine = 16): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    lines.push(
      '    ' +
        Array.from({ length: Math.min(perLine, values.length - i) }, (_, j) => String(values[i + j])).join(', ') +
        ',',
    );
  }
  return `static const ${type} ${name}[${values.length}] = {\n${lines.join('\n')}\n};\n`;
}

/** Weight storage of an op: int8 codes, or packed bytes for 4-/2-bit layers (src/quant/sub-byte.ts format). */
function weightArray(op: ConvOp | Extract<IntOp, { kind: 'fully_connected' }>, id: string, external = false): string {
  const text =
    op.weightBits === 8
      ? cArray('int8_t', `${id}_weights`, op.weights)
      : cArray('uint8_t', `${id}_weights`, op.weightBits === 4 ? packInt4(op.weights) : packInt2(op.weights));
  // External weights: a section the linker script puts in the external flash region.
  return external ? text.replace('] = {', '] __attribute__((section(".tops_extflash"), aligned(4))) = {') : text;
}

function dims(t: IntTensor): string {
  return `{1, ${t.shape[0]}, ${t.shape[1]}, ${t.shape[2]}}`;
}

/** Output row bytes of a conv / depthwise op. */
function outputRowBytes(model: IntModel, op: IntOp): number {
  const o = model.tensors.find((t) => t.name === op.output)!;
  return o.shape[1] * o.shape[2];
}

/**
 * Output rows per kernel call when an op runs in place: the feature map in 5 slabs. One row per
 * call would need the smallest temp but repeats each call's set-up (the dsp kernels build their
 * requantization tables per call: ≈ 6 K instructions), 5 calls keep that under 3 % of the op.
 */
export const IN_PLACE_SLABS = 5;

function rowsPerCall(outRows: number): number {
  return Math.ceil(outRows / IN_PLACE_SLABS);
}

function outputRows(model: IntModel, op: IntOp): number {
  return model.tensors.find((t) => t.name === op.output)!.shape[0];
}

/**
 * Whether (and how) an op can run in place over its input (memory-plan.ts file comment):
 * element-wise add; 1×1 stride-1 unpadded conv with C_OUT ≤ C_IN (row by row); stride-1
 * depthwise (row by row, output shifted up by the top padding). The planner decides whether
 * the input actually dies there.
 */
export function inPlaceCandidate(model: IntModel, op: IntOp): PlanOp['inPlace'] {
  if (op.kind === 'add') return { shift: 0, tempBytes: 0 };
  if (op.kind === 'conv2d') {
    const [cout, kh, kw, cin] = op.filterShape;
    const pointwise =
      kh === 1 && kw === 1 && op.stride[0] === 1 && op.stride[1] === 1 && op.padding[0] === 0 && op.padding[1] === 0;
    return pointwise && cout <= cin
      ? { shift: 0, tempBytes: align4(outputRowBytes(model, op) * rowsPerCall(outputRows(model, op))) }
      : undefined;
  }
  if (op.kind === 'depthwise_conv2d' && op.stride[0] === 1 && op.stride[1] === 1) {
    const row = outputRowBytes(model, op);
    return { shift: op.padding[0] * row, tempBytes: align4(row * rowsPerCall(outputRows(model, op))) };
  }
  return undefined;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function planOps(model: IntModel, scratch: (op: IntOp) => number, inPlace: boolean): PlanOp[] {
  return model.ops.map((op) => ({
    name: op.name,
    inputs: op.inputs,
    output: op.output,
    scratchBytes: scratch(op),
    ...(inPlace || op.kind === 'add' ? { inPlace: inPlaceCandidate(model, op) } : {}),
  }));
}

export function planModelMemory(model: IntModel, opts: ModelCOptions = {}): MemoryPlan {
  const scratch = (op: IntOp) => opts.scratchBytes?.(op, model) ?? 0;
  const tensors = model.tensors.map((t) => ({ name: t.name, bytes: tensorBytes(t) }));
  const plan = planMemory(tensors, planOps(model, scratch, opts.inPlace ?? true), model.input, model.output);
  checkPlan(plan);
  return plan;
}

/** Kernel function for an op (sub-byte layers use the packed-weight variants). */
function kernelOf(op: IntOp): string {
  const bits = 'weightBits' in op ? op.weightBits : 8;
  const t = bits === 8 ? 's8' : `s${bits}`;
  switch (op.kind) {
    case 'conv2d':
      return op.filterShape[1] === 1 && op.filterShape[2] === 1 && op.padding[0] === 0 && op.padding[1] === 0
        ? `tops_pointwise_conv2d_${t}`
        : `tops_conv2d_${t}`;
    case 'depthwise_conv2d':
      return `tops_depthwise_conv2d_${t}`;
    case 'fully_connected':
      return `tops_fully_connected_${t}`;
    case 'avgpool':
      return 'tops_avgpool_s8';
    case 'add':
      return 'tops_add_s8';
    case 'softmax':
      return 'tops_softmax_s8';
  }
}

/**
 * An op run in place, a slab of output rows per kernel call: the kernel writes the slab into
 * the op's temp (after its own scratch in the op's scratch region), which is then copied to the
 * output, whose start the planner put at or before the input's (memory-plan.ts file comment
 * says why no input row still needed is overwritten: output rows y..y+k−1 land on input rows
 * up to y+k−1−padTop, and later output rows read input rows from y+k−padTop on). The kernels
 * are unchanged: each call sees the slab's output rows and the input rows they read, with the
 * top padding of that slab.
 */
function inPlaceRows(
  op: ConvOp,
  id: string,
  kernel: string,
  kernelScratch: number,
  at: (n: string) => string,
  inT: IntTensor,
  o: IntTensor,
): string {
  const [h, w, cin] = inT.shape;
  const rowOut = o.shape[1] * o.shape[2];
  const k = rowsPerCall(o.shape[0]);
  const tmp = `(${at(`${op.name}#scratch`)} + ${align4(kernelScratch)})`;
  const ctx = kernelScratch > 0 ? `{${at(`${op.name}#scratch`)}, ${kernelScratch}}` : '{0, 0}';
  if (op.kind === 'conv2d') {
    return `    { /* in place, ${k} rows per call */
        const tops_context ctx = ${ctx};
        for (int32_t y = 0; y < ${h} && st == TOPS_OK; y += ${k}) {
            const int32_t rows = y + ${k} > ${h} ? ${h} - y : ${k};
            const tops_dims in_dims = {1, rows, ${w}, ${cin}};
            const tops_dims out_dims = {1, rows, ${o.shape[1]}, ${o.shape[2]}};
            st = ${kernel}(&ctx, &${id}_params, &${id}_quant, &in_dims, ${at(op.inputs[0]!)} + y * ${w * cin}, &${id}_dims[1], ${id}_weights, &${id}_dims[2], ${id}_bias, &out_dims, ${tmp});
            if (st == TOPS_OK) memcpy(${at(op.output)} + y * ${rowOut}, ${tmp}, (size_t)(rows * ${rowOut}));
        }
    }`;
  }
  const kh = op.filterShape[1];
  return `    { /* in place, ${k} rows per call: output row y lands on input row y - ${op.padding[0]} once no later row reads it */
        const tops_context ctx = ${ctx};
        for (int32_t y = 0; y < ${o.shape[0]} && st == TOPS_OK; y += ${k}) {
            const int32_t rows = y + ${k} > ${o.shape[0]} ? ${o.shape[0]} - y : ${k};
            const int32_t top = y - ${op.padding[0]};
            const int32_t first = top < 0 ? 0 : top;
            const int32_t end = top + rows - 1 + ${kh} > ${h} ? ${h} : top + rows - 1 + ${kh};
            const tops_dims slab = {1, end - first, ${w}, ${cin}};
            const tops_dims out_dims = {1, rows, ${o.shape[1]}, ${o.shape[2]}};
            tops_depthwise_conv2d_params p = ${id}_params;
            p.padding.h = first - top;
            st = ${kernel}(&ctx, &p, &${id}_quant, &slab, ${at(op.inputs[0]!)} + first * ${w * cin}, &${id}_dims[1], ${id}_weights, &${id}_dims[2], ${id}_bias, &out_dims, ${tmp});
            if (st == TOPS_OK) memcpy(${at(op.output)} + y * ${rowOut}, ${tmp}, (size_t)(rows * ${rowOut}));
        }
    }`;
}

export function emitModelC(model: IntModel, opts: ModelCOptions = {}): ModelC {
  const ext = opts.partition;
  // External arena: no in-place rows (a part's write-back must not land on rows a later part
  // still fetches) and no kernel scratch (it lives in the SRAM fast region).
  const plan = ext ? planModelMemory(model, { inPlace: false }) : planModelMemory(model, opts);
  const scratch = (op: IntOp) => opts.scratchBytes?.(op, model) ?? 0;
  const tensor = new Map(model.tensors.map((t) => [t.name, t]));
  const inT = tensor.get(model.input)!;
  const outT = tensor.get(model.output)!;
  const at = (name: string) => `(tops_arena + ${plan.offsets.get(name)})`;
  const stamp = `/* Generated by ${MODEL_C_GENERATOR}${opts.provenance ? ` from ${opts.provenance}` : ''}. Do not edit. */`;

  const header = `${stamp}
#ifndef TOPS_MODEL_H
#define TOPS_MODEL_H

#include <stdint.h>
#include "tops_types.h"

/* Input: int8 [${inT.shape.join(', ')}] (frames, coefficients, 1), scale ${inT.scale}, zero point ${inT.zeroPoint}. */
#define TOPS_MODEL_INPUT_BYTES ${tensorBytes(inT)}
/* Output: int8 softmax posteriors, scale 1/256, zero point -128. */
#define TOPS_MODEL_OUTPUT_BYTES ${tensorBytes(outT)}
#define TOPS_MODEL_NUM_CLASSES ${model.labels.length}
#define TOPS_MODEL_NUM_OPS ${model.ops.length}
/* One static arena holds every activation; planned offline (arena ${plan.arenaBytes} B, MicroNets eq. 3 lower bound ${plan.lowerBoundBytes} B). */
#define TOPS_MODEL_ARENA_BYTES ${plan.arenaBytes}
${
  ext
    ? `/* External memory (docs/external-memory.md): the arena is in external RAM; ops run in parts through ${ext.fastBytes} B of SRAM fast buffers. */
#define TOPS_MODEL_EXTERNAL_MEMORY 1
#define TOPS_MODEL_FAST_BYTES ${ext.fastBytes}
#define TOPS_MODEL_PLANNED_TRANSFERS ${ext.transfers}
`
    : ''
}
extern const char *const tops_model_labels[TOPS_MODEL_NUM_CLASSES];

/** Where to write the input before tops_model_invoke() (inside the arena). */
int8_t *tops_model_input(void);
/** The posteriors after tops_model_invoke() (inside the arena; overwritten by the next call). */
const int8_t *tops_model_output(void);
/** Runs every op once. TOPS_OK, or the first kernel's error. */
tops_status tops_model_invoke(void);

/**
 * Front-end int16 codes (Q5 MFCC, value/32) -> int8 input, integers only:
 * q8 = clamp(requantize(q16, ${model.inputQuantization.multiplier}, ${model.inputQuantization.shift}) + ${inT.zeroPoint}).
 */
void tops_model_quantize_input(const int16_t *frontend, int8_t *input);

/** Called after every op when set: per-layer dumps to find the first layer that differs from the host. */
typedef void (*tops_layer_hook)(int32_t op, const char *name, const int8_t *data, int32_t bytes);
void tops_model_set_layer_hook(tops_layer_hook hook);

#endif /* TOPS_MODEL_H */
`;

  const parts: string[] = [
    stamp,
    '#include <string.h>',
    '#include "tops_model.h"',
    '#include "tops_nn.h"',
    ...(ext ? ['#include "tops_extmem.h"'] : []),
    '',
    "/* -DTOPS_PROFILE_OPS: call the board's region marker after every op, so the instruction-count",
    '   plugin attributes instructions to ops (deploy builds this way; a few instructions per op). */',
    '#ifdef TOPS_PROFILE_OPS',
    'void tops_mark(void);',
    '#define TOPS_OP_MARK() tops_mark()',
    '#else',
    '#define TOPS_OP_MARK() ((void)0)',
    '#endif',
    '',
  ];
  parts.push(
    `const char *const tops_model_labels[TOPS_MODEL_NUM_CLASSES] = {${model.labels.map((l) => JSON.stringify(l)).join(', ')}};`,
    '',
  );
  if (ext) {
    parts.push(
      'static int8_t tops_arena[TOPS_MODEL_ARENA_BYTES] __attribute__((section(".tops_extram"), aligned(4)));',
    );
    parts.push(`static int8_t ${FAST_BUFFER}[TOPS_MODEL_FAST_BYTES] __attribute__((aligned(4)));`);
  } else {
    parts.push('static int8_t tops_arena[TOPS_MODEL_ARENA_BYTES] __attribute__((aligned(4)));');
  }
  parts.push('static tops_layer_hook layer_hook;', '');
  const calls: string[] = [];
  model.ops.forEach((op, i) => {
    const id = `op${i}_${cName(op.name)}`;
    const inTensor = tensor.get(op.inputs[0]!)!;
    const o = tensor.get(op.output)!;
    const kernel = kernelOf(op);
    const s = scratch(op);
    const ctx = s > 0 ? `{${at(`${op.name}#scratch`)}, ${s}}` : '{0, 0}';
    parts.push(`/* op ${i}: ${op.kind} ${op.name} -> ${op.output} [${o.shape.join(', ')}] */`);
    const callsBefore = calls.length;
    let call: string;
    switch (op.kind) {
      case 'conv2d':
      case 'depthwise_conv2d': {
        const [n, kh, kw, c] = op.filterShape;
        // With the flash table (dsp kernels only) the table is the one copy of the per-channel
        // requantization: it holds the multiplier and the shift, and the dsp kernels read nothing
        // else (quant {0, 0, table}, firmware/kernels/ref/tops_common.h): 12 B per channel, not 20.
        // The compact form (dsp kernels only) is multiplier + right shift and, when it fits, the
        // bias as int16 in the quant (the bias argument is then NULL): 5–7 B per channel, not 16.
        const compact = opts.compactRequant === true && !ext ? opCompactRequant(model, op) : undefined;
        const fast = !compact && opts.requantTables === true ? opFastRequantTable(model, op) : undefined;
        parts.push(weightArray(op, id, ext?.weightsExternal));
        if (compact?.bias16)
          parts.push(
            cArray('int16_t', `${id}_bias16`, compact.bias16),
            `#define ${id}_bias ((const int32_t *)0) /* the bias is ${id}_bias16, in ${id}_quant */`,
          );
        else parts.push(cArray('int32_t', `${id}_bias`, op.bias));
        if (compact)
          parts.push(
            cArray('int32_t', `${id}_mult`, compact.multiplier),
            cArray('uint8_t', `${id}_rshift`, compact.rightShift),
          );
        else if (!fast)
          parts.push(cArray('int32_t', `${id}_mult`, op.multiplier), cArray('int32_t', `${id}_shift`, op.shift));
        const pt = op.kind === 'conv2d' ? 'tops_conv2d_params' : 'tops_depthwise_conv2d_params';
        parts.push(
          `static const ${pt} ${id}_params = {${-inTensor.zeroPoint}, ${o.zeroPoint}, {${op.stride[1]}, ${op.stride[0]}}, {${op.padding[1]}, ${op.padding[0]}}, {${op.activation.min}, ${op.activation.max}}};`,
        );
        if (fast) parts.push(requantTableC(`${id}_rq`, fast));
        parts.push(
          `static const tops_per_channel_quant_params ${id}_quant = {${compact ? `${id}_mult, 0, 0, ${id}_rshift, ${compact.bias16 ? `${id}_bias16` : '0'}` : fast ? `0, 0, ${id}_rq, 0, 0` : `${id}_mult, ${id}_shift, 0, 0, 0`}};`,
        );
        parts.push(
          `static const tops_dims ${id}_dims[4] = {${dims(inTensor)}, {${n}, ${kh}, ${kw}, ${c}}, {1, 1, 1, ${op.bias.length}}, ${dims(o)}};`,
          '',
        );
        if (plan.inPlaceOps.has(op.name)) {
          calls.push(inPlaceRows(op, id, kernel, s, at, inTensor, o));
          break;
        }
        call = `${kernel}(&ctx, &${id}_params, &${id}_quant, &${id}_dims[0], ${at(op.inputs[0]!)}, &${id}_dims[1], ${id}_weights, &${id}_dims[2], ${id}_bias, &${id}_dims[3], ${at(op.output)})`;
        calls.push(`    { const tops_context ctx = ${ctx}; st = ${call}; }`);
        break;
      }
      case 'fully_connected': {
        const [cout, cin] = op.filterShape;
        parts.push(weightArray(op, id, ext?.weightsExternal), cArray('int32_t', `${id}_bias`, op.bias));
        parts.push(
          `static const tops_fully_connected_params ${id}_params = {${-inTensor.zeroPoint}, ${o.zeroPoint}, {${op.activation.min}, ${op.activation.max}}};`,
        );
        parts.push(`static const tops_per_tensor_quant_params ${id}_quant = {${op.multiplier}, ${op.shift}};`);
        parts.push(
          `static const tops_dims ${id}_dims[4] = {{1, 1, 1, ${cin}}, {${cout}, 1, 1, ${cin}}, {1, 1, 1, ${cout}}, {1, 1, 1, ${cout}}};`,
          '',
        );
        call = `${kernel}(&ctx, &${id}_params, &${id}_quant, &${id}_dims[0], ${at(op.inputs[0]!)}, &${id}_dims[1], ${id}_weights, &${id}_dims[2], ${id}_bias, &${id}_dims[3], ${at(op.output)})`;
        calls.push(`    { const tops_context ctx = ${ctx}; st = ${call}; }`);
        break;
      }
      case 'avgpool':
        parts.push(
          `static const tops_avgpool_params ${id}_params = {{${op.stride[1]}, ${op.stride[0]}}, {${op.padding[1]}, ${op.padding[0]}}, {${op.activation.min}, ${op.activation.max}}};`,
        );
        parts.push(
          `static const tops_dims ${id}_dims[3] = {${dims(inTensor)}, {1, ${op.window[0]}, ${op.window[1]}, 1}, ${dims(o)}};`,
          '',
        );
        call = `${kernel}(&ctx, &${id}_params, &${id}_dims[0], ${at(op.inputs[0]!)}, &${id}_dims[1], &${id}_dims[2], ${at(op.output)})`;
        calls.push(`    { const tops_context ctx = ${ctx}; st = ${call}; }`);
        break;
      case 'add':
        parts.push(
          `static const tops_add_params ${id}_params = {${op.input1Offset}, ${op.input1Multiplier}, ${op.input1Shift}, ${op.input2Offset}, ${op.input2Multiplier}, ${op.input2Shift}, ${op.leftShift}, ${op.outputOffset}, ${op.outputMultiplier}, ${op.outputShift}, {${op.activation.min}, ${op.activation.max}}};`,
        );
        parts.push(`static const tops_dims ${id}_dims = ${dims(o)};`, '');
        calls.push(
          `    st = ${kernel}(&${id}_params, &${id}_dims, ${at(op.inputs[0]!)}, ${at(op.inputs[1]!)}, ${at(op.output)});`,
        );
        break;
      case 'softmax':
        parts.push(cArray('int32_t', `${id}_lut`, op.expLut));
        parts.push(`static const tops_softmax_params ${id}_params = {${id}_lut};`);
        parts.push(`static const tops_dims ${id}_dims = ${dims(o)};`, '');
        calls.push(`    st = ${kernel}(&${id}_params, &${id}_dims, ${at(op.inputs[0]!)}, ${at(op.output)});`);
        break;
    }
    const part = ext?.ops[i];
    if (ext && part) {
      if (part.op !== op.name) throw new Error(`partition plan: op ${i} is ${part.op}, the model's is ${op.name}`);
      // Same constants as above; the call becomes the partitioned, double-buffered loop.
      calls.length = callsBefore;
      const e = emitPartitionedOp({
        op,
        id,
        kernel,
        part,
        at,
        tensor: (n) => tensor.get(n)!,
        weightsExternal: ext.weightsExternal,
      });
      parts.push(e.decls);
      calls.push(e.call);
    }
    calls.push(`    if (st != TOPS_OK) return st;`);
    calls.push('    TOPS_OP_MARK();');
    calls.push(
      `    if (layer_hook) layer_hook(${i}, ${JSON.stringify(op.name)}, ${at(op.output)}, ${tensorBytes(o)});`,
    );
  });

  parts.push(`int8_t *tops_model_input(void) { return ${at(model.input)}; }`);
  parts.push(`const int8_t *tops_model_output(void) { return ${at(model.output)}; }`);
  parts.push('void tops_model_set_layer_hook(tops_layer_hook hook) { layer_hook = hook; }', '');
  const iq = model.inputQuantization;
  parts.push(`void tops_model_quantize_input(const int16_t *frontend, int8_t *input)
{
    for (int32_t i = 0; i < TOPS_MODEL_INPUT_BYTES; i++) {
        int32_t v = tops_requantize(frontend[i], ${iq.multiplier}, ${iq.shift}) + (${inT.zeroPoint});
        input[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
}
`);
  parts.push(`tops_status tops_model_invoke(void)
{
    tops_status st = TOPS_OK;
${calls.join('\n')}
    return TOPS_OK;
}
`);
  return { header, source: parts.join('\n'), plan };
}
