import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from '../../../src/nn/checkpoint';

const checkpoint: TrainCheckpoint = {
  fingerprint: 'f'.repeat(64),
  epochsDone: 2,
  initSeed: [1, 2, 3, 4],
  dataSeed: [5, 6, 7, 0xffffffff],
  history: [
    { loss: 2.5, accuracy: 0.1, valLoss: 2.4, valAccuracy: 0.125, learningRate: 0.01 },
    { loss: NaN, accuracy: 0.2, valLoss: Infinity, valAccuracy: 0.25, learningRate: 0.005 },
  ],
  bestEpoch: 2,
  weights: [
    { name: 'conv0/kernel', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 1e-30, -0, 7]) },
    { name: 'dense/bias', shape: [1], values: Float32Array.from([0.1]) },
  ],
  bestWeights: [Float32Array.from([6, 5, 4, 3, 2, 1]), Float32Array.from([0.2])],
  optimizer: {
    step: 17,
    m: [new Float32Array(6).fill(0.5), Float32Array.from([1])],
    v: [new Float32Array(6).fill(0.25), Float32Array.from([2])],
  },
};

describe('encodeCheckpoint / decodeCheckpoint', () => {
  it('round-trips every field; non-finite metrics come back as NaN', () => {
    const back = decodeCheckpoint(encodeCheckpoint(checkpoint));
    expect(back).toEqual({
      ...checkpoint,
      history: [checkpoint.history[0], { ...checkpoint.history[1], loss: NaN, valLoss: NaN }],
    });
    expect(Object.is(back.weights[0]?.values[4], -0)).toBe(true);
  });

  it('is byte-stable: same checkpoint, same bytes', () => {
    expect(encodeCheckpoint(checkpoint).equals(encodeCheckpoint(checkpoint))).toBe(true);
  });

  it('refuses foreign, truncated or future-format blobs with a CheckpointError', () => {
    const good = encodeCheckpoint(checkpoint);
    expect(() => decodeCheckpoint(Buffer.from('{"epochsDone":2}'))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(good.subarray(0, good.length - 4))).toThrow(
      /has \d+ bytes, its header describes \d+/,
    );
    const future = Buffer.from(good);
    future.writeUInt32LE(99, 8);
    expect(() => decodeCheckpoint(future)).toThrow(/format 99 is not supported/);
  });
});
