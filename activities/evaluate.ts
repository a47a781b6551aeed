import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { streamIndexSchema } from '../src/importer/import-streams';
import { STREAM_INDEX } from '../src/synth/kws-streams';
import { mfccConfigSchema, mfccParams, type MfccConfig } from '../src/dsp/mfcc-config';
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
  type PreparedEvaluation,
  type StreamPosteriors,
  type TuningSummary,
} from '../src/eval';
import type { LayersModel } from '@tensorflow/tfjs-node';
import { loadModelArtifacts, predict, readModelDir } from '../src/nn';
import { formatHalfWidth95 } from '../src/eval/accuracy-interval';
import { integerAccuracy, type IntegerAccuracy } from '../src/eval/integer-accuracy';
import { HostIntModel } from '../src/nn/host-int-model';
import { evalWorkerCount, StreamFeaturePool } from '../src/eval/stream-feature-pool';
import type { StreamFileFeatures } from '../src/eval/stream-features';
import { noClipSources, readClipSources, UNKNOWN_SOURCE, type ClipSources } from '../src/eval/clip-sources';
import { frrByEngine } from '../src/eval/frr-by-engine';
import { falseAcceptsByWord } from '../src/eval/false-accepts-by-word';
import { INT8_POSTERIOR_MAX } from '../src/eval/device-threshold';
import { deviceThresholds, streamsOnInt8Grid } from '../src/eval/device-posteriors';
import { measureDataset, type MeasurementResult } from '../src/eval/measure-dataset';
import { heldOutRow, sourceBreakdown, type SourceBreakdown } from '../src/eval/source-accuracy';
import { conditionBreakdown, conditionMetrics, type ConditionBreakdown } from '../src/eval/condition-accuracy';
import { decodeIntModel } from '../src/quant/int-model';
import type { ArtifactRef } from '../src/store/artifact-store';
import type { MetricValue, StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { tfjsVersions } from '../src/util/tool-versions';
import { PartTimer } from '../src/util/part-timer';
import { findInput, requireUpstream } from '../src/stage/inputs';
import { eventOptionsAtStride, windowStarts } from '../src/eval/inference-stride';
import { perKeywordThresholdsSchema } from '../src/eval/per-keyword-thresholds';
import { perKeywordEvaluation, perKeywordMetrics, type PerKeywordEvaluation } from '../src/eval/per-keyword-evaluation';

/**
 * Stage `evaluate` (docs/stages/evaluate.md; thesis §3 "Custom event
 * metric", appendix 3.A): the trained model on
 *  - the test split → accuracy and a confusion matrix over all labels;
 *  - the long streams, run every `inferenceEvery` frame strides like the device would (posterior i
 *    covers audio [i·k·stride, i·k·stride + clip) and is available at its end) → smoothed posteriors,
 *    threshold sweep, FRR / false accepts per hour / latency, DET curve, operating point,
 *    generalized event confusion matrix (src/eval).
 * The streams go through the same front end the features stage used (read from the
 * feature file's header), so the model sees what it was trained on.
 *
 * By source (clip-source contract, src/eval/clip-sources.ts): the test accuracy per engine, per
 * (engine, voice) and per held-out class from the dataset's `sources.json` — the headline
 * `heldOutSourceAccuracy` is the accuracy on engines never trained on (leave-one-source-out;
 * docs/methods.md#event-based-evaluation) — and, when stream events name their engine, the FRR per engine at the operating
 * point. A dataset without sources.json is one `unknown` source.
 *
 * By acoustic condition (src/eval/condition-accuracy.ts): when sources.json records each clip's
 * conditions (synth-kws ≥ 3), the test accuracy of every test clip, the held-out voices and the
 * held-out engines per effective-SNR band (`snrBandsDb`), quiet vs regular clips and background
 * type — metrics `accuracyBySnr.<set>.<band>` etc., artifact `conditions`.
 *
 * Measurement datasets: `measure: [<stage>, ...]` names stages in `needs:` whose `dataset`
 * (e.g. an import-audio of real recordings) is scored whole, features computed here with the
 * model's front end (src/eval/measure-dataset.ts). Those stages are looked up by name and are
 * never taken for the data stage's `dataset` / `streams`, which must be unambiguous.
 *
 * Threshold: when the upstream synth-kws stage also made `tuning-streams`, the operating
 * threshold is chosen on those and applied unchanged to the scored `streams`
 * (src/eval/tuned-threshold.ts); the evaluation artifact then carries `tuning` with the
 * tuning streams' own operating point and, for comparison only, the optimistic one the
 * scored streams would pick for themselves.
 */
export const kind = 'evaluate';
export const version = 11; // 2: evaluation artifact carries per-hit latencies; 3: threshold from tuning streams; 4: integer-model accuracy when quantized; 5: accuracy by clip source, measurement datasets, FRR by engine; 6: false accepts per negative word (scored and tuning), device reachability of the threshold; 7: streamPosteriors int8 (default): the sweep on the int8 output grid at thresholds the board reaches; 8: inferenceEvery (posteriors every k hops, as the device); 9: perKeywordThresholds (one θ per keyword chosen on the tuning streams); 10: accuracy by acoustic condition (effective-SNR band, quiet, background) from sources.json conditions; 11: sources.sourcesFile is "sources.json", not the extraction directory's absolute path (same evaluation bytes from any checkout)

export const evaluateConfigSchema = z.strictObject({
  /**
   * Event evaluation options (smoothing, tolerances, thresholds, operating-point rule).
   * frameStrideMs and frameOffsetMs are set from the front end by the stage.
   */
  events: eventEvalOptionsSchema
    .prefault({})
    .describe(
      'Event evaluation options (smoothing, tolerances, thresholds, operating-point rule). frameStrideMs and frameOffsetMs are set from the front end by the stage.',
    ),
  /**
   * Hops between two inferences on the streams, as on the device (deploy's `stream.every`):
   * a model slower than one hop cannot run at every hop, so the FRR and false accepts are
   * those of a detector that sees one posterior every k hops (src/eval/inference-stride.ts).
   * `events.smoothingFrames` and the `*Frames` tolerances stay in hops.
   */
  inferenceEvery: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(1)
    .describe(
      "Hops (front-end frames, 20 ms for KWS) between two inferences on the streams, as the device's (deploy's stream.every): the FRR and false accepts are those of a detector that sees one posterior every k hops; events.smoothingFrames and the *Frames tolerances stay in hops (smoothing spans ⌈frames / k⌉ posteriors, as on the board).",
    ),
  /**
   * Edges of the effective-SNR bands of the accuracy by condition, dB: [10, 20, 30] gives
   * < 10, 10–20, 20–30 and ≥ 30 dB (src/eval/condition-accuracy.ts).
   */
  snrBandsDb: z
    .array(z.number().int().min(-30).max(120))
    .min(1)
    .max(16)
    .default([10, 20, 30])
    .refine((e) => e.every((x, i) => i === 0 || x > e[i - 1]!), 'expected strictly ascending edges, e.g. [10, 20, 30]')
    .describe(
      "Edges of the effective-SNR bands (planned SNR less the room distance attenuation, from the dataset's sources.json) of the test accuracy by condition, dB: [10, 20, 30] gives < 10, 10–20, 20–30, ≥ 30 dB; metrics accuracyBySnr.<set>.<band>.",
    ),
  /** Inference batch size for the streams. */
  batchSize: z.number().int().min(1).max(65536).default(512).describe('Inference batch size for the streams.'),
  /**
   * Where the operating threshold is chosen: `auto` = on the `tuning-streams` artifact when
   * an upstream stage made one, else on the scored streams (the optimistic legacy rule,
   * said so in the operating point's reason); `scored-streams` forces the legacy rule.
   */
  thresholdFrom: z
    .enum(['auto', 'scored-streams'])
    .default('auto')
    .describe(
      "Where the operating threshold is chosen: `auto` = on the `tuning-streams` artifact when an upstream stage made one, else on the scored streams (the optimistic legacy rule, said so in the operating point's reason); `scored-streams` forces the legacy rule.",
    ),
  /**
   * Which posteriors the stream sweep (DET curve, operating point, FRR / FA/h) sees: `int8` =
   * the float model's posteriors on the int8 softmax output grid (k/256, at most 255/256) with
   * the thresholds the board compares against (round(θ·2¹⁶)/2¹⁶, those above 255/256 left
   * out), so the operating point is one the board's streaming detector can run
   * (src/eval/device-posteriors.ts); `float` = the float posteriors and thresholds as given
   * (version ≤ 6; its operating point may lie above 255/256, where the board never fires).
   */
  streamPosteriors: z
    .enum(['int8', 'float'])
    .default('int8')
    .describe(
      "Which posteriors the stream sweep sees: `int8` = the float model's posteriors on the int8 softmax output grid (k/256, at most 255/256) at the thresholds the board compares against (round(θ·2¹⁶)/2¹⁶; those above 255/256 left out), so the operating point is one the board's detector can run; `float` = float posteriors and thresholds as given (version ≤ 6).",
    ),
  /**
   * One threshold per keyword, chosen on the tuning streams (src/eval/per-keyword-thresholds.ts):
   * reported next to the single-θ operating point (artifact `perKeyword`, metrics `perKeyword*`).
   */
  perKeywordThresholds: perKeywordThresholdsSchema
    .optional()
    .describe(
      'One detection threshold per keyword, chosen on the tuning streams by a Lagrangian rule (per keyword θ_k = argmin misses_k + λ·FA_k, λ the one whose thresholds meet events.targetFaPerHour together) and applied unchanged to the scored streams; reported beside the single-θ operating point (artifact `perKeyword`, metrics perKeywordFrr, perKeywordFaPerHour, perKeywordThreshold.<keyword>). Needs tuning streams. Absent = single θ only.',
    ),
  /**
   * Measurement datasets: names of stages in `needs:` that make a `dataset` artifact (e.g. an
   * import-audio of real recordings) to score whole — never trained on. Reported per stage as
   * metric `accuracy.measure.<stage>` and in the evaluation artifact's `measurements`.
   */
  measure: z
    .array(z.string().min(1))
    .max(32)
    .default([])
    .superRefine((names, c) => {
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i) c.addIssue({ code: 'custom', path: [i], message: `"${n}" is listed twice` });
      });
    })
    .describe(
      'Stages in needs: whose `dataset` (e.g. an import-audio of real recordings) is scored whole, never trained on; metric accuracy.measure.<stage>.',
    ),
});
export type EvaluateConfig = z.output<typeof evaluateConfigSchema>;

interface FoundArtifact {
  readonly stage: string;
  readonly ref: ArtifactRef;
}

/** The measurement stages' `dataset` artifacts, in `measure:` order; a located error for a bad name. */
function measurementInputs(ctx: StageContext<EvaluateConfig>): FoundArtifact[] {
  return ctx.config.measure.map((stage, i) => {
    const where = `stages.${ctx.stageName}.with.measure[${i}]`;
    const out = ctx.inputs[stage];
    if (out === undefined) {
      throw new StageInputError(
        `${where}: "${stage}" is not in needs: (${Object.keys(ctx.inputs).join(', ') || 'no inputs'}); add it there`,
      );
    }
    const ref = out.artifacts.find((a) => a.name === 'dataset');
    if (ref === undefined) {
      throw new StageInputError(
        `${where}: stage "${stage}" makes no \`dataset\` artifact (it has ${out.artifacts.map((a) => a.name).join(', ') || 'none'}); expected an import-audio or synth-kws stage`,
      );
    }
    return { stage, ref };
  });
}

/** Metric keys per engine (`accuracy.<engine>`, flat: metric values are scalars). */
function sourceMetrics(b: SourceBreakdown): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  const engineHeld = heldOutRow(b, 'held-out-engine');
  const voiceHeld = heldOutRow(b, 'held-out-voice');
  if (engineHeld) {
    out.heldOutSourceAccuracy = engineHeld.accuracy;
    out.heldOutSourceClips = engineHeld.clips;
    if (engineHeld.intAccuracy !== undefined) out.intHeldOutSourceAccuracy = engineHeld.intAccuracy;
  }
  if (voiceHeld) {
    out.heldOutVoiceAccuracy = voiceHeld.accuracy;
    out.heldOutVoiceClips = voiceHeld.clips;
    if (voiceHeld.intAccuracy !== undefined) out.intHeldOutVoiceAccuracy = voiceHeld.intAccuracy;
  }
  for (const e of b.byEngine) {
    out[`accuracy.${e.engine}`] = e.accuracy;
    if (e.intAccuracy !== undefined) out[`intAccuracy.${e.engine}`] = e.intAccuracy;
  }
  return out;
}

function measurementMetrics(ms: readonly MeasurementResult[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const m of ms) {
    out[`accuracy.measure.${m.stage}`] = m.accuracy;
    if (m.intAccuracy !== undefined) out[`intAccuracy.measure.${m.stage}`] = m.intAccuracy;
    out[`clips.measure.${m.stage}`] = m.clips;
  }
  return out;
}

async function run(ctx: StageContext<EvaluateConfig>): Promise<StageResult> {
  const measurements = measurementInputs(ctx);
  const modelDir = await ctx.fetchDir(requireUpstream(ctx, 'model', 'train'));
  const test = readFeatureTensor(await ctx.fetchFile(requireUpstream(ctx, 'test', 'features')));
  // Measurement stages are never candidates for the data stage's artifacts; among the
  // others each must be unambiguous (src/stage/inputs.ts).
  const notMeasured = { exclude: ctx.config.measure };
  const streamsDir = await ctx.fetchDir(requireUpstream(ctx, 'streams', 'synth-kws', notMeasured));
  const datasetRef = findInput(ctx, 'dataset', notMeasured);
  const dataStage =
    datasetRef === undefined
      ? null
      : (Object.keys(ctx.inputs).find((s) => ctx.inputs[s]!.artifacts.includes(datasetRef)) ?? null);
  let sources: ClipSources = noClipSources();
  if (datasetRef) sources = readClipSources(await ctx.fetchDir(datasetRef));
  else ctx.log('no `dataset` artifact among the inputs: every test clip counts as one unknown source');
  if (sources.file === null)
    ctx.log(`the dataset has no sources.json: every test clip counts as source "${UNKNOWN_SOURCE}"`);
  const frontEnd = mfccConfigSchema.parse(test.header.frontEnd);
  const params = mfccParams(frontEnd);
  const labels = test.header.labels;
  const shape: [number, number] = [params.frames, params.coefficients];

  const tuningRef = findInput(ctx, 'tuning-streams', notMeasured);
  const tuningDir = tuningRef && ctx.config.thresholdFrom === 'auto' ? await ctx.fetchDir(tuningRef) : undefined;
  const intRef = findInput(ctx, 'int-model');
  const intModel = intRef ? decodeIntModel(fs.readFileSync(await ctx.fetchFile(intRef), 'utf8')) : undefined;

  const workers = evalWorkerCount();
  const model = await loadModelArtifacts(readModelDir(modelDir));
  // Where the stage's time goes (docs/results/2026-12-04-default-pipeline-time.md), in the log.
  // With work running ahead (below) the parts overlap: a part's figures are the main flow's
  // time from the previous lap, including waiting for work started earlier.
  const timer = new PartTimer();
  // The streams' front end runs ahead in worker threads, in the order the model consumes the
  // streams (scored, then tuning), while this thread runs TensorFlow over the ones before
  // (docs/results/2026-12-05-evaluate-wall.md).
  const pool = StreamFeaturePool.start(workers, frontEnd);
  // Work started ahead and awaited later; settled before the model is disposed, also on failure.
  const started: Promise<unknown>[] = [];
  const settledLater = <T>(p: Promise<T>): (() => Promise<T>) => {
    started.push(p.catch(() => undefined)); // handled now: a failure while the stage is busy elsewhere is no unhandled rejection
    return () => p;
  };
  // One gcc build of the integer model serves the test split and every measurement dataset
  // (src/nn/host-int-model.ts); removed in `finally`, after every run on it settled.
  const intHost = intModel ? settledLater(HostIntModel.build(intModel)) : undefined;
  try {
    const scoredFeatures = requestStreamFeatures(pool, streamsDir);
    const tuningFeatures = tuningDir === undefined ? undefined : requestStreamFeatures(pool, tuningDir);
    // 3 (started first). The integer model (when a quantize stage is in needs:), as the board
    // computes it: the host build and run of the generated C are child processes, so they run on
    // the other core while this thread runs the float model, on the one host build made above.
    const integerRun =
      intModel && intHost
        ? settledLater(
            (async () =>
              integerAccuracy(
                intModel,
                test,
                (done, total) =>
                  ctx.progress({ done, total, unit: 'clips', message: 'integer model on the test split' }),
                await intHost(),
              ))(),
          )
        : undefined;
    // 5 (started now). Measurement datasets, scored whole with the same front end (small: its
    // integer runs overlap the streams too).
    const measuredRun = settledLater(
      (async () => {
        const out: MeasurementResult[] = [];
        for (const m of measurements) {
          out.push(
            await measureDataset({
              stage: m.stage,
              dir: await ctx.fetchDir(m.ref),
              frontEnd,
              labels,
              predict: (x) => predict(model, x, shape, ctx.config.batchSize),
              ...(intModel && intHost ? { intModel, intHost: intHost() } : {}),
              onProgress: (done, total, message) => ctx.progress({ done, total, unit: 'clips', message }),
            }),
          );
        }
        return out;
      })(),
    );
    // 1. Clip level: the test split.
    const n = test.header.shape[0] as number;
    const testPost = await predict(model, test.data, shape, ctx.config.batchSize);
    const testPredicted = argmaxPerRow(testPost, labels.length);
    const confusion = confusionMatrix(test.header.labelIndex, testPredicted, labels.length);
    const testAccuracy = n > 0 ? accuracy(confusion) : 0;
    timer.lap('testSplit');

    // 2. Streams, one model run every `inferenceEvery` hops (as the device).
    const hopMs = (params.strideSamples * 1000) / params.sampleRate;
    const every = ctx.config.inferenceEvery;
    const eventOptions = {
      ...eventOptionsAtStride(ctx.config.events, every, hopMs),
      ...sweepThresholds(ctx),
      frameStrideMs: hopMs * every,
      frameOffsetMs: (params.clipSamples * 1000) / params.sampleRate,
    };
    const streams = await runOnStreams(ctx, model, frontEnd, scoredFeatures, 'running the model over streams');
    timer.lap('streamsModel');
    const prepared = prepareEventEvaluation(streams, labels, eventOptions);
    let events: EventEvaluation = evaluateStreams(streams, labels, eventOptions);
    timer.lap('streamsSweep');
    let tuning: TuningSummary | undefined;
    let tuningPrepared: PreparedEvaluation | undefined;
    if (tuningFeatures !== undefined) {
      const tuningStreams = await runOnStreams(
        ctx,
        model,
        frontEnd,
        tuningFeatures,
        'running the model over tuning streams',
      );
      timer.lap('tuningModel');
      tuningPrepared = prepareEventEvaluation(tuningStreams, labels, eventOptions);
      ({ events, tuning } = applyTunedThreshold(
        events,
        prepared,
        evaluateStreams(tuningStreams, labels, eventOptions),
      ));
    } else {
      const scoredOp = events.operatingPoint;
      events = {
        ...events,
        operatingPoint: {
          ...scoredOp,
          reason: `chosen on the scored streams themselves (optimistic): ${scoredOp.reason}`,
        },
      };
    }
    if (tuningPrepared) timer.lap('tuningSweep');
    let perKeyword: PerKeywordEvaluation | undefined;
    if (ctx.config.perKeywordThresholds !== undefined) {
      if (tuningPrepared === undefined)
        throw new StageInputError(
          `stages.${ctx.stageName}.with.perKeywordThresholds: needs tuning streams (a synth-kws stage with streams.tuning in needs:, thresholdFrom: auto); choosing per-keyword thresholds on the scored streams would report an optimistic FRR`,
        );
      perKeyword = perKeywordEvaluation(tuningPrepared, prepared, ctx.config.perKeywordThresholds);
      for (const line of perKeyword.logLines) ctx.log(line);
      timer.lap('perKeyword');
    }
    const op = events.operatingPoint;
    // Every hit's latency at the operating point, for the report's histogram.
    const opMatches = matchAtThreshold(prepared, op.threshold);
    const latenciesMs = opMatches.flatMap((m) => m.keyword.flatMap((o) => (o.type === 'hit' ? [o.latencyMs] : [])));
    // FRR per engine that spoke the keywords (empty for streams whose events name none).
    const eventsByEngine = frrByEngine(opMatches);
    // Which negative words the false accepts are on (the tuning streams' table is where hard
    // negatives may be mined; docs/results/2026-12-04-stream-frr-diagnosis.md).
    const negativeFalseAccepts = {
      scored: falseAcceptsByWord(opMatches),
      ...(tuningPrepared ? { tuning: falseAcceptsByWord(matchAtThreshold(tuningPrepared, op.threshold)) } : {}),
    };
    // The int8 model's softmax codes stop at 255/256, so a higher θ never fires on the board.
    const reachableOnDevice = op.threshold <= INT8_POSTERIOR_MAX;
    if (!reachableOnDevice) {
      ctx.log(
        `operating threshold ${op.threshold} is above the int8 model's largest posterior (255/256 = ${INT8_POSTERIOR_MAX.toFixed(5)}): the streaming detector on the board would never fire at it`,
      );
    }
    // 3. The integer model, started above.
    const integer: IntegerAccuracy | undefined = integerRun ? await integerRun() : undefined;
    timer.lap('integerTestSplit');
    // 4. By clip source: engine, (engine, voice), held-out class (leave-one-source-out).
    const bySource = sourceBreakdown({
      clips: test.header.clips,
      truth: test.header.labelIndex,
      predicted: testPredicted,
      ...(integer ? { intPredicted: integer.predicted } : {}),
      numClasses: labels.length,
      sources,
    });
    // 4b. By acoustic condition (effective-SNR band, quiet, background), when sources.json records them.
    const byCondition = conditionBreakdown({
      clips: test.header.clips,
      truth: test.header.labelIndex,
      predicted: testPredicted,
      ...(integer ? { intPredicted: integer.predicted } : {}),
      sources,
      edgesDb: ctx.config.snrBandsDb,
    });
    const conditions: ConditionBreakdown | undefined =
      (byCondition.sets[0]?.withConditions ?? 0) > 0 ? byCondition : undefined;
    if (conditions) for (const line of conditionLogLines(conditions)) ctx.log(line);
    else if (sources.file !== null)
      ctx.log('sources.json records no clip conditions (a dataset before synth-kws 3): no accuracy by condition');
    // 5. Measurement datasets, started above.
    const measured = await measuredRun();
    timer.lap('measure');
    ctx.log(`time: ${timer.summary()}`);
    const evaluation = {
      accuracy: testAccuracy,
      testClips: n,
      confusion: { labels, counts: confusion },
      events,
      latenciesMs,
      ...(integer ? { integer: { accuracy: integer.accuracy, confusion: { labels, counts: integer.confusion } } } : {}),
      ...(tuning ? { tuning } : {}),
      sources: { ...bySource, engines: sources.engines, dataStage },
      ...(conditions ? { conditions } : {}),
      ...(eventsByEngine.length > 0 ? { eventsByEngine } : {}),
      negativeFalseAccepts,
      ...(perKeyword ? { perKeyword: perKeyword.artifact } : {}),
      ...(measured.length > 0 ? { measurements: measured } : {}),
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
        eventFaPerNegativeWord: negativeFalseAccepts.scored.perNegativeWord,
        thresholdReachableOnDevice: reachableOnDevice,
        streamMinutes: events.totals.durationSec / 60,
        ...timer.metrics(),
        ...sourceMetrics(bySource),
        ...(conditions ? conditionMetrics(conditions) : {}),
        ...Object.fromEntries(eventsByEngine.map((e) => [`eventFrr.${e.engine}`, e.frr])),
        ...measurementMetrics(measured),
        ...(perKeyword ? perKeywordMetrics(perKeyword) : {}),
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
      summary: `test acc ${(testAccuracy * 100).toFixed(1)}%${integer ? ` (integer ${(integer.accuracy * 100).toFixed(1)}%)` : ''} (${n} clips)${heldOutSummary(bySource, measured)}; events @${+op.threshold.toFixed(3)}: FRR ${(op.result.frr * 100).toFixed(1)}%, ${op.result.faPerHour.toFixed(2)} FA/h, latency ${latency === null ? '-' : `${Math.round(latency)} ms`}${perKeyword ? `; per-keyword θ: FRR ${(perKeyword.artifact.scored.frr * 100).toFixed(1)}%, ${perKeyword.artifact.scored.faPerHour.toFixed(2)} FA/h` : ''}`,
    };
  } finally {
    await pool.close();
    await Promise.all(started);
    await intHost?.().then(
      (h) => h.dispose(),
      () => undefined, // the build's failure is the runs' error
    );
    model.dispose();
  }
}

/** A stream directory (index.json format) with every stream's frames requested from `pool`. */
interface RequestedStreams {
  readonly dir: string;
  readonly index: ReturnType<typeof streamIndexSchema.parse>;
  readonly frames: readonly (() => Promise<StreamFileFeatures>)[];
}

function requestStreamFeatures(pool: StreamFeaturePool, dir: string): RequestedStreams {
  const index = streamIndexSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, STREAM_INDEX), 'utf8')));
  return { dir, index, frames: index.map((s) => pool.request(path.join(dir, s.file))) };
}

/** "accuracy by effective SNR, held-out-voice: < 10 dB 61.0% (120), 10–20 dB 78.3% (400), …" per set. */
function conditionLogLines(c: ConditionBreakdown): string[] {
  return c.sets.map(
    (s) =>
      `accuracy by effective SNR, ${s.set}: ${s.bySnr.map((r) => `${r.label} ${(r.accuracy * 100).toFixed(1)}% (${r.clips})`).join(', ')}`,
  );
}

/** ", held-out engines 71.2% ±8.1 (120 clips), real 46.0% ±20.8 (22 clips)" — empty without either; ± = 95 % interval. */
function heldOutSummary(b: SourceBreakdown, ms: readonly MeasurementResult[]): string {
  const pct = (x: number, n: number) => `${(x * 100).toFixed(1)}% ${formatHalfWidth95(x, n)}`;
  const parts: string[] = [];
  const h = heldOutRow(b, 'held-out-engine');
  if (h) parts.push(`held-out engines ${pct(h.accuracy, h.clips)} (${h.clips} clips)`);
  for (const m of ms) parts.push(`${m.stage} ${pct(m.accuracy, m.clips)} (${m.clips} clips)`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

/** Posteriors of the model every `inferenceEvery` frame strides of every stream of `requested`. */
async function runOnStreams(
  ctx: StageContext<EvaluateConfig>,
  model: LayersModel,
  frontEnd: MfccConfig,
  requested: RequestedStreams,
  message: string,
): Promise<StreamPosteriors[]> {
  const params = mfccParams(frontEnd);
  const shape: [number, number] = [params.frames, params.coefficients];
  const { index } = requested;
  const streams: StreamPosteriors[] = [];
  for (const [i, s] of index.entries()) {
    ctx.progress({ done: i, total: index.length, unit: 'streams', message });
    const features = await requested.frames[i]!();
    if (!features.ok)
      throw new StageInputError(
        `${s.file}: sample rate ${features.sampleRate} Hz, the front end expects ${params.sampleRate} Hz`,
      );
    const { frames, count } = features;
    const starts = windowStarts(count, params.frames, ctx.config.inferenceEvery);
    const x = new Float32Array(starts.length * params.frames * params.coefficients);
    starts.forEach((w, i) =>
      x.set(
        frames.subarray(w * params.coefficients, (w + params.frames) * params.coefficients),
        i * params.frames * params.coefficients,
      ),
    );
    streams.push({
      id: s.file,
      durationSec: s.durationSec,
      posteriors: await predict(model, x, shape, ctx.config.batchSize),
      events: s.events,
    });
  }
  return ctx.config.streamPosteriors === 'int8' ? streamsOnInt8Grid(streams) : streams;
}

/**
 * `{thresholds}` to sweep: with streamPosteriors int8 the ones the board reaches, snapped to its
 * 2⁻¹⁶ grid (the unreachable ones are logged); with float the configured list unchanged.
 */
function sweepThresholds(ctx: StageContext<EvaluateConfig>): { thresholds?: number[] } {
  const configured = ctx.config.events.thresholds;
  if (ctx.config.streamPosteriors === 'float' || configured === undefined) return {};
  const { thresholds, unreachable } = deviceThresholds(configured);
  if (thresholds.length === 0)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.events.thresholds: every threshold (${configured.join(', ')}) is above the int8 model's largest posterior 255/256 = ${INT8_POSTERIOR_MAX.toFixed(5)}; the board's detector never fires there (or set streamPosteriors: float)`,
    );
  if (unreachable.length > 0)
    ctx.log(
      `thresholds ${unreachable.join(', ')} left out of the sweep: above the int8 model's largest posterior 255/256, the board's detector never fires there`,
    );
  return { thresholds };
}

export const evaluateStage: StageModule<EvaluateConfig> = {
  kind,
  version,
  description:
    'Evaluate a trained KWS model: test accuracy + confusion matrix, and event metrics (FRR, FA/hour, latency, DET) on streams',
  configSchema: evaluateConfigSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
