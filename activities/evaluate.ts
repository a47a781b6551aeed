import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { floatToInt16, readWav } from '../src/audio/wav';
import { streamIndexSchema } from '../src/importer/import-streams';
import { STREAM_INDEX } from '../src/synth/kws-streams';
import { computeMfcc, prepareMfcc } from '../src/dsp/mfcc';
import { mfccConfigSchema, mfccParams, type MfccConfig } from '../src/dsp/mfcc-config';
import { MfccQ15, mfccQ15ToFloat } from '../src/dsp/mfcc-q15';
import { readFeatureTensor } from '../src/dsp/feature-tensor';
import { StageInputError } from '../src/errors';
import {
  accuracy,
  applyTunedThreshold,
  argmaxPerRow,
  confusionMatrix,
  evaluateStreams,
  eventEvalOptionsSchema,
  matchAtThreshold,
  prepareEventEvaluation,
  type EventEvaluation,
  type StreamPosteriors,
  type TuningSummary,
} from '../src/eval';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { loadModelArtifacts, predict, readModelDir } from '../src/nn';
import { integerAccuracy } from '../src/eval/integer-accuracy';
import { decodeIntModel } from '../src/quant/int-model';
import type { StageContext, StageModule, StageResult } from './stage-module';
import { tfjsVersions } from './tool-versions';
import { findInput, requireUpstream } from '../src/stage/inputs';

/**
 * Stage `evaluate` (DESIGN.md §5 "Event-based evaluation"; thesis §3 "Custom event
 * metric", appendix 3.A): the trained model on
 *  - the test split → accuracy and a confusion matrix over all labels;
 *  - the long streams, run every frame stride like the device would (posterior i covers
 *    audio [i·stride, i·stride + clip) and is available at its end) → smoothed posteriors,
 *    threshold sweep, FRR / false accepts per hour / latency, DET curve, operating point,
 *    generalized event confusion matrix (src/eval).
 * The streams go through the same front end the features stage used (read from the
 * feature file's header), so the model sees what it was trained on.
 *
 * Threshold: when the upstream synth-kws stage also made `tuning-streams`, the operating
 * threshold is chosen on those and applied unchanged to the scored `streams`
 * (src/eval/tuned-threshold.ts); the evaluation artifact then carries `tuning` with the
 * tuning streams' own operating point and, for comparison only, the optimistic one the
 * scored streams would pick for themselves.
 */
export const kind = 'evaluate';
export const version = 4; // 2: evaluation artifact carries per-hit latencies; 3: threshold from tuning streams; 4: integer-model accuracy when quantized

export const evaluateConfigSchema = z.strictObject({
  /**
   * Event evaluation options (smoothing, tolerances, thresholds, operating-point rule).
   * frameStrideMs and frameOffsetMs are set from the front end by the stage.
   */
  events: eventEvalOptionsSchema.prefault({}),
  /** Inference batch size for the streams. */
  batchSize: z.number().int().min(1).max(65536).default(512),
  /**
   * Where the operating threshold is chosen: `auto` = on the `tuning-streams` artifact when
   * an upstream stage made one, else on the scored streams (the optimistic legacy rule,
   * said so in the operating point's reason); `scored-streams` forces the legacy rule.
   */
  thresholdFrom: z.enum(['auto', 'scored-streams']).default('auto'),
});
export type EvaluateConfig = z.output<typeof evaluateConfigSchema>;

/** MFCC frames of a whole stream with the features stage's front end. */
function streamFeatures(config: MfccConfig, samples: Float32Array): { frames: Float32Array; count: number } {
  const params = mfccParams(config);
  const pcm = Int16Array.from(samples, (v) => floatToInt16(v));
  const out = config.implementation === 'fixed'
    ? mfccQ15ToFloat(new MfccQ15(params).compute(pcm))
    : Float32Array.from(computeMfcc(prepareMfcc(params), Float64Array.from(pcm, (v) => v / 32768)));
  return { frames: out, count: out.length / params.coefficients };
}

async function run(ctx: StageContext<EvaluateConfig>): Promise<StageResult> {
  const modelDir = await ctx.fetchDir(requireUpstream(ctx, 'model', 'train'));
  const test = readFeatureTensor(await ctx.fetchFile(requireUpstream(ctx, 'test', 'features')));
  const streamsDir = await ctx.fetchDir(requireUpstream(ctx, 'streams', 'synth-kws'));
  const frontEnd = mfccConfigSchema.parse(test.header.frontEnd);
  const params = mfccParams(frontEnd);
  const labels = test.header.labels;
  const shape: [number, number] = [params.frames, params.coefficients];

  const model = await loadModelArtifacts(readModelDir(modelDir));
  try {
    // 1. Clip level: the test split.
    const n = test.header.shape[0] as number;
    const testPost = await predict(model, test.data, shape, ctx.config.batchSize);
    const confusion = confusionMatrix(test.header.labelIndex, argmaxPerRow(testPost, labels.length), labels.length);
    const testAccuracy = n > 0 ? accuracy(confusion) : 0;

    // 2. Streams, one model run per frame stride.
    const eventOptions = {
      ...ctx.config.events,
      frameStrideMs: (params.strideSamples * 1000) / params.sampleRate,
      frameOffsetMs: (params.clipSamples * 1000) / params.sampleRate,
    };
    const streams = await runOnStreams(ctx, model, frontEnd, streamsDir, 'running the model over streams');
    const prepared = prepareEventEvaluation(streams, labels, eventOptions);
    let events: EventEvaluation = evaluateStreams(streams, labels, eventOptions);
    let tuning: TuningSummary | undefined;
    const tuningRef = findInput(ctx, 'tuning-streams');
    if (tuningRef && ctx.config.thresholdFrom === 'auto') {
      const tuningStreams = await runOnStreams(ctx, model, frontEnd, await ctx.fetchDir(tuningRef), 'running the model over tuning streams');
      ({ events, tuning } = applyTunedThreshold(events, prepared, evaluateStreams(tuningStreams, labels, eventOptions)));
    } else {
      const scoredOp = events.operatingPoint;
      events = { ...events, operatingPoint: { ...scoredOp, reason: `chosen on the scored streams themselves (optimistic): ${scoredOp.reason}` } };
    }
    const op = events.operatingPoint;
    // Every hit's latency at the operating point, for the report's histogram.
    const latenciesMs = matchAtThreshold(prepared, op.threshold)
      .flatMap((m) => m.keyword.flatMap((o) => (o.type === 'hit' ? [o.latencyMs] : [])));
    // 3. The integer model (when a quantize stage is in needs:), as the board computes it.
    const intRef = findInput(ctx, 'int-model');
    const integer = intRef
      ? await integerAccuracy(decodeIntModel(fs.readFileSync(await ctx.fetchFile(intRef), 'utf8')), test, (done, total) =>
        ctx.progress({ done, total, unit: 'clips', message: 'integer model on the test split' }))
      : undefined;
    const evaluation = {
      accuracy: testAccuracy, testClips: n, confusion: { labels, counts: confusion }, events, latenciesMs,
      ...(integer ? { integer: { accuracy: integer.accuracy, confusion: { labels, counts: integer.confusion } } } : {}),
      ...(tuning ? { tuning } : {}),
    };
    const artifacts = [await ctx.storeJson('evaluation', evaluation)];
    const latency = op.result.latencyMs?.median ?? null;
    return {
      artifacts,
      metrics: {
        accuracy: testAccuracy,
        ...(integer ? { intAccuracy: integer.accuracy } : {}),
        eventFrr: op.result.frr,
        eventFaPerHour: op.result.faPerHour,
        ...(latency !== null ? { eventLatencyMs: latency } : {}),
        threshold: op.threshold,
        constraintMet: op.constraintMet,
        streamMinutes: events.totals.durationSec / 60,
        ...(tuning
          ? {
              tuningStreamMinutes: tuning.hours * 60,
              tuningFrr: tuning.operatingPoint.result.frr,
              tuningFaPerHour: tuning.operatingPoint.result.faPerHour,
              // The legacy, optimistic number (θ picked on the scored streams), for comparison.
              scoredOracleFrr: tuning.scoredOracle.result.frr,
              scoredOracleFaPerHour: tuning.scoredOracle.result.faPerHour,
            }
          : {}),
      },
      summary: `test acc ${(testAccuracy * 100).toFixed(1)}%${integer ? ` (integer ${(integer.accuracy * 100).toFixed(1)}%)` : ''} (${n} clips); events @${+op.threshold.toFixed(3)}: FRR ${(op.result.frr * 100).toFixed(1)}%, ${op.result.faPerHour.toFixed(2)} FA/h, latency ${latency === null ? '-' : `${Math.round(latency)} ms`}`,
    };
  } finally {
    model.dispose();
  }
}

/** Posteriors of the model at every frame stride of every stream in `dir` (index.json format). */
async function runOnStreams(
  ctx: StageContext<EvaluateConfig>,
  model: LayersModel,
  frontEnd: MfccConfig,
  dir: string,
  message: string,
): Promise<StreamPosteriors[]> {
  const params = mfccParams(frontEnd);
  const shape: [number, number] = [params.frames, params.coefficients];
  const index = streamIndexSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, STREAM_INDEX), 'utf8')));
  const streams: StreamPosteriors[] = [];
  for (const [i, s] of index.entries()) {
    ctx.progress({ done: i, total: index.length, unit: 'streams', message });
    const wav = readWav(path.join(dir, s.file));
    if (wav.sampleRate !== params.sampleRate) throw new StageInputError(`${s.file}: sample rate ${wav.sampleRate} Hz, the front end expects ${params.sampleRate} Hz`);
    const { frames, count } = streamFeatures(frontEnd, wav.samples);
    const windows = Math.max(0, count - params.frames + 1);
    const x = new Float32Array(windows * params.frames * params.coefficients);
    for (let w = 0; w < windows; w++) x.set(frames.subarray(w * params.coefficients, (w + params.frames) * params.coefficients), w * params.frames * params.coefficients);
    streams.push({ id: s.file, durationSec: s.durationSec, posteriors: await predict(model, x, shape, ctx.config.batchSize), events: s.events });
  }
  return streams;
}

export const evaluateStage: StageModule<EvaluateConfig> = {
  kind,
  version,
  description: 'Evaluate a trained KWS model: test accuracy + confusion matrix, and event metrics (FRR, FA/hour, latency, DET) on streams',
  configSchema: evaluateConfigSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
