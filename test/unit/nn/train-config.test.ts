import { DS_CNN_PRESETS } from '../../../src/nn/ds-cnn-arch';
import { resolveArchitecture, trainConfigSchema } from '../../../src/nn/train-config';

describe('trainConfigSchema', () => {
  it('defaults to DS-CNN-S, batch 100, Adam with a cosine schedule', () => {
    const c = trainConfigSchema.parse({});
    expect(c).toEqual({
      architecture: 'ds-cnn-s',
      epochs: 30,
      batchSize: 100,
      learningRate: { initial: 0.001, decay: 'cosine', final: 0.00001, stepEvery: 10, stepFactor: 0.1 },
      optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      shuffle: true,
      seeds: {},
      bestBy: 'valAccuracy',
      augment: { timeShiftFrames: 0, timeMasks: { count: 0, maxFrames: 0 }, freqMasks: { count: 0, maxCoeffs: 0 } },
    });
    expect(resolveArchitecture(c.architecture)).toBe(DS_CNN_PRESETS['ds-cnn-s']);
  });

  it('fills an explicit architecture with DS-CNN-S defaults and expands {width, depth}', () => {
    const c = trainConfigSchema.parse({ architecture: { blocks: { width: 32, depth: 3 }, skip: true } });
    expect(resolveArchitecture(c.architecture)).toEqual({
      firstConv: { filters: 64, kernel: [10, 4], stride: [2, 2] },
      blocks: [
        { filters: 32, stride: [1, 1] },
        { filters: 32, stride: [1, 1] },
        { filters: 32, stride: [1, 1] },
      ],
      skip: true,
      dropout: 0.2,
      batchNorm: { momentum: 0.9, epsilon: 0.001 },
    });
    // `{}` is DS-CNN-S spelled out.
    expect(resolveArchitecture(trainConfigSchema.parse({ architecture: {} }).architecture)).toEqual(
      DS_CNN_PRESETS['ds-cnn-s'],
    );
  });

  it('keeps per-block strides', () => {
    const c = trainConfigSchema.parse({ architecture: { blocks: [{ filters: 8, stride: [2, 1] }, { filters: 16 }] } });
    expect(resolveArchitecture(c.architecture).blocks).toEqual([
      { filters: 8, stride: [2, 1] },
      { filters: 16, stride: [1, 1] },
    ]);
  });

  it('rejects unknown keys, bad values and an increasing cosine schedule, naming the field', () => {
    const issues = (input: unknown) => {
      const r = trainConfigSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
    };
    expect(issues({ epoch: 3 })).toEqual([': unrecognized_keys']);
    expect(issues({ architecture: { firstConv: { kernal: [3, 3] } } })).toEqual([
      'architecture.firstConv: unrecognized_keys',
    ]);
    expect(issues({ batchSize: 0 })).toEqual(['batchSize: too_small']);
    expect(issues({ architecture: 'ds-cnn-xl' })).toContain('architecture: invalid_union');
    expect(issues({ learningRate: { initial: 0.001, final: 0.01 } })).toEqual(['learningRate.final: custom']);
    expect(issues({ optimizer: { type: 'sgd' } })).toEqual(['optimizer.type: invalid_value']);
  });
});
