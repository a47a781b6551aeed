import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  buildFirmware,
  countsBetween,
  estimateLatency,
  ExecutionCounts,
  FIRMWARE_DIR,
  runOnQemu,
} from '../../src/deploy';
import { KernelVariant, kernelSources } from '../helpers/firmware-build';

/**
 * int8 kernel benchmark (on demand: `node dist/test/bench/kernels.bench.js`): builds
 * firmware/test/bench_tops_kernels.c with the ref and the dsp kernels for a Cortex-M4 and a
 * Cortex-M7 board, runs each in QEMU with the instruction-count plugin, and prints one JSON
 * object: instructions per MAC for each DS-CNN-S layer kind (exact counts between tops_mark()
 * calls), the whole int8 DS-CNN-S (conv + 4 × (depthwise + pointwise) + FC) and the CPI-model
 * latency. Both variants must produce the same output checksums, or the bench fails.
 */

const LAYERS = [
  // MACs = output elements × taps per output (padding taps included, as MAC counts usually are).
  { name: 'conv2d', macs: 25 * 5 * 64 * 10 * 4, perModel: 1 },
  { name: 'depthwise_conv2d', macs: 25 * 5 * 64 * 3 * 3, perModel: 4 },
  { name: 'pointwise_conv2d', macs: 25 * 5 * 64 * 64, perModel: 4 },
  { name: 'fully_connected', macs: 64 * 12, perModel: 1 },
] as const;

const BOARDS = ['stm32f446re', 'stm32f746zg'] as const;
const TARGET_INSNS_PER_MAC = 1.5; // issue 13: the int8 invoke on the M4 (was 2.0)

interface LayerResult {
  readonly instructions: number;
  readonly insnsPerMac: number;
  readonly checksum: string;
  readonly counts: ExecutionCounts;
}

async function measure(board: string, variant: KernelVariant, dir: string): Promise<Record<string, LayerResult>> {
  const build = await buildFirmware({
    board,
    sources: [path.join(FIRMWARE_DIR, 'test', 'bench_tops_kernels.c'), ...kernelSources(variant)],
    outDir: path.join(dir, `${board}-${variant}`),
  });
  const run = await runOnQemu({
    board,
    elfPath: build.elfPath,
    workDir: path.dirname(build.elfPath),
    timeoutMs: 120_000,
  });
  if (run.exitCode !== 0)
    throw new Error(`${variant} bench on ${board} exited ${run.exitCode}:\n${run.stdout}${run.stderr}`);
  const hits = run.markerHits;
  if (hits.length !== 2 * LAYERS.length)
    throw new Error(`expected ${2 * LAYERS.length} marker hits, got ${hits.length}`);
  const out: Record<string, LayerResult> = {};
  LAYERS.forEach((layer, i) => {
    const m = new RegExp(`^LAYER ${layer.name} status=(-?\\d+) checksum=(\\d+)$`, 'm').exec(run.stdout);
    if (!m || m[1] !== '0')
      throw new Error(`${variant} ${layer.name} on ${board}: ${m ? `status ${m[1]}` : 'no LAYER line'}\n${run.stdout}`);
    const counts = countsBetween(
      (hits[2 * i] as { counts: ExecutionCounts }).counts,
      (hits[2 * i + 1] as { counts: ExecutionCounts }).counts,
    );
    out[layer.name] = {
      instructions: counts.instructions,
      insnsPerMac: round(counts.instructions / layer.macs),
      checksum: m[2] as string,
      counts,
    };
  });
  return out;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

function sumCounts(parts: readonly [ExecutionCounts, number][]): ExecutionCounts {
  const z = { instructions: 0, memReads: 0, memWrites: 0, blocks: 0 };
  for (const [c, k] of parts) {
    z.instructions += c.instructions * k;
    z.memReads += c.memReads * k;
    z.memWrites += c.memWrites * k;
    z.blocks += c.blocks * k;
  }
  return z;
}

export async function runKernelsBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tops-kbench-'));
  try {
    const result: Record<string, unknown> = {
      bench: 'kernels',
      macsPerInference: LAYERS.reduce((s, l) => s + l.macs * l.perModel, 0),
    };
    for (const board of BOARDS) {
      const perVariant: Record<string, unknown> = {};
      const byVariant: Partial<Record<KernelVariant, Record<string, LayerResult>>> = {};
      for (const variant of ['ref', 'dsp'] as const) {
        process.stderr.write(`[kernels.bench] ${board} ${variant}\n`);
        const layers = await measure(board, variant, dir);
        byVariant[variant] = layers;
        const model = sumCounts(LAYERS.map((l) => [(layers[l.name] as LayerResult).counts, l.perModel]));
        const macs = result.macsPerInference as number;
        const latency = estimateLatency(board, model);
        perVariant[variant] = {
          layers: Object.fromEntries(
            LAYERS.map((l) => [
              l.name,
              {
                insnsPerMac: (layers[l.name] as LayerResult).insnsPerMac,
                instructions: (layers[l.name] as LayerResult).instructions,
              },
            ]),
          ),
          dsCnnS: {
            instructions: model.instructions,
            insnsPerMac: round(model.instructions / macs),
            estimatedMs: round(latency.ms, 2),
            cycles: latency.cycles,
            model: latency.model,
          },
        };
      }
      for (const l of LAYERS) {
        if (byVariant.ref?.[l.name]?.checksum !== byVariant.dsp?.[l.name]?.checksum) {
          throw new Error(
            `${board} ${l.name}: ref and dsp outputs differ (checksums ${byVariant.ref?.[l.name]?.checksum} vs ${byVariant.dsp?.[l.name]?.checksum})`,
          );
        }
      }
      const ref = perVariant.ref as { dsCnnS: { instructions: number } };
      const dsp = perVariant.dsp as { dsCnnS: { instructions: number; insnsPerMac: number } };
      result[board] = {
        ...perVariant,
        dspSpeedup: round(ref.dsCnnS.instructions / dsp.dsCnnS.instructions, 2),
        dspMeetsTarget: dsp.dsCnnS.insnsPerMac <= TARGET_INSNS_PER_MAC,
      };
    }
    result.targetInsnsPerMac = TARGET_INSNS_PER_MAC;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runKernelsBench().then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
