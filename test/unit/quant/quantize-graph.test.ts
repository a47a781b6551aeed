import { loadModelArtifacts } from '../../../src/nn/model-artifacts';
import { predict } from '../../../src/nn/predict';
import { frontEndCodes, predictInt, quantizeModelInput, runIntModel } from '../../../src/nn/int-reference';
import { readFloatGraph, weightsByName, type WeightSpec } from '../../../src/quant/float-graph';
import { decodeIntModel, encodeIntModel, countMacs, packedWeightBytes } from '../../../src/quant/int-model';
import { runFloatGraph } from '../../../src/quant/run-float-graph';
import { Prng } from '../../../src/util/prng';
import { INPUT_SHAPE, LABELS, randomFeatures, randomIntModel, randomModel } from '../../helpers/random-model';

describe('reading a tfjs model into a folded float graph', () => {
  it('computes what the tfjs model computes (BN folded, layouts converted, skips kept)', async () => {
    const m = randomModel('fold');
    const ops = m.graph.ops.map((o) => `${o.kind}:${o.name}`);
    expect(ops).toEqual([
      'conv2d:conv0',
      'depthwise_conv2d:block1_dw',
      'conv2d:block1_pw',
      'add:block1_add',
      'depthwise_conv2d:block2_dw',
      'conv2d:block2_pw',
      'avgpool:block2_skip_pool',
      'add:block2_add',
      'depthwise_conv2d:block3_dw',
      'conv2d:block3_pw',
      'avgpool:pool',
      'fully_connected:dense',
      'softmax:softmax',
    ]);
    const model = await loadModelArtifacts(m);
    try {
      const x = randomFeatures(Prng.derive('fold-x'), 6);
      const tfPost = await predict(model, x, INPUT_SHAPE);
      const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
      let maxDiff = 0;
      for (let i = 0; i < 6; i++) {
        const post = runFloatGraph(m.graph, x.subarray(i * n, (i + 1) * n)).get(m.graph.output)!;
        post.forEach((p, k) => (maxDiff = Math.max(maxDiff, Math.abs(p - tfPost[i * LABELS.length + k]!))));
      }
      expect(maxDiff).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('refuses a layer with no integer kernel, naming it', () => {
    const m = randomModel('bad');
    const topo = JSON.parse(m.topology) as {
      modelTopology: { config: { layers: Array<{ class_name: string; name: string }> } };
      weightSpecs: WeightSpec[];
    };
    topo.modelTopology.config.layers.find((l) => l.name === 'pool')!.class_name = 'GlobalMaxPooling2D';
    expect(() => readFloatGraph(topo.modelTopology, weightsByName(topo.weightSpecs, m.weights))).toThrow(
      /layer pool \(GlobalMaxPooling2D\) has no integer kernel/,
    );
  });
});

describe('quantizing the graph to the integer model', () => {
  it('serializes losslessly and deterministically', () => {
    const { model } = randomIntModel('ser');
    const text = encodeIntModel(model);
    const back = decodeIntModel(text);
    expect(encodeIntModel(back)).toBe(text);
    expect(encodeIntModel(randomIntModel('ser').model)).toBe(text);
    expect(countMacs(back)).toBeGreaterThan(0);
  });

  it('a corrupt integer model is refused with the field named', () => {
    const json = JSON.parse(encodeIntModel(randomIntModel('bad-int').model)) as { ops: Array<{ stride?: unknown }> };
    json.ops[0]!.stride = 'two';
    expect(() => decodeIntModel(JSON.stringify(json))).toThrow(/ops\.0\.stride/);
  });

  it('the integer model tracks the float model (posteriors within a few steps, same top class mostly)', () => {
    const { model, float } = randomIntModel('track');
    const x = randomFeatures(Prng.derive('track-x'), 20);
    const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
    let agree = 0;
    let maxErr = 0;
    for (let i = 0; i < 20; i++) {
      const xi = x.subarray(i * n, (i + 1) * n);
      const f = runFloatGraph(float.graph, xi).get(float.graph.output)!;
      const q = predictInt(model, quantizeModelInput(model, frontEndCodes(model, xi)));
      const deq = Array.from(q, (v) => (v + 128) / 256);
      deq.forEach((p, k) => (maxErr = Math.max(maxErr, Math.abs(p - f[k]!))));
      const top = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));
      if (top(deq) === top(f)) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(16);
    expect(maxErr).toBeLessThan(0.12);
  });

  it('4-bit layers use codes in [-7, 7] and take half the flash of int8', () => {
    const eight = randomIntModel('bits').model;
    const four = randomIntModel('bits', (l) => (l === 'dense' ? 8 : 4)).model;
    for (const op of four.ops) {
      if ('weights' in op && op.name !== 'dense') {
        expect(op.weightBits).toBe(4);
        expect(Math.max(...Array.from(op.weights, Math.abs))).toBeLessThanOrEqual(7);
      }
    }
    const dense = eight.ops.find((o) => o.name === 'dense')!;
    const denseBytes = 'weights' in dense ? dense.weights.length : 0;
    expect(packedWeightBytes(four) - denseBytes).toBeLessThanOrEqual(
      Math.ceil((packedWeightBytes(eight) - denseBytes) / 2) + 8,
    );
    // Every tensor is produced, and the run is deterministic.
    const input = new Int8Array(490).fill(3);
    expect(runIntModel(four, input).size).toBe(four.tensors.length);
  });
});
