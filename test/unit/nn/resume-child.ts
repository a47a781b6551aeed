/**
 * Resumes training in a fresh Node process (argv: checkpoint blob in, checkpoint blob out),
 * for train-loop.test.ts: nothing from the interrupted run's process can leak into it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/nn/checkpoint';
import { trainModel } from '../../../src/nn/train-loop';
import { Prng } from '../../../src/util/prng';
import { resumeCase } from './synthetic-data';

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2) as [string, string];
  const { data, config, seed } = resumeCase();
  const result = await trainModel(data, config, {
    rng: Prng.derive(seed),
    resumeFrom: decodeCheckpoint(readFileSync(input)),
    onEpoch: async (epoch, _m, checkpoint) => {
      if (epoch === config.epochs) writeFileSync(output, encodeCheckpoint(checkpoint()));
    },
  });
  result.model.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
