/**
 * The host build of the generated C (src/nn/host-int-model.ts): one build serves several runs at
 * once, each in a directory of its own, with the bytes of the TypeScript integer reference.
 */
import * as fs from 'node:fs';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../../../src/nn/int-reference';
import { HostIntModel } from '../../../src/nn/host-int-model';
import { tensorByName, tensorBytes } from '../../../src/quant/int-model';
import { Prng } from '../../../src/util/prng';
import { INPUT_SHAPE, randomFeatures, randomIntModel } from '../../helpers/random-model';

jest.setTimeout(60_000);

describe('HostIntModel', () => {
  it('runs concurrent batches on one build, each with the integer reference’s outputs', async () => {
    const { model } = randomIntModel('host-int-model');
    const inBytes = tensorBytes(tensorByName(model, model.input));
    const batch = (seed: string, count: number) => {
      const x = randomFeatures(Prng.derive('host-int-model', seed), count);
      const size = INPUT_SHAPE[0] * INPUT_SHAPE[1];
      const inputs = new Int8Array(count * inBytes);
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        const q = quantizeModelInput(model, frontEndCodes(model, x.subarray(i * size, (i + 1) * size)));
        inputs.set(q, i * inBytes);
        expected.push(...runIntModel(model, q).get(model.output)!);
      }
      return { inputs, expected };
    };
    const host = await HostIntModel.build(model);
    try {
      const batches = ['a', 'b', 'c', 'd'].map((s, i) => batch(s, 5 + 3 * i));
      const runs = await Promise.all(batches.map((b) => host.run(b.inputs)));
      for (let i = 0; i < batches.length; i++)
        expect([i, Array.from(runs[i]!.outputs)]).toEqual([i, batches[i]!.expected]);
      // Each run's files went with it: only the build is left.
      expect(fs.readdirSync(host.dir).filter((f) => f.startsWith('run-'))).toEqual([]);
    } finally {
      host.dispose();
    }
    expect(fs.existsSync(host.dir)).toBe(false);
  });
});
