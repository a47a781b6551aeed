/**
 * A small DS-CNN with skip branches (identity and average-pool), random weights and random
 * BatchNorm statistics (so folding is really exercised), plus a float-calibrated integer model
 * of it: the fixture for quantize / codegen / firmware tests, with no training needed.
 */
import { buildDsCnn } from '../../src/nn/ds-cnn';
import type { DsCnnArchitecture } from '../../src/nn/ds-cnn-arch';
import { readWeights, writeWeights } from '../../src/nn/model-weights';
import { saveModelArtifacts } from '../../src/nn/model-artifacts';
import { loadTf } from '../../src/nn/tf';
import { readFloatGraph, weightsByName, type FloatGraph, type WeightSpec } from '../../src/quant/float-graph';
import type { IntModel } from '../../src/quant/int-model';
import { quantizeFloatGraph, type ActivationRange, type WeightBitWidth } from '../../src/quant/quantize-graph';
import { runFloatGraph } from '../../src/quant/run-float-graph';
import { Prng } from '../../src/util/prng';

export const SKIP_ARCH: DsCnnArchitecture = {
  firstConv: { filters: 8, kernel: [10, 4], stride: [2, 2] },
  blocks: [
    { filters: 8, stride: [1, 1] }, // identity skip
    { filters: 8, stride: [2, 2] }, // average-pool skip
    { filters: 12, stride: [1, 1] }, // no skip (channels change)
  ],
  skip: true,
  dropout: 0.2,
  batchNorm: { momentum: 0.9, epsilon: 0.001 },
};

export const INPUT_SHAPE: [number, number] = [49, 10];
export const LABELS = ['_silence_', '_unknown_', 'yes', 'no', 'up'];

export interface RandomModel {
  readonly topology: string;
  readonly weights: Buffer;
  readonly graph: FloatGraph;
}

/** Random model; BN gamma/beta/mean/variance drawn so that folding changes the weights. */
export function randomModel(seed: string, arch: DsCnnArchitecture = SKIP_ARCH): RandomModel {
  const tf = loadTf();
  const rng = Prng.derive('random-model', seed);
  const net = buildDsCnn(arch, { inputShape: INPUT_SHAPE, numClasses: LABELS.length, initRng: rng });
  try {
    const ws = readWeights(net.model);
    const values = ws.map((w) => {
      const v = Float32Array.from(w.values);
      if (w.name.endsWith('/gamma')) v.forEach((_, i) => (v[i] = rng.uniform(0.5, 1.5)));
      if (w.name.endsWith('/beta')) v.forEach((_, i) => (v[i] = rng.uniform(-0.3, 0.3)));
      if (w.name.endsWith('/moving_mean')) v.forEach((_, i) => (v[i] = rng.uniform(-0.5, 0.5)));
      if (w.name.endsWith('/moving_variance')) v.forEach((_, i) => (v[i] = rng.uniform(0.3, 2)));
      if (w.name === 'dense/bias') v.forEach((_, i) => (v[i] = rng.uniform(-0.2, 0.2)));
      return v;
    });
    writeWeights(
      tf,
      net.model,
      values,
      ws.map((w) => w.name),
    );
    const art = saveModelArtifacts(net.model);
    const json = JSON.parse(art.topology) as { modelTopology: unknown; weightSpecs: WeightSpec[] };
    return { ...art, graph: readFloatGraph(json.modelTopology, weightsByName(json.weightSpecs, art.weights)) };
  } finally {
    net.model.dispose();
  }
}

/** MFCC-like random features as the features stage stores them: Q5 values (multiples of 1/32). */
export function randomFeatures(rng: Prng, count: number): Float32Array {
  const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
  const x = new Float32Array(count * n);
  for (let i = 0; i < x.length; i++) {
    const coeff = i % INPUT_SHAPE[1];
    x[i] = Math.round((coeff === 0 ? rng.uniform(-60, 20) : rng.normal() * 12) * 32) / 32;
  }
  return x;
}

/** Min/max of every tensor over the inputs, with the float executor. */
export function floatRanges(graph: FloatGraph, x: Float32Array, count: number): Map<string, ActivationRange> {
  const n = x.length / count;
  const ranges = new Map<string, { min: number; max: number }>();
  for (let i = 0; i < count; i++) {
    for (const [name, v] of runFloatGraph(graph, x.subarray(i * n, (i + 1) * n))) {
      const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
      for (const a of v) {
        if (a < r.min) r.min = a;
        if (a > r.max) r.max = a;
      }
      ranges.set(name, r);
    }
  }
  return ranges;
}

export function randomIntModel(
  seed: string,
  bitsFor: (layer: string) => WeightBitWidth = () => 8,
): { model: IntModel; float: RandomModel } {
  const float = randomModel(seed);
  const calib = randomFeatures(Prng.derive('calib', seed), 24);
  const model = quantizeFloatGraph(float.graph, floatRanges(float.graph, calib, 24), {
    labels: LABELS,
    frontEndScale: 1 / 32,
    bitsFor,
  });
  return { model, float };
}
