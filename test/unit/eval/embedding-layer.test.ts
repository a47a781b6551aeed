import { embeddingLayerNames, layerEmbeddings, pooledFeatures } from '../../../src/eval/embedding-scores';
import { buildDsCnn } from '../../../src/nn/ds-cnn';
import { loadTf } from '../../../src/nn/tf';
import { Prng } from '../../../src/util/prng';

const SHAPE: [number, number] = [4, 4];

function tinyNet() {
  return buildDsCnn(
    {
      firstConv: { filters: 2, kernel: [3, 3], stride: [1, 1] },
      blocks: [
        { filters: 3, stride: [2, 2] },
        { filters: 3, stride: [1, 1] },
      ],
      skip: false,
      dropout: 0,
      batchNorm: { momentum: 0.9, epsilon: 0.001 },
    },
    { inputShape: SHAPE, numClasses: 2, initRng: Prng.derive('embedding-layer-model') },
  );
}

describe('embedding of a chosen layer (evaluate-ad embeddingLayer)', () => {
  it('conv0 with an identity kernel: the per-channel time/frequency mean of ReLU(x)/√(1 + ε), by hand', async () => {
    const tf = loadTf();
    const net = tinyNet();
    // Kernel [3, 3, 1, 2]: channel 0 copies the input (centre tap 1), channel 1 negates it.
    const k = new Float32Array(18);
    k[4 * 2 + 0] = 1;
    k[4 * 2 + 1] = -1;
    const conv0 = net.model.getLayer('conv0');
    const w = tf.tensor4d(k, [3, 3, 1, 2]);
    conv0.setWeights([w]);
    w.dispose();
    // Two patches: 1..16 and −1..−16 (fresh BN: γ 1, β 0, moving mean 0, variance 1).
    const x = Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? i + 1 : -(i - 15)));
    const e = await layerEmbeddings(net.model, x, SHAPE, 'conv0');
    const s = 1 / Math.sqrt(1 + 0.001);
    expect(e.dim).toBe(2);
    // mean(1..16) = 8.5: patch 1 → (8.5·s, 0); patch 2 → (0, 8.5·s).
    expect(Array.from(e.values).map((v) => Number(v.toFixed(4)))).toEqual(
      [8.5 * s, 0, 0, 8.5 * s].map((v) => Number(v.toFixed(4))),
    );
    net.model.dispose();
  });

  it('lists the layers in network order, `pool` equals pooledFeatures, a block is its ReLU output averaged, same bytes twice', async () => {
    const tf = loadTf();
    const net = tinyNet();
    expect(embeddingLayerNames(net.model)).toEqual([
      'conv0',
      'block1_dw',
      'block1_pw',
      'block2_dw',
      'block2_pw',
      'pool',
    ]);
    const rng = Prng.derive('embedding-layer-input');
    const x = Float32Array.from({ length: 3 * 16 }, () => rng.normal());
    const pool = await layerEmbeddings(net.model, x, SHAPE, 'pool');
    expect(Array.from(pool.values)).toEqual(Array.from((await pooledFeatures(net.model, x, SHAPE)).values));
    // The last block's ReLU averaged over its 2×2 positions is the global average pool.
    const last = await layerEmbeddings(net.model, x, SHAPE, 'block2_pw');
    expect(last.dim).toBe(3);
    last.values.forEach((v, i) => expect(v).toBeCloseTo(pool.values[i]!, 5));
    // block1_dw by hand: the tfjs ReLU output [n, 2, 2, 2] averaged over the 4 positions.
    const sub = tf.model({
      inputs: net.model.inputs,
      outputs: net.model.getLayer('block1_dw_relu').output as import('@tensorflow/tfjs-node').SymbolicTensor,
    });
    const raw = (await (
      sub.predict(tf.tensor4d(x, [3, 4, 4, 1])) as import('@tensorflow/tfjs-node').Tensor
    ).data()) as Float32Array;
    const dw = await layerEmbeddings(net.model, x, SHAPE, 'block1_dw', 2); // batches of 2: 2 + 1 patches
    for (let n = 0; n < 3; n++)
      for (let c = 0; c < 2; c++) {
        let sum = 0;
        for (let p = 0; p < 4; p++) sum += raw[n * 8 + p * 2 + c]!;
        expect(dw.values[n * 2 + c]).toBeCloseTo(sum / 4, 5);
      }
    const again = await layerEmbeddings(net.model, x, SHAPE, 'block1_dw', 2);
    expect(Buffer.from(again.values.buffer)).toEqual(Buffer.from(dw.values.buffer));
    await expect(layerEmbeddings(net.model, x, SHAPE, 'block3_pw')).rejects.toThrow(
      'embedding layer "block3_pw" is not in the model (it has conv0, block1_dw, block1_pw, block2_dw, block2_pw, pool)',
    );
    await expect(layerEmbeddings(net.model, x, SHAPE, 'dense')).rejects.toThrow(/not in the model/);
    net.model.dispose();
  });
});
