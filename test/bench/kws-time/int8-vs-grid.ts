/**
 * How far the evaluate stage's int8-grid sweep (src/eval/device-posteriors.ts: the float
 * model's posteriors on the int8 output grid) is from the board's own posteriors (the integer
 * model, host build of the generated C, bit-exact with the firmware) on the same streams.
 *
 *   node dist/test/bench/kws-time/int8-vs-grid.js <model-dir> <int-model.json> <test.features> <streams-dir> [streams]
 *
 * Prints JSON: per threshold the FRR / false accepts of float, int8-grid and integer posteriors,
 * and how often the grid code differs from the integer model's code for the keyword classes.
 * docs/results/2026-12-04-default-pipeline-time.md has a run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { floatToInt16, readWav } from '../../../src/audio/wav';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { MfccQ15, mfccQ15ToFloat } from '../../../src/dsp/mfcc-q15';
import { evaluateStreams, type StreamPosteriors } from '../../../src/eval';
import { deviceThresholds, onInt8Grid } from '../../../src/eval/device-posteriors';
import { streamIndexSchema } from '../../../src/importer/import-streams';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { HostIntModel } from '../../../src/nn/host-int-model';
import { frontEndCodes, quantizeModelInput } from '../../../src/nn/int-reference';
import { decodeIntModel, tensorByName, tensorBytes } from '../../../src/quant/int-model';

async function main(): Promise<void> {
  const [modelDir, intFile, featFile, streamsDir, countArg] = process.argv.slice(2);
  if (!modelDir || !intFile || !featFile || !streamsDir) throw new Error('usage: see the file header');
  const test = readFeatureTensor(featFile);
  const frontEnd = mfccConfigSchema.parse(test.header.frontEnd);
  const params = mfccParams(frontEnd);
  const labels = test.header.labels;
  const nc = labels.length;
  const shape: [number, number] = [params.frames, params.coefficients];
  const index = streamIndexSchema.parse(JSON.parse(fs.readFileSync(path.join(streamsDir, 'index.json'), 'utf8')));
  const chosen = index.slice(0, Number(countArg ?? 4));
  const model = await loadModelArtifacts(readModelDir(modelDir));
  const intModel = decodeIntModel(fs.readFileSync(intFile, 'utf8'));
  const host = await HostIntModel.build(intModel);
  const inBytes = tensorBytes(tensorByName(intModel, intModel.input));
  const float: StreamPosteriors[] = [];
  const integer: StreamPosteriors[] = [];
  let intCpuMs = 0;
  for (const s of chosen) {
    const wav = readWav(path.join(streamsDir, s.file));
    const pcm = Int16Array.from(wav.samples, (v) => floatToInt16(v));
    const frames = mfccQ15ToFloat(new MfccQ15(params).compute(pcm));
    const windows = frames.length / params.coefficients - params.frames + 1;
    const size = params.frames * params.coefficients;
    const x = new Float32Array(windows * size);
    for (let w = 0; w < windows; w++)
      x.set(frames.subarray(w * params.coefficients, w * params.coefficients + size), w * size);
    float.push({
      id: s.file,
      durationSec: s.durationSec,
      posteriors: await predict(model, x, shape, 512),
      events: s.events,
    });
    const inputs = new Int8Array(windows * inBytes);
    for (let w = 0; w < windows; w++)
      inputs.set(
        quantizeModelInput(intModel, frontEndCodes(intModel, x.subarray(w * size, (w + 1) * size))),
        w * inBytes,
      );
    const t0 = process.cpuUsage();
    const c0 = Date.now();
    const { outputs } = await host.run(inputs);
    intCpuMs += Date.now() - c0;
    void t0;
    integer.push({
      id: s.file,
      durationSec: s.durationSec,
      posteriors: Float32Array.from(outputs, (q) => (q + 128) / 256),
      events: s.events,
    });
  }
  host.dispose();
  model.dispose();
  const grid = float.map((s) => ({ ...s, posteriors: onInt8Grid(s.posteriors) }));
  // Code differences on keyword classes.
  const kwClasses = labels.flatMap((l, i) => (l.startsWith('_') ? [] : [i]));
  let n = 0;
  let same = 0;
  let within1 = 0;
  let highEither = 0;
  let highBoth = 0;
  for (let s = 0; s < grid.length; s++) {
    const g = grid[s]!.posteriors;
    const q = integer[s]!.posteriors;
    for (let t = 0; t < g.length / nc; t++)
      for (const k of kwClasses) {
        const a = Math.round(g[t * nc + k]! * 256);
        const b = Math.round(q[t * nc + k]! * 256);
        n++;
        if (a === b) same++;
        if (Math.abs(a - b) <= 1) within1++;
        if (a === 255 || b === 255) {
          highEither++;
          if (a === b) highBoth++;
        }
      }
  }
  const configured = [0.9, 0.95, 0.98, 0.99, 0.992, 0.994, 0.996];
  const options = {
    smoothingFrames: 15,
    earlyMs: 100,
    lateMs: 1000,
    targetFaPerHour: 2,
    frameStrideMs: 20,
    frameOffsetMs: 1000,
  };
  const sweep = (streams: StreamPosteriors[], thresholds: number[]) =>
    evaluateStreams(streams, labels, { ...options, thresholds }).perThreshold.map((r) => ({
      threshold: +r.threshold.toFixed(5),
      frr: +r.frr.toFixed(4),
      hits: r.hits,
      falseAccepts: r.falseAccepts,
    }));
  const snapped = deviceThresholds(configured).thresholds;
  console.log(
    JSON.stringify(
      {
        streams: chosen.length,
        minutes: chosen.reduce((a, s) => a + s.durationSec, 0) / 60,
        windows: integer.reduce((a, s) => a + s.posteriors.length / nc, 0),
        integerWallMs: intCpuMs,
        keywordCodes: {
          n,
          sameShare: same / n,
          within1Share: within1 / n,
          saturatedEither: highEither,
          saturatedBoth: highBoth,
        },
        float: sweep(float, configured),
        int8Grid: sweep(grid, snapped),
        integer: sweep(integer, snapped),
      },
      null,
      1,
    ),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
