import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
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
 * - `pipelineRuns`: for every run in the store with a `dnas` stage (e.g. the board profiles
 *   pipelines/kws-dnas-{f446,f746,f767}.yaml), the found architecture, the search's seconds
 *   against the newest DS-CNN-S training of the same store (`train` stage of a run whose
 *   architecture is DS-CNN-S, 40 epochs: the ratio issue #12 bounds by 3), and the dnas
 *   stage's predicted flash / SRAM / latency against the same run's deploy measurement —
 *   the out-of-sample estimator error (docs/results/2026-12-04-dnas-full-size.md).
 *
 * Arguments: [store] [run-id prefix …] (prefixes restrict `estimator` to those deploy runs,
 * e.g. the ones made since the last kernel change). Environment: TINYOPS_BENCH_SAMPLES
 * (examples per epoch, default 2000; 0 skips the synthetic `searchCost`);
 * TINYOPS_BENCH_DSCNNS_CPU_SEC (CPU seconds of a 40-epoch DS-CNN-S training, for
 * `searchCpuVsDsCnnSTrainingCpu`; docs/results/2026-12-04-dnas-current-firmware.md).
 */

const INPUT: [number, number] = [49, 10];
const CLASSES = 12;

function log(msg: string): void {
  process.stderr.write(`[dnas] ${msg}\n`);
}

/** The plain DS-CNN an int model was quantized from, or undefined (residual adds are not modelled). */
function archOf(model: IntModel): DsCnnArchitecture | undefined {
  if (model.ops.some((o) => o.kind === 'add')) return undefined;
  // The cost model prices int8 weights; sub-byte hybrids (train-4bit) are not in the search space.
  if (
    model.ops.some(
      (o) =>
        (o.kind === 'conv2d' || o.kind === 'depthwise_conv2d' || o.kind === 'fully_connected') && o.weightBits !== 8,
    )
  )
    return undefined;
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
    firstConv: {
      filters: first.filterShape[0],
      kernel: [first.filterShape[1], first.filterShape[2]],
      stride: [first.stride[0], first.stride[1]],
    },
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
    const p = architectureCosts(tf, arch, {
      inputShape: [input[0], input[1]],
      numClasses: labels,
      core: board.core,
      clockHz: board.clockHz,
    });
    const m = s.board as unknown as { flashBytes: number; sramBytes: number; estimatedLatencyMs: number };
    return [
      {
        run: s.run,
        board: board.name,
        predicted: { flashBytes: p.flashBytes, sramBytes: p.sramBytes, latencyMs: Number(p.latencyMs.toFixed(3)) },
        measured: {
          flashBytes: m.flashBytes,
          sramBytes: m.sramBytes,
          latencyMs: Number(m.estimatedLatencyMs.toFixed(3)),
        },
        error: {
          flash: err(p.flashBytes, m.flashBytes),
          sram: err(p.sramBytes, m.sramBytes),
          latency: err(p.latencyMs, m.estimatedLatencyMs),
        },
      },
    ];
  });
}

const runRecordSchema = z.object({
  runId: z.string(),
  pipeline: z.object({
    name: z.string(),
    stages: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        needs: z.array(z.string()).default([]),
        config: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
  }),
  stages: z.record(
    z.string(),
    z.object({
      kind: z.string(),
      status: z.string(),
      durationMs: z.number().optional(),
      metrics: z.record(z.string(), z.unknown()).optional(),
      summary: z.string().optional(),
    }),
  ),
});
type RunRecord = z.infer<typeof runRecordSchema>;

function readRuns(store: string): RunRecord[] {
  const dir = path.join(store, 'runs');
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const r = runRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
      return r.success ? [r.data] : [];
    });
}

const num = (m: Record<string, unknown> | undefined, k: string): number | undefined =>
  typeof m?.[k] === 'number' ? m[k] : undefined;

/** Search seconds, found architecture and predicted-vs-deployed costs of every pipeline run with a dnas stage. */
function dnasPipelineRuns(store: string) {
  const runs = readRuns(store);
  // The reference: the newest 40-epoch DS-CNN-S training that ran (not a cache hit) in this store.
  const reference = runs
    .filter((r) => {
      const spec = r.pipeline.stages.find((s) => s.name === 'train');
      const st = r.stages.train;
      // A train that needs a dnas stage trains the found architecture whatever its own `architecture:` says.
      const fromDnas = spec?.needs.some((n) => r.pipeline.stages.find((s) => s.name === n)?.kind === 'dnas') ?? false;
      return (
        !fromDnas && spec?.config?.architecture === 'ds-cnn-s' && spec.config.epochs === 40 && st?.status === 'ran'
      );
    })
    .at(-1);
  const referenceSeconds =
    reference?.stages.train?.durationMs === undefined ? undefined : reference.stages.train.durationMs / 1000;
  const referenceCpuSeconds =
    process.env.TINYOPS_BENCH_DSCNNS_CPU_SEC === undefined
      ? undefined
      : Number(process.env.TINYOPS_BENCH_DSCNNS_CPU_SEC);
  const rel = (p: number | undefined, m: number | undefined) =>
    p === undefined || m === undefined ? undefined : Number(((p - m) / m).toFixed(4));
  return runs.flatMap((r) => {
    const dnas = Object.values(r.stages).find((s) => s.kind === 'dnas' && s.status === 'ran');
    const deploy = Object.values(r.stages).find((s) => s.kind === 'deploy');
    const evaluate = Object.values(r.stages).find((s) => s.kind === 'evaluate');
    if (dnas === undefined) return [];
    const d = dnas.metrics;
    const m = deploy?.metrics;
    const searchSeconds = num(d, 'searchSeconds');
    const searchCpuSeconds = num(d, 'cpuSec.search');
    return [
      {
        run: r.runId,
        pipeline: r.pipeline.name,
        found: dnas.summary,
        searchSeconds,
        dnasStageSeconds: dnas.durationMs === undefined ? undefined : Math.round(dnas.durationMs / 1000),
        dsCnnSTrainingSeconds: referenceSeconds === undefined ? undefined : Math.round(referenceSeconds),
        dsCnnSTrainingRun: reference?.runId,
        searchVsDsCnnSTraining:
          searchSeconds === undefined || referenceSeconds === undefined
            ? undefined
            : Number((searchSeconds / referenceSeconds).toFixed(3)),
        // Load-independent: the search's CPU seconds (dnas v5+) against the DS-CNN-S training's,
        // measured with /usr/bin/time around a run where only `train` ran (the train stage does
        // not record its CPU): TINYOPS_BENCH_DSCNNS_CPU_SEC.
        searchCpuSeconds,
        searchClips: num(d, 'searchClips'),
        searchCpuVsDsCnnSTrainingCpu:
          searchCpuSeconds === undefined || referenceCpuSeconds === undefined
            ? undefined
            : Number((searchCpuSeconds / referenceCpuSeconds).toFixed(3)),
        predicted: {
          flashBytes: num(d, 'predictedFlashBytes'),
          sramBytes: num(d, 'predictedSramBytes'),
          latencyMs: num(d, 'predictedLatencyMs'),
          instructions: num(d, 'predictedInstructions'),
        },
        measured: {
          flashBytes: num(m, 'flashBytes'),
          sramBytes: num(m, 'sramBytes'),
          latencyMs: num(m, 'estimatedLatencyMs'),
          instructions: num(m, 'instructionsPerInference'),
        },
        error: {
          flash: rel(num(d, 'predictedFlashBytes'), num(m, 'flashBytes')),
          sram: rel(num(d, 'predictedSramBytes'), num(m, 'sramBytes')),
          latency: rel(num(d, 'predictedLatencyMs'), num(m, 'estimatedLatencyMs')),
        },
        heldOutVoiceAccuracy: num(evaluate?.metrics, 'heldOutVoiceAccuracy'),
        heldOutSourceAccuracy: num(evaluate?.metrics, 'heldOutSourceAccuracy'),
      },
    ];
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
  await runSearch(
    data,
    config,
    { core: board.core, clockHz: board.clockHz },
    { flashBytes: 471_859, sramBytes: 117_964, latencyMs: 50 },
    { rng: Prng.derive('bench-dnas') },
  );
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
  const estimator = estimatorErrors(loadSamples(store, process.argv.slice(3)));
  const pipelineRuns = dnasPipelineRuns(store);
  const cost = samples > 0 ? await searchCost(samples) : undefined;
  process.stdout.write(JSON.stringify({ bench: 'dnas', searchCost: cost, estimator, pipelineRuns }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
