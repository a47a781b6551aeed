/**
 * int8 vs the 4-bit hybrid deployed (issue #13 targets: hybrid model flash ≤ 0.65× int8,
 * ≤ 2.5 instructions/MAC on the sub-byte layers): a DS-CNN-S (MicroNets §4, 49×10 MFCC input)
 * with seeded random weights, quantized twice — all int8, and depthwise + pointwise weights
 * 4-bit (the pipelines/kws.yaml `train-4bit` bits) — each through codegen's C and the deploy
 * harness (firmware/harness/tops_model_main.c) on a board, bit-exact against the host integer
 * reference on seeded random inputs, instructions per op from the QEMU plugin's markers.
 * Model flash as the deploy stage counts it (generated model + kernels, src/deploy/firmware-breakdown.ts).
 * Sizes and instruction counts depend on shapes and bit widths, not on trained weight values.
 * Each model also runs with the requantization tables built in scratch per kernel call instead of
 * precomputed in flash (codegen `requantTables`), to count what the flash tables save.
 *
 *   node dist/test/bench/hybrid-deploy.bench.js [board ...]     (default stm32f446re stm32f746zg)
 *
 * Prints one JSON line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kernelVariantFor } from '../../activities/codegen';
import { kernelSources, scratchFor } from '../../src/codegen/kernel-variants';
import { emitModelC } from '../../src/codegen/model-c';
import { compactScratchExtraBytes, opCompactRequant, opFastRequantTable } from '../../src/codegen/requant-tables';
import { buildFirmware, countsBetween, firmwareBreakdown, runOnQemu } from '../../src/deploy';
import { FIRMWARE_DIR } from '../../src/deploy/firmware-paths';
import { runIntModel } from '../../src/nn/int-reference';
import { saveModelArtifacts, loadModelArtifacts } from '../../src/nn/model-artifacts';
import { calibrateRanges } from '../../src/quant/calibrate';
import { readFloatGraph, weightsByName, type WeightSpec } from '../../src/quant/float-graph';
import {
  countMacs,
  opMacs,
  packedWeightBytes,
  tensorByName,
  tensorBytes,
  type IntModel,
} from '../../src/quant/int-model';
import { quantizeFloatGraph } from '../../src/quant/quantize-graph';
import { Prng } from '../../src/util/prng';
import { KWS_LABELS, KWS_SHAPE, randomDsCnnS } from './random-ds-cnn-s';

const SHAPE = KWS_SHAPE;
const LABELS = KWS_LABELS;
const VECTORS = 4;
/** The layers pipelines/kws.yaml's train-4bit makes 4-bit. */
const HYBRID = /^block\d+_(dw|pw)$/;

async function models(): Promise<{ int8: IntModel; hybrid: IntModel }> {
  const net = randomDsCnnS('hybrid-bench');
  const saved = saveModelArtifacts(net.model);
  net.model.dispose();
  const topology = JSON.parse(saved.topology) as { modelTopology: unknown; weightSpecs: WeightSpec[] };
  const graph = readFloatGraph(topology.modelTopology, weightsByName(topology.weightSpecs, saved.weights));
  const p = Prng.derive('hybrid-bench', 'calibration');
  const calibration = Float32Array.from({ length: 64 * SHAPE[0] * SHAPE[1] }, () => p.uniform(-8, 8));
  const model = await loadModelArtifacts(saved);
  try {
    const ranges = await calibrateRanges(
      model,
      graph.input,
      graph.ops.map((o) => o.output),
      calibration,
      SHAPE,
    );
    const q = (bitsFor: (layer: string) => 4 | 8): IntModel =>
      quantizeFloatGraph(graph, ranges, { labels: LABELS, frontEndScale: 1 / 32, bitsFor });
    return { int8: q(() => 8), hybrid: q((l) => (HYBRID.test(l) ? 4 : 8)) };
  } finally {
    model.dispose();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function deployOn(
  board: string,
  model: IntModel,
  name: string,
  work: string,
  form: 'flash' | 'scratch' | 'compact',
): Promise<Record<string, unknown>> {
  const variant = kernelVariantFor(board, 'auto');
  const useTables = form === 'flash' && variant === 'dsp';
  const compact = form === 'compact' && variant === 'dsp';
  const tableScratch = scratchFor(variant, (op) => useTables && opFastRequantTable(model, op) !== undefined);
  const c = emitModelC(model, {
    scratchBytes: compact
      ? (op, m) => tableScratch(op, m) + compactScratchExtraBytes(opCompactRequant(m, op))
      : tableScratch,
    provenance: `hybrid-deploy.bench.ts ${name}`,
    requantTables: useTables,
    compactRequant: compact,
  });
  const dir = path.join(work, `${board}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'tops_model.h'), c.header);
  writeFileSync(path.join(dir, 'tops_model.c'), c.source);
  const fw = await buildFirmware({
    board,
    sources: [
      path.join(dir, 'tops_model.c'),
      path.join(FIRMWARE_DIR, 'harness', 'tops_model_main.c'),
      ...kernelSources(variant),
    ],
    includeDirs: [dir],
    defines: ['TOPS_PROFILE_OPS'],
    outDir: path.join(dir, 'build'),
    optimize: 'O2',
    debugInfo: true,
    elfName: `${name}.elf`,
  });
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const outBytes = tensorBytes(tensorByName(model, model.output));
  const p = Prng.derive('hybrid-bench', 'vectors');
  const inputs = Int8Array.from({ length: VECTORS * inBytes }, () => p.int(-128, 127));
  const runDir = path.join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'vectors.bin'), inputs);
  const r = await runOnQemu({ board, elfPath: fw.elfPath, workDir: runDir, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`${name} on ${board}: exit ${r.exitCode}\n${r.stdout}`);
  const outputs = new Int8Array(readFileSync(path.join(runDir, 'outputs.bin')));
  for (let v = 0; v < VECTORS; v++) {
    const want = runIntModel(model, inputs.subarray(v * inBytes, (v + 1) * inBytes)).get(model.output)!;
    const at = want.findIndex((x, k) => x !== outputs[v * outBytes + k]);
    if (at >= 0)
      throw new Error(
        `${name} on ${board}: vector ${v} output ${at} is ${outputs[v * outBytes + at]}, host ${want[at]}`,
      );
  }
  // Marks per vector: before invoke, after every op, after invoke; vector 0 dumps layers (left out).
  const per = model.ops.length + 2;
  const hits = r.markerHits.map((h) => h.counts);
  const opInstr = model.ops.map((_, i) =>
    median(
      Array.from(
        { length: VECTORS - 1 },
        (_, k) => countsBetween(hits[(k + 1) * per + i]!, hits[(k + 1) * per + i + 1]!).instructions,
      ),
    ),
  );
  const invoke = median(
    Array.from(
      { length: VECTORS - 1 },
      (_, k) => countsBetween(hits[(k + 1) * per]!, hits[(k + 1) * per + per - 1]!).instructions,
    ),
  );
  const parts = await firmwareBreakdown(fw, [
    [dir, 'model'],
    [path.join(FIRMWARE_DIR, 'kernels'), 'kernels'],
    [FIRMWARE_DIR, 'harness'],
  ]);
  const macs = countMacs(model);
  const byKind = (
    pred: (bits: number, kind: string) => boolean,
  ): { macs: number; instructions: number; perMac: number } => {
    let m = 0;
    let n = 0;
    model.ops.forEach((op, i) => {
      if (pred('weightBits' in op ? op.weightBits : 8, op.kind)) {
        m += opMacs(model, op);
        n += opInstr[i]!;
      }
    });
    return { macs: m, instructions: n, perMac: +(n / Math.max(1, m)).toFixed(3) };
  };
  return {
    kernels: variant,
    requantTables: compact ? 'compact' : useTables ? 'flash' : 'scratch',
    weightBytes: packedWeightBytes(model),
    modelFlashBytes: parts.model.flashBytes + parts.kernels.flashBytes,
    modelDataFlashBytes: parts.model.flashBytes,
    kernelFlashBytes: parts.kernels.flashBytes,
    arenaBytes: c.plan.arenaBytes,
    macsPerInference: macs,
    instructionsPerInference: invoke,
    instructionsPerMac: +(invoke / macs).toFixed(3),
    subByteLayers: byKind((bits) => bits < 8),
    depthwise: byKind((_, kind) => kind === 'depthwise_conv2d'),
    pointwise: byKind((_, kind) => kind === 'conv2d'),
    ops: model.ops.map((op, i) => ({
      name: op.name,
      bits: 'weightBits' in op ? op.weightBits : 8,
      instructions: opInstr[i],
      perMac: opMacs(model, op) > 0 ? +(opInstr[i]! / opMacs(model, op)).toFixed(3) : null,
    })),
  };
}

async function main(): Promise<void> {
  const boards = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['stm32f446re', 'stm32f746zg'];
  const { int8, hybrid } = await models();
  const work = mkdtempSync(path.join(tmpdir(), 'hybrid-bench-'));
  try {
    const results: Record<string, unknown> = {};
    for (const board of boards) {
      const a = await deployOn(board, int8, 'int8', work, 'flash');
      const b = await deployOn(board, hybrid, 'hybrid', work, 'flash');
      // The same models with the requantization tables built in scratch per kernel call (codegen requantTables: scratch).
      const a0 = await deployOn(board, int8, 'int8-scratch', work, 'scratch');
      const b0 = await deployOn(board, hybrid, 'hybrid-scratch', work, 'scratch');
      // The hybrid as pipelines/kws.yaml deploys it: compact per-channel parameters (requantTables: compact).
      const bc = await deployOn(board, hybrid, 'hybrid-compact', work, 'compact');
      const saved = (x: Record<string, unknown>, y: Record<string, unknown>): Record<string, number> => ({
        arenaBytes: (y.arenaBytes as number) - (x.arenaBytes as number),
        instructionsPerInference: (y.instructionsPerInference as number) - (x.instructionsPerInference as number),
        modelFlashCostBytes: (x.modelFlashBytes as number) - (y.modelFlashBytes as number),
      });
      results[board] = {
        int8: a,
        hybrid: b,
        hybridCompact: bc,
        requantTablesInFlashSave: { int8: saved(a, a0), hybrid: saved(b, b0) },
        hybridVsInt8: {
          modelFlash: +((b.modelFlashBytes as number) / (a.modelFlashBytes as number)).toFixed(3),
          weightBytes: +((b.weightBytes as number) / (a.weightBytes as number)).toFixed(3),
          instructions: +((b.instructionsPerInference as number) / (a.instructionsPerInference as number)).toFixed(3),
        },
        hybridCompactVsInt8: {
          modelFlash: +((bc.modelFlashBytes as number) / (a.modelFlashBytes as number)).toFixed(3),
          instructions: +((bc.instructionsPerInference as number) / (a.instructionsPerInference as number)).toFixed(3),
        },
      };
    }
    process.stdout.write(
      `${JSON.stringify({ bench: 'hybrid-deploy', model: 'ds-cnn-s, seeded random weights, 4-bit depthwise + pointwise', vectors: VECTORS, bitExact: true, results })}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
