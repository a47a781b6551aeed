/**
 * Held-out accuracies of integer models (what the board computes; host build of the generated
 * C) on the test split, by held-out class and engine, without running a whole evaluate stage
 * (which also scores 90 stream minutes). For comparing train-4bit settings.
 *
 *   node dist/test/bench/kws-time/held-out-int.js <test.features> <dir with sources.json> <int-model.json>...
 */
import * as fs from 'node:fs';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { readClipSources } from '../../../src/eval/clip-sources';
import { integerAccuracy } from '../../../src/eval/integer-accuracy';
import { sourceBreakdown } from '../../../src/eval/source-accuracy';
import { decodeIntModel } from '../../../src/quant/int-model';

async function main(): Promise<void> {
  const [featFile, datasetDir, ...models] = process.argv.slice(2);
  if (!featFile || !datasetDir || models.length === 0) throw new Error('usage: see the file header');
  const test = readFeatureTensor(featFile);
  const sources = readClipSources(datasetDir);
  const pct = (x: number) => +(x * 100).toFixed(1);
  for (const file of models) {
    const r = await integerAccuracy(decodeIntModel(fs.readFileSync(file, 'utf8')), test);
    const b = sourceBreakdown({
      clips: test.header.clips,
      truth: test.header.labelIndex,
      predicted: r.predicted,
      numClasses: test.header.labels.length,
      sources,
    });
    console.log(
      JSON.stringify({
        model: file,
        all: pct(r.accuracy),
        byHeldOut: Object.fromEntries(b.byHeldOut.map((h) => [h.heldOut, [pct(h.accuracy), h.clips]])),
        byEngine: Object.fromEntries(b.byEngine.map((e) => [e.engine, pct(e.accuracy)])),
      }),
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
