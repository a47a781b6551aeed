import * as path from 'node:path';
import { architectureCosts } from '../../src/dnas/arch-costs';
import { loadSamples, type Sample } from '../../src/dnas/calibrate-costs';
import { dnasConfigSchema } from '../../src/dnas/dnas-config';
import { runSearch } from '../../src/dnas/search';
import { findBoard } from '../../src/boards/registry';
import type { DsCnnArchitecture } from '../../src/nn/ds-cnn-arch';
import { loadTf } from '../../src/nn/tf';
import { trainConfigSchema } from '../../src/nn/train-config';
import { trainModel } from '../../src/nn/train-loop';
import type { IntModel } from '../../src/quant/int-model';
import { Prng } from '../../src/util/prng';
import { syntheticData } from '../unit/nn/synthetic-data';

/**
 * DNAS benchmark (on demand: `node dist/test/bench/dnas.bench.js [store]` after the build).
 * Prints one JSON line:
 * - `searchCost`: seconds per epoch of the search (pipelines/kws-dnas.yaml's search space,
 *   architecture phase) and of DS-CNN-S training on the same synthetic 49×10 data, and the
 *   ratio of a whole default search (kws-dnas.yaml: 12 epochs) to a whole default DS-CNN-S
 *   training (kws.yaml: 30 epochs) — issue #12's target is ≤ 3;
 * - `estimator`: for every deploy run in the store (default .tinyops/store), predicted
 *   (src/dnas/arch-costs.ts) vs measured flash, SRAM and latency, and their relative errors.
 *   The constants were fitted on such runs (calibrate-costs.ts), so runs that were part of the
 *   fit are in-sample; deploy runs made after the fit are the honest check.
 *
 * Environment: TINYOPS_BENCH_SAMPLES (examples per epoch, default 2000).
 */

const INPUT: [number, number] = [49, 10];
const CLASSES = 12;

function log(msg: string): void {
  process.stderr.write(`[dnas] ${msg}\n`);
}

/** The plain DS-CNN an int model was quantized from, or undefined (residual adds are not modelled). */
function archOf(model: IntModel): DsCnnArchitecture | undefined {
  if (model.ops.some((o) => o.kind === 'add')) return undefined;
  const convs = model.ops.filter((o) => o.kind === 'conv2d' || o.kind === 'depthwise_conv2d');
  const first = convs[0];
  if (first === undefined || first.kind !== 'conv2d') return undefined;
  const blocks = [];
  for (let i = 1; i + 1 < convs.length; i += 2) {
    const dw = convs[i]!;
    const pw = convs[i + 1]!;
    if (dw.kind !== 'depthwise_conv2d' || pw.kind !== 'conv2d') return undefined;
    blocks.push({ filters: pw.filterShape[0], stride: [dw.stride[0], dw.stride[1]] as const });
  }
  return {
    firstConv: { filters: first.filterShape[0], kernel: [first.filterShape[1], first.filterShape[2]], stride: [first.stride[0], first.stride[1]] },
    blocks,
    skip: false,
    dropout: 0.2,
    batchNorm: { momentum: 0.9, epsilon: 0.001 },
  };
}

function estimatorErrors(samples: readonly Sample[]) {
  const tf = loadTf();
  const err = (p: number, m: number) => Number(((p - m) / m).toFixed(4));
  return samples.flatMap((s) => {
    const arch = archOf(s.model);
    const board = findBoard((s.board as unknown as { board: string }).board);
    if (arch === undefined || board === undefined) return [];
    const input = s.model.tensors.find((t) => t.name === s.model.input)!.shape;
    const labels = s.model.tensors.find((t) => t.name === s.model.output)!.shape[2];
    const p = architectureCosts(tf, arch, { inputShape: [input[0], input[1]], numClasses: labels, core: board.core, clockHz: board.clockHz });
    const m = s.board as unknown as { flashBytes: number; sramBytes: number; estimatedLatencyMs: number };
    return [{
      run: s.run, board: board.name,
      predicted: { flashBytes: p.flashBytes, sramBytes: p.sramBytes, latencyMs: Number(p.latencyMs.toFixed(3)) },
      measured: { flashBytes: m.flashBytes, sramBytes: m.sramBytes, latencyMs: Number(m.estimatedLatencyMs.toFixed(3)) },
      error: { flash: err(p.flashBytes, m.flashBytes), sram: err(p.sramBytes, m.sramBytes), latency: err(p.latencyMs, m.estimatedLatencyMs) },
    }];
  });
}

async function searchCost(samples: number) {
  const data = syntheticData({ n: samples, nVal: 200, shape: INPUT, numClasses: CLASSES, seed: 1 });
  const train = trainConfigSchema.parse({ epochs: 2, architecture: { batchNorm: { momentum: 0.9 } } });
  log(`DS-CNN-S: 2 epochs of ${samples}`);
  let t = process.hrtime.bigint();
  const r = await trainModel(data, train, { rng: Prng.derive('bench-train') });
  r.model.dispose();
  const trainEpoch = Number(process.hrtime.bigint() - t) / 1e9 / 2;
  const config = dnasConfigSchema.parse({
    searchSpace: { firstConv: { widths: [16, 32, 48, 64, 96] }, blocks: { depth: 5, widths: [16, 32, 48, 64, 96] } },
    epochs: 2,
    warmupEpochs: 0,
    latencyMs: 50,
  });
  const board = findBoard('stm32f446re')!;
  log(`search: 2 epochs of ${samples}`);
  t = process.hrtime.bigint();
  await runSearch(data, config, { core: board.core, clockHz: board.clockHz }, { flashBytes: 471_859, sramBytes: 117_964, latencyMs: 50 }, { rng: Prng.derive('bench-dnas') });
  const searchEpoch = Number(process.hrtime.bigint() - t) / 1e9 / 2;
  return {
    samplesPerEpoch: samples,
    secondsPerEpoch: { search: Number(searchEpoch.toFixed(2)), dsCnnS: Number(trainEpoch.toFixed(2)) },
    perEpochRatio: Number((searchEpoch / trainEpoch).toFixed(3)),
    wholeSearchVsTraining: Number(((12 * searchEpoch) / (30 * trainEpoch)).toFixed(3)),
  };
}

async function main(): Promise<void> {
  const store = process.argv[2] ?? path.join('.tinyops', 'store');
  const samples = Number(process.env.TINYOPS_BENCH_SAMPLES ?? 2000);
  const estimator = estimatorErrors(loadSamples(store));
  const cost = await searchCost(samples);
  process.stdout.write(JSON.stringify({ bench: 'dnas', searchCost: cost, estimator }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
