import { DS_CNN_PRESETS, type DsCnnArchitecture } from '../../../src/nn/ds-cnn-arch';
import { countParams } from '../../../src/nn/ds-cnn-cost';
import { buildDsCnn } from '../../../src/nn/ds-cnn';
import { loadModelArtifacts, saveModelArtifacts } from '../../../src/nn/model-artifacts';
import { predict } from '../../../src/nn/predict';
import { loadTf } from '../../../src/nn/tf';
import { resolveArchitecture } from '../../../src/nn/train-config';
import { Prng } from '../../../src/util/prng';
import { tinyConfig } from './synthetic-data';

const tiny: DsCnnArchitecture = resolveArchitecture(tinyConfig().architecture);

function randomInput(n: number, size: number, seed: string): Float32Array {
  const rng = Prng.derive('ds-cnn-test', seed);
  return Float32Array.from({ length: n * size }, () => rng.normal());
}

describe('buildDsCnn', () => {
  const tf = loadTf();

  it('maps [n, frames, coeffs, 1] to n softmax rows of numClasses', async () => {
    const { model } = buildDsCnn(tiny, { inputShape: [20, 10], numClasses: 12, initRng: Prng.derive('b') });
    expect(model.inputs[0]?.shape).toEqual([null, 20, 10, 1]);
    expect(model.outputs[0]?.shape).toEqual([null, 12]);
    const p = await predict(model, randomInput(5, 200, 'x'), [20, 10]);
    expect(p.length).toBe(5 * 12);
    for (let i = 0; i < 5; i++) {
      const row = p.subarray(i * 12, (i + 1) * 12);
      expect(row.every((v) => v > 0 && v < 1)).toBe(true);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    model.dispose();
  });

  it('names layers stably and has the skip branches the plan asks for', () => {
    const { model, plan } = buildDsCnn(tiny, { inputShape: [20, 10], numClasses: 12, initRng: Prng.derive('b') });
    expect(plan.blocks.map((b) => b.skipKind)).toEqual(['identity', 'avgpool']);
    const names = model.layers.map((l) => l.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'conv0',
        'conv0_bn',
        'block1_dw',
        'block1_pw_relu',
        'block1_add',
        'block2_skip_pool',
        'block2_add',
        'pool',
        'dropout',
        'dense',
        'softmax',
      ]),
    );
    expect(names).not.toContain('block1_skip_pool');
    model.dispose();
  });

  it.each([['tiny', tiny] as const, ...Object.entries(DS_CNN_PRESETS)])(
    '%s has as many parameters as countParams says',
    (_name, arch) => {
      const { model } = buildDsCnn(arch, { inputShape: [49, 10], numClasses: 12, initRng: Prng.derive('p') });
      const c = countParams(arch, [49, 10], 12);
      expect(model.countParams()).toBe(c.total);
      expect(
        model.trainableWeights.reduce((s, w) => s + w.shape.reduce((p: number, d) => p * (d as number), 1), 0),
      ).toBe(c.trainable);
      model.dispose();
    },
  );

  it('gives the same initial weights for the same initializer Prng, different for another', () => {
    const weights = (seed: string) => {
      const { model } = buildDsCnn(tiny, { inputShape: [20, 10], numClasses: 12, initRng: Prng.derive(seed) });
      const w = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.dispose();
      return w;
    };
    expect(weights('s1')).toEqual(weights('s1'));
    expect(weights('s1')[0]).not.toEqual(weights('s2')[0]);
  });

  it('round-trips through saveModelArtifacts / loadModelArtifacts with identical posteriors', async () => {
    const { model } = buildDsCnn(tiny, { inputShape: [20, 10], numClasses: 12, initRng: Prng.derive('a') });
    const x = randomInput(7, 200, 'y');
    const before = await predict(model, x, [20, 10]);
    const artifacts = saveModelArtifacts(model);
    expect(JSON.parse(artifacts.topology)).toMatchObject({
      format: 'layers-model',
      modelTopology: { class_name: 'Model' },
    });
    expect(artifacts.weights.length).toBe(4 * model.countParams());
    const loaded = await loadModelArtifacts(artifacts);
    expect(Array.from(await predict(loaded, x, [20, 10]))).toEqual(Array.from(before));
    await expect(
      loadModelArtifacts({ topology: artifacts.topology, weights: artifacts.weights.subarray(4) }),
    ).rejects.toThrow(/weightSpecs need/);
    model.dispose();
    loaded.dispose();
    expect(tf.getBackend()).toBe('tensorflow');
  });
});
