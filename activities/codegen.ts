import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { boardNames, findBoard } from '../src/boards/registry';
import { scratchFor, type KernelVariant } from '../src/codegen/kernel-variants';
import { emitModelC, IN_PLACE_SLABS, planModelMemory } from '../src/codegen/model-c';
import { externalMemoryConfigFields, planExternalMemoryForStage } from '../src/codegen/external-memory-stage';
import type { MemoryPlan } from '../src/codegen/memory-plan';
import {
  COMPACT_BIAS16_BYTES,
  COMPACT_ENTRY_BYTES,
  compactScratchExtraBytes,
  opCompactRequant,
  opFastRequantTable,
  REQUANT_ENTRY_BYTES,
} from '../src/codegen/requant-tables';
import { emitMfccTablesC } from '../src/codegen/mfcc-tables-c';
import { emitLogmelTablesC, fixedLogmelFrontEnd } from '../src/codegen/logmel-tables-c';
import { mfccConfigSchema, mfccParams } from '../src/dsp/mfcc-config';
import {
  countMacs,
  decodeIntModel,
  packedWeightBytes,
  tensorByName,
  type IntModel,
  type IntOp,
} from '../src/quant/int-model';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { requireUpstream } from '../src/stage/inputs';

/**
 * `codegen`: integer model → `tops_model.c` / `tops_model.h` (src/codegen/model-c.ts): const
 * weights (4-/2-bit packed), one static arena placed by the lifetime planner, a straight-line
 * invoke calling the firmware kernels. The kernel variant (portable `ref` or Cortex-M DSP
 * `dsp`) decides the scratch each op needs, so it is fixed here, from the board.
 *
 * Output `firmware-src` (dir): tops_model.c, tops_model.h, memory-plan.json, and when the model
 * records a fixed-point MFCC front end, tops_frontend.{c,h}: its tables for firmware/frontend/
 * tops_mfcc_q15.c (src/codegen/mfcc-tables-c.ts), so the board runs audio → label.
 * Metrics: arenaBytes next to arenaLowerBoundBytes (MicroNets eq. 3), weightBytes.
 *
 * `sramBudget:` (default: the board's SRAM): when the activations do not fit it, the arena goes
 * to the board's external SDRAM and every op runs in double-buffered parts through SRAM
 * (docs/external-memory.md); memory-plan.json then has an `externalMemory` block and the
 * metrics externalMemoryBytes / Parts / Transfers / FastBytes / ModelledOverhead.
 */
export const kind = 'codegen';
export const version = 15; // 14: dsp depthwise widens its 2·w weights with SXTB16 + SADD16 (kernel source); 15: and copies its group table's tops_rq entries by struct (LDM / STM); 2: front-end tables; 3: dsp kernels need more scratch; 4–5: 1×1 and stride-1 depthwise convs in place (slabs of rows); 6: kernel sources changed (shared argument checks, one pointwise entry point); 7: requantization tables in flash (quant.fast), dsp sub-byte kernels' scratch; 8: sramBudget / externalWeights (external-memory partitioning, docs/external-memory.md); 9: with the flash requantization table no separate multiplier / shift arrays (one copy of the per-channel parameters); 10: log-mel front-end tables for anomaly-detection models; 11: dsp 3×3 depthwise scratch + 64 B per channel group (asm loop table of 2·bias + tops_rq); 12: front-end tables carry the fixed-point contract (q30 / q31-fast); 13: per-channel quant initializers with the two compact members (`, 0, 0`; tops_types.h grew, old sources no longer compile), requantTables: compact

const boardSchema = z.enum(boardNames as [string, ...string[]]);

export const codegenConfigSchema = z.strictObject({
  board: boardSchema.optional().meta({ description: "Target board; defaults to the pipeline's top-level board." }),
  kernels: z
    .enum(['auto', 'ref', 'dsp'])
    .default('auto')
    .meta({ description: 'Kernel variant: dsp (SMLAD/SXTB16) on cores with the DSP extension when auto.' }),
  requantTables: z.enum(['flash', 'scratch', 'compact']).default('flash').meta({
    description:
      'dsp kernels: per-channel requantization tables precomputed into flash (12 B per channel, replacing the 8 B multiplier / shift arrays), built in scratch SRAM by every kernel call, or compact: int32 multiplier + uint8 shift + int16 bias where it fits in flash (5–7 B per channel instead of 16 with the bias), expanded in scratch by every call (the smallest flash, e.g. for a 4-bit hybrid).',
  }),
  ...externalMemoryConfigFields,
});
export type CodegenConfig = z.output<typeof codegenConfigSchema>;

export function kernelVariantFor(board: string | undefined, kernels: CodegenConfig['kernels']): KernelVariant {
  if (kernels !== 'auto') return kernels;
  return findBoard(board ?? '')?.dsp ? 'dsp' : 'ref';
}

/**
 * What the flash requantization tables save (src/codegen/requant-tables.ts): the arena the same
 * model needs with the tables built in scratch, minus this one; the table entries per inference
 * the kernels no longer build (one per output channel per kernel call: in-place ops are called
 * once per slab of rows); and their flash cost.
 */
function requantTableSavings(
  model: IntModel,
  variant: KernelVariant,
  tables: boolean,
  plan: MemoryPlan,
): { metrics: Record<string, number>; summary: string } {
  if (!tables) return { metrics: {}, summary: '' };
  const withScratch = planModelMemory(model, { scratchBytes: scratchFor(variant) }).arenaBytes;
  let entries = 0;
  let builtPerInference = 0;
  for (const op of model.ops) {
    const t = opFastRequantTable(model, op);
    if (t === undefined) continue;
    entries += t.length;
    const rows = tensorByName(model, op.output).shape[0];
    const calls = plan.inPlaceOps.has(op.name) ? Math.ceil(rows / Math.ceil(rows / IN_PLACE_SLABS)) : 1;
    builtPerInference += t.length * calls;
  }
  const saved = withScratch - plan.arenaBytes;
  return {
    metrics: {
      requantTableFlashBytes: entries * REQUANT_ENTRY_BYTES,
      requantScratchSavedBytes: saved,
      requantEntriesNotBuiltPerInference: builtPerInference,
    },
    summary: `; requantization tables in flash (${entries * REQUANT_ENTRY_BYTES} B) save ${saved} B of arena and building ${builtPerInference} entries per inference`,
  };
}

/** Flash of the compact per-channel parameters (requantTables: compact) against table + int32 bias. */
function compactRequantSummary(model: IntModel): { metrics: Record<string, number>; summary: string } {
  let bytes = 0;
  let tableBytes = 0;
  for (const op of model.ops) {
    const c = opCompactRequant(model, op);
    if (!c) continue;
    bytes += c.multiplier.length * (COMPACT_ENTRY_BYTES + (c.bias16 ? COMPACT_BIAS16_BYTES : 4));
    tableBytes += c.multiplier.length * (REQUANT_ENTRY_BYTES + 4);
  }
  return {
    metrics: { requantCompactFlashBytes: bytes, requantCompactFlashSavedBytes: tableBytes - bytes },
    summary: `; compact requantization + bias in flash (${bytes} B, ${tableBytes - bytes} B less than tables + int32 bias), expanded per call`,
  };
}

async function run(ctx: StageContext<CodegenConfig>): Promise<StageResult> {
  const ref = requireUpstream(ctx, 'int-model', 'quantize');
  const model = decodeIntModel(
    fs.readFileSync(await ctx.fetchFile(ref), 'utf8'),
    `int-model ${ref.sha256.slice(0, 12)}`,
  );
  const variant = kernelVariantFor(ctx.config.board, ctx.config.kernels);
  const tables = variant === 'dsp' && ctx.config.requantTables === 'flash';
  const provenance = `int-model sha256:${ref.sha256.slice(0, 16)}, ${variant} kernels`;
  const tableScratch = scratchFor(variant, (op) => tables && opFastRequantTable(model, op) !== undefined);
  // docs/external-memory.md: over the SRAM budget, the arena goes to external memory and ops run in parts.
  const ext = planExternalMemoryForStage(model, ctx.config, ctx.stageName, tableScratch);
  // The compact form: the table built in scratch per call, plus the int32 expansion of an int16 bias.
  const compact = variant === 'dsp' && ctx.config.requantTables === 'compact' && !ext;
  const scratchBytes = compact
    ? (op: IntOp, m: IntModel) => tableScratch(op, m) + compactScratchExtraBytes(opCompactRequant(m, op))
    : tableScratch;
  const c = emitModelC(model, {
    scratchBytes,
    provenance,
    requantTables: tables,
    compactRequant: compact,
    ...(ext ? { partition: ext.plan } : {}),
  });
  const rq = compact ? compactRequantSummary(model) : requantTableSavings(model, variant, tables, c.plan);

  const dir = path.join(ctx.workDir, 'firmware-src');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tops_model.h'), c.header);
  fs.writeFileSync(path.join(dir, 'tops_model.c'), c.source);
  // The front end the model was trained on, as C tables (only the fixed-point MFCC has a C twin).
  const fe = model.frontEnd !== undefined ? mfccConfigSchema.safeParse(model.frontEnd) : undefined;
  const frontEnd = fe?.success === true && fe.data.implementation === 'fixed';
  if (frontEnd && fe?.success) {
    const t = emitMfccTablesC(mfccParams(fe.data), { name: 'tops_frontend' });
    fs.writeFileSync(path.join(dir, t.headerFile), t.header);
    fs.writeFileSync(path.join(dir, t.sourceFile), t.source);
  }
  // Anomaly detection: the fixed-point log-mel front end's tables (firmware/include/tops_logmel.h).
  const logmel = fixedLogmelFrontEnd(model.frontEnd);
  if (logmel) {
    for (const [file, text] of Object.entries(emitLogmelTablesC(logmel.params, logmel.bandStats).files))
      fs.writeFileSync(path.join(dir, file), text);
  }
  const plan = {
    kernels: variant,
    frontEnd,
    ...(logmel ? { logmelFrontEnd: true } : {}),
    arenaBytes: c.plan.arenaBytes,
    lowerBoundBytes: c.plan.lowerBoundBytes,
    strategy: c.plan.strategy,
    buffers: c.plan.buffers.map((b) => ({ ...b, tensors: [...b.tensors] })),
    ...(ext ? { externalMemory: ext.summary } : {}),
  };
  fs.writeFileSync(path.join(dir, 'memory-plan.json'), JSON.stringify(plan, null, 2) + '\n');
  const artifact = await ctx.storeDir('firmware-src', dir);
  const ratio = c.plan.arenaBytes / Math.max(1, c.plan.lowerBoundBytes);
  return {
    artifacts: [artifact],
    metrics: {
      arenaBytes: c.plan.arenaBytes,
      arenaLowerBoundBytes: c.plan.lowerBoundBytes,
      weightBytes: packedWeightBytes(model),
      macsPerInference: countMacs(model),
      kernels: variant,
      ...rq.metrics,
      ...(ext ? ext.metrics : {}),
    },
    summary: `${model.ops.length} ops, ${variant} kernels${frontEnd ? ', MFCC front end' : ''}${logmel ? ', log-mel front end' : ''}${ext ? `; ${ext.line}` : ''}; arena ${c.plan.arenaBytes} B (${ratio.toFixed(3)} × lower bound ${c.plan.lowerBoundBytes} B); weights ${(packedWeightBytes(model) / 1024).toFixed(1)} KB${rq.summary}`,
  };
}

export const codegenStage: StageModule<CodegenConfig> = {
  kind,
  version,
  description:
    'Generate plain C for the integer model: const weights, one statically planned arena, no interpreter, no malloc',
  configSchema: codegenConfigSchema,
  usesBoard: true,
  run,
};
