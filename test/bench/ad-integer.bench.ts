import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantizeStage } from '../../activities/quantize';
import { writeFeatureTensor } from '../../src/dsp/feature-tensor';
import { integerOutputs, integerOutputsHost } from '../../src/eval/integer-posteriors';
import { DS_CNN_PRESETS } from '../../src/nn/ds-cnn-arch';
import { buildDsCnn } from '../../src/nn/ds-cnn';
import { MODEL_TOPOLOGY_FILE, MODEL_WEIGHTS_FILE, saveModelArtifacts } from '../../src/nn/model-artifacts';
import { decodeIntModel } from '../../src/quant/int-model';
import { HostIntModel } from '../../src/nn/host-int-model';
import type { ArtifactRef } from '../../src/store/artifact-store';
import { Prng } from '../../src/util/prng';

/**
 * The anomaly-detection integer pass (on demand: `node dist/test/bench/ad-integer.bench.js`):
 * ad.yaml's DS-CNN-S on 32×32 log-mel patches, 16 machine IDs, quantized by the quantize stage,
 * run over test patches by the TypeScript integer reference and by the generated C built with
 * the host gcc (src/nn/host-int-model.ts, what quantize and evaluate-ad use). Prints patches per
 * second of both, their ratio, and whether every output and pooled code is equal.
 * Random weights and inputs: the cost does not depend on the values.
 */
async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ad-integer-bench-'));
  try {
    const labels = Array.from({ length: 16 }, (_, i) => `fan/id_${String(i).padStart(2, '0')}`);
    const net = buildDsCnn(DS_CNN_PRESETS['ds-cnn-s'], {
      inputShape: [32, 32],
      numClasses: 16,
      initRng: Prng.derive('ad-bench'),
    });
    const modelDir = join(root, 'model');
    mkdirSync(modelDir);
    const art = saveModelArtifacts(net.model);
    writeFileSync(join(modelDir, MODEL_TOPOLOGY_FILE), art.topology);
    writeFileSync(join(modelDir, MODEL_WEIGHTS_FILE), art.weights);
    net.model.dispose();
    const frontEnd = { type: 'logmel', implementation: 'fixed', downsample: 2 };
    const rng = Prng.derive('ad-bench-data');
    const n = 400;
    const files: Record<string, string> = {};
    for (const split of ['train', 'test']) {
      const clips = Array.from({ length: n }, (_, i) => `${labels[i % 16]}/normal/${split}_${i}.wav`);
      files[split] = join(root, `${split}.topsfeat`);
      writeFeatureTensor(
        files[split]!,
        { shape: [n, 32, 32], split, labels, frontEnd, labelIndex: clips.map((_, i) => i % 16), clips },
        Float32Array.from({ length: n * 1024 }, () => Math.round(rng.normal() * 32) / 32),
      );
    }
    const ref = (name: string): ArtifactRef => ({
      name,
      mediaType: 'x',
      sha256: name.padEnd(64, '0'),
      bytes: 1,
      uri: `file://${name}`,
    });
    const intFile = join(root, 'int-model.json');
    await quantizeStage.run({
      pipelineName: 'bench',
      stageName: 'quantize',
      runId: 'r',
      seed: 1,
      config: quantizeStage.configSchema.parse({ calibrationSamples: 200 }),
      inputs: {
        features: { artifacts: [ref('train'), ref('test')], metrics: {} },
        train: { artifacts: [ref('model')], metrics: {} },
      },
      workDir: root,
      rng: (...p: Array<string | number>) => Prng.derive(1, ...p),
      progress: () => undefined,
      loadCheckpoint: async () => undefined,
      saveCheckpoint: async () => undefined,
      storeFile: async (name: string, path: string) => {
        writeFileSync(intFile, readFileSync(path));
        return ref(name);
      },
      storeDir: async () => ref('x'),
      storeJson: async (name: string) => ref(name),
      fetchFile: async (r: ArtifactRef) => files[r.name]!,
      fetchDir: async () => modelDir,
      log: () => undefined,
    } as unknown as Parameters<typeof quantizeStage.run>[0]);
    const model = decodeIntModel(readFileSync(intFile, 'utf8'));
    const test = Float32Array.from({ length: n * 1024 }, () => Math.round(rng.normal() * 32) / 32);
    const tsN = 100;
    let t0 = performance.now();
    const ts = await integerOutputs(model, test.subarray(0, tsN * 1024), tsN);
    const tsSec = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const c = await integerOutputsHost(model, test, n);
    const cSec = (performance.now() - t0) / 1000;
    // The gcc build alone (integerOutputsHost builds once per call).
    t0 = performance.now();
    (await HostIntModel.build(model)).dispose();
    const buildSec = (performance.now() - t0) / 1000;
    const equal = ts.posteriors.every((v, i) => v === c.posteriors[i]) && ts.pooled.every((v, i) => v === c.pooled[i]);
    const tsRate = tsN / tsSec;
    const cRate = n / Math.max(1e-3, cSec - buildSec);
    process.stdout.write(
      JSON.stringify({
        bench: 'ad-integer',
        model: 'ds-cnn-s 32x32, 16 classes',
        typescriptPatchesPerSec: Number(tsRate.toFixed(1)),
        hostCPatchesPerSec: Number(cRate.toFixed(1)),
        hostCTotalSec: Number(cSec.toFixed(2)),
        hostCBuildSec: Number(buildSec.toFixed(2)),
        loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)),
        speedup: Number((cRate / tsRate).toFixed(1)),
        equal,
      }) + '\n',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
