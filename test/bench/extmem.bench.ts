/**
 * TinyOps external-memory partitioning on DS-CNN-L (src/nn/ds-cnn-arch.ts preset, random
 * weights, float-calibrated int8: shapes and MACs are the preset's) for stm32f746zg: the
 * all-in-SRAM arena, then for SRAM budgets from 128 KB down to the smallest that fits, the
 * partition plan and the modelled latency overhead vs all in SRAM (docs/external-memory.md;
 * issue 13 target ≤ 30 %). At a 32 KB budget (under a third of the SRAM need) the firmware runs in
 * QEMU on 3 vectors: bit-exact against the host reference, the board's DMA transfer count
 * against the plan, and the instruction counts. Prints one JSON line.
 *
 *   node dist/test/bench/extmem.bench.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { findBoard } from '../../src/boards/registry';
import { kernelSources, scratchFor } from '../../src/codegen/kernel-variants';
import { planModelPartitions } from '../../src/codegen/external-memory-plan';
import { planModelMemory } from '../../src/codegen/model-c';
import { PartitionDoesNotFitError } from '../../src/codegen/partition-plan';
import { buildFirmware, FIRMWARE_DIR, runOnQemu } from '../../src/deploy';
import { DS_CNN_PRESETS } from '../../src/nn/ds-cnn-arch';
import { quantizeFloatGraph } from '../../src/quant/quantize-graph';
import { countMacs, packedWeightBytes, tensorBytes } from '../../src/quant/int-model';
import { Prng } from '../../src/util/prng';
import { EXTMEM_RUNTIME, referenceVectors, writePartitionedSources } from '../helpers/extmem-firmware';
import { floatRanges, LABELS, randomFeatures, randomModel } from '../helpers/random-model';

const KB = 1024;

async function main(): Promise<void> {
  const board = findBoard('stm32f746zg')!;
  const float = randomModel('extmem-bench', DS_CNN_PRESETS['ds-cnn-l']);
  const calib = randomFeatures(Prng.derive('extmem-bench-calib'), 8);
  const model = quantizeFloatGraph(float.graph, floatRanges(float.graph, calib, 8), {
    labels: LABELS,
    frontEndScale: 1 / 32,
    bitsFor: () => 8,
  });
  const scratch = scratchFor('dsp');
  const sramArena = planModelMemory(model, { scratchBytes: scratch }).arenaBytes;
  const budgets: Array<Record<string, unknown>> = [];
  for (const budget of [128 * KB, 64 * KB, 48 * KB, 32 * KB, 28 * KB, 16 * KB]) {
    try {
      const { plan, latency } = planModelPartitions(
        model,
        { sramBudgetBytes: budget, weightsExternal: false, scratch },
        board,
      );
      if (plan.mode !== 'external' || !latency) continue;
      budgets.push({
        budgetBytes: budget,
        sramNeedOverBudget: Number((sramArena / budget).toFixed(2)),
        fastBytes: plan.fastBytes,
        externalArenaBytes: plan.arenaBytes,
        parts: plan.parts,
        transfers: plan.transfers,
        bytesMoved: plan.bytesIn + plan.bytesOut,
        sramOnlyMs: Number(latency.sramOnlyMs.toFixed(2)),
        partitionedMs: Number(latency.partitionedMs.toFixed(2)),
        modelledOverhead: Number(latency.modelledOverhead.toFixed(4)),
        serialOverhead: Number(latency.serialOverhead.toFixed(4)),
      });
    } catch (e) {
      if (!(e instanceof PartitionDoesNotFitError)) throw e;
      budgets.push({ budgetBytes: budget, fits: false, message: e.message });
    }
  }
  // External weights too (QSPI flash, 54 MB/s): the weights are fetched per part.
  const w = planModelPartitions(model, { sramBudgetBytes: 64 * KB, weightsExternal: true, scratch }, board);

  // 32 KB budget in QEMU.
  const { plan } = planModelPartitions(model, { sramBudgetBytes: 32 * KB, weightsExternal: false, scratch }, board);
  if (plan.mode !== 'external') throw new Error('expected an external plan at 32 KB');
  const { dir } = writePartitionedSources(model, plan);
  const build = await buildFirmware({
    board: board.name,
    sources: [
      path.join(dir, 'tops_model.c'),
      path.join(FIRMWARE_DIR, 'harness', 'tops_model_main.c'),
      EXTMEM_RUNTIME,
      ...kernelSources('dsp'),
    ],
    includeDirs: [dir],
    outDir: path.join(dir, 'build'),
    stackBytes: 8192,
  });
  const count = 3;
  const { inputs, expected } = referenceVectors(model, 'extmem-bench-x', count);
  fs.writeFileSync(path.join(dir, 'vectors.bin'), Buffer.from(inputs.buffer));
  const run = await runOnQemu({ board: board.name, elfPath: build.elfPath, workDir: dir, timeoutMs: 600_000 });
  const outputs = new Int8Array(fs.readFileSync(path.join(dir, 'outputs.bin')));
  const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
  const bitExact = run.exitCode === 0 && expected.every((e, i) => e.every((v, k) => v === outputs[i * outBytes + k]));
  const m = /extmem transfers (\d+) bytes (\d+) overlapped (\d+) kernels (\d+)/.exec(run.stdout);
  const invokes = run.markerCounts.length >= 2 ? run.markerCounts[3]! - run.markerCounts[2]! : undefined;
  console.log(
    JSON.stringify({
      bench: 'extmem',
      board: board.name,
      model: 'ds-cnn-l (random weights, int8)',
      macs: countMacs(model),
      weightBytes: packedWeightBytes(model),
      sramArenaBytes: sramArena,
      boardSramBytes: board.sramBytes,
      budgets,
      externalWeights64K:
        w.plan.mode === 'external' && w.latency
          ? {
              transfers: w.plan.transfers,
              fastBytes: w.plan.fastBytes,
              modelledOverhead: Number(w.latency.modelledOverhead.toFixed(4)),
            }
          : null,
      qemu32K: {
        bitExact,
        vectors: count,
        fastBytes: plan.fastBytes,
        staticSramBytes: build.staticSramBytes,
        plannedTransfers: plan.transfers,
        boardTransfersPerInference: m ? Number(m[1]) / count : null,
        overlappedPerInference: m ? Number(m[3]) / count : null,
        instructionsPerInference: invokes ?? null,
      },
    }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
