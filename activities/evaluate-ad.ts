import { z } from 'zod';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import { StageInputError } from '../src/errors';
import { anomalyMetrics, ratesAt, rocCurve, thresholdForFalseAlarms } from '../src/eval/auc';
import { clipAnomalyScores, type ClipScore } from '../src/eval/anomaly-scores';
import { loadModelArtifacts, predict, readModelDir } from '../src/nn';
import { autoencoderClipScores } from '../src/eval/autoencoder-scores';
import { integerOutputsHost } from '../src/eval/integer-posteriors';
import { disposeAutoencoders, readAutoencoderDir } from '../src/nn/fc-autoencoder-artifact';
import { decodeIntModel, type IntModel } from '../src/quant/int-model';
import * as fs from 'node:fs';
import type { LayersModel } from '@tensorflow/tfjs-node';
import {
  EMBEDDING_LAYER_PATTERN,
  embeddingClipScores,
  embeddingLayerNames,
  fitIdGaussians,
  layerEmbeddings,
} from '../src/eval/embedding-scores';
import { findInput, requireUpstream } from '../src/stage/inputs';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { tfjsVersions } from '../src/util/tool-versions';

/**
 * Stage `evaluate-ad`: anomaly detection metrics of a machine-ID classifier (MicroNets
 * §4.3; docs/stages/evaluate-ad.md). Needs a `train` stage trained on log-mel patches
 * (features type: logmel) and that features stage: the model's posteriors on every test
 * patch give clip scores (src/eval/anomaly-scores.ts), from which AUC and pAUC per
 * machine ID, per type and on average (src/eval/auc.ts). Per ID, an operating threshold
 * is chosen on the validation normals at `falseAlarmRate` and its TPR/FPR on the test
 * clips are reported. Artifact `evaluation` (JSON): metrics, per-ID ROC curves, every
 * clip's score (for score histograms in a report).
 */

export const kind = 'evaluate-ad';
export const version = 4; // 2: FC-autoencoder baseline (train-ae), integer-model AUC (quantize), per-ID normal/anomalous score lists; 3: embedding-mahalanobis score; 4: integer model run as host-compiled C, its embedding Gaussians fitted on its own training embeddings; 5: embeddingLayer (conv0 / block<i>_dw|pw / pool), recorded in the evaluation

export const configSchema = z.strictObject({
  /** pAUC's maximum false-positive rate (DCASE 2020 task 2: 0.1). */
  p: z.number().gt(0).max(1).default(0.1).describe("pAUC's maximum false-positive rate (DCASE 2020 task 2: 0.1)."),
  /**
   * Clip score: `neg-log-prob` (MicroNets §4.3: mean −log p(true ID)), `one-minus-prob`, or
   * `embedding-mahalanobis` (mean Mahalanobis² of the patches' pooled features to their ID's
   * Gaussian fitted on the training patches; src/eval/embedding-scores.ts).
   */
  score: z
    .enum(['neg-log-prob', 'one-minus-prob', 'embedding-mahalanobis'])
    .default('neg-log-prob')
    .describe(
      "Clip score: `neg-log-prob` (MicroNets §4.3: mean −log p(true ID)), `one-minus-prob`, or `embedding-mahalanobis` (mean Mahalanobis² of the patches' pooled features to their ID's Gaussian fitted on the training patches; src/eval/embedding-scores.ts).",
    ),
  /** `embedding-mahalanobis`: covariance shrinkage λ towards a scaled identity. */
  shrinkage: z
    .number()
    .gt(0)
    .max(1)
    .default(0.01)
    .describe('`embedding-mahalanobis`: covariance shrinkage λ towards a scaled identity.'),
  /**
   * `embedding-mahalanobis`: the layer whose output, averaged over time and frequency, is the
   * embedding: `pool` (the last block, the dense layer's input), `conv0`, `block<i>_dw` or
   * `block<i>_pw` (after batch norm and ReLU). Earlier layers are more sensitive to faults
   * (docs/anomaly-detection.md#embedding-layer).
   */
  embeddingLayer: z
    .string()
    .regex(EMBEDDING_LAYER_PATTERN, 'expected pool, conv0, block<i>_dw or block<i>_pw')
    .default('pool')
    .describe(
      "`embedding-mahalanobis`: the layer whose output, averaged over time and frequency, is the embedding: `pool` (the last block, the dense layer's input), `conv0`, `block<i>_dw` or `block<i>_pw` (after batch norm and ReLU). Earlier layers are more sensitive to faults (docs/anomaly-detection.md#embedding-layer).",
    ),
  /** Share of validation normals allowed to alarm at each ID's operating threshold. */
  falseAlarmRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe("Share of validation normals allowed to alarm at each ID's operating threshold."),
});
export type EvaluateAdConfig = z.output<typeof configSchema>;

async function loadFeatures(ctx: StageContext<EvaluateAdConfig>, name: string): Promise<FeatureTensor | undefined> {
  const ref = findInput(ctx, name);
  if (!ref) return undefined;
  const t = readFeatureTensor(await ctx.fetchFile(ref));
  if (t.header.frontEnd.type !== 'logmel') {
    throw new StageInputError(
      `stages.${ctx.stageName}: the ${name} features are ${String(t.header.frontEnd.type)}, evaluate-ad needs log-mel patches (features type: logmel)`,
    );
  }
  return t;
}

type Scorer = (t: FeatureTensor) => Promise<ClipScore[]>;

/** The clip scorer of `config.score` for the float model (fits the ID Gaussians first for the embedding score). */
async function floatScorer(ctx: StageContext<EvaluateAdConfig>, model: LayersModel): Promise<Scorer> {
  const kind = ctx.config.score;
  if (kind !== 'embedding-mahalanobis') {
    return async (t) => {
      const [, rows, cols] = t.header.shape as [number, number, number];
      return clipAnomalyScores(t.header, await predict(model, t.data, [rows, cols]), kind);
    };
  }
  const train = await loadFeatures(ctx, 'train');
  if (!train)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.score: embedding-mahalanobis needs the features stage's train patches (no "train" artifact in needs:)`,
    );
  const [, rows, cols] = train.header.shape as [number, number, number];
  const layer = ctx.config.embeddingLayer;
  if (!embeddingLayerNames(model).includes(layer)) {
    throw new StageInputError(
      `stages.${ctx.stageName}.with.embeddingLayer: "${layer}" is not a layer of the trained model (it has ${embeddingLayerNames(model).join(', ')})`,
    );
  }
  ctx.progress({ done: 0, total: 3, unit: 'splits', message: `embedding the training patches (${layer})` });
  const emb = await layerEmbeddings(model, train.data, [rows, cols], layer);
  const gaussians = fitIdGaussians(
    emb.values,
    emb.dim,
    train.header.labelIndex,
    train.header.labels.length,
    ctx.config.shrinkage,
  );
  return async (t) => {
    const e = await layerEmbeddings(model, t.data, [rows, cols], layer);
    return embeddingClipScores(t.header, e.values, e.dim, gaussians);
  };
}

/**
 * Clip scores of the integer model (a quantize stage in needs:), as the board computes them:
 * the generated C run on the host (src/nn/host-int-model.ts, bit-exact with the board).
 * With `embedding-mahalanobis`, intAuc is the AUC of the detector a board would run end to end:
 * the ID Gaussians are fitted on the integer model's own pooled features of the training
 * patches (dequantized), not on the float model's, so the constants the board carries and the
 * embeddings it compares with them come from the same integer network.
 */
async function integerClipScores(
  ctx: StageContext<EvaluateAdConfig>,
  intModel: IntModel,
  test: FeatureTensor,
): Promise<ClipScore[]> {
  const n = (t: FeatureTensor): number => t.header.shape[0] as number;
  const kind = ctx.config.score;
  const layer = ctx.config.embeddingLayer;
  const outTest = await integerOutputsHost(
    intModel,
    test.data,
    n(test),
    (done, total) => ctx.progress({ done, total, unit: 'patches', message: 'integer model on the test patches' }),
    layer,
  );
  if (kind !== 'embedding-mahalanobis') return clipAnomalyScores(test.header, outTest.posteriors, kind);
  if (outTest.pooledDim === 0) {
    throw new StageInputError(
      `stages.${ctx.stageName}: the integer model has no "${layer}" op, so score: embedding-mahalanobis (embeddingLayer: ${layer}) cannot be computed for it`,
    );
  }
  const train = await loadFeatures(ctx, 'train');
  if (!train)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.score: embedding-mahalanobis needs the features stage's train patches (no "train" artifact in needs:)`,
    );
  const outTrain = await integerOutputsHost(
    intModel,
    train.data,
    n(train),
    (done, total) => ctx.progress({ done, total, unit: 'patches', message: 'integer model on the training patches' }),
    layer,
  );
  const gaussians = fitIdGaussians(
    outTrain.pooled,
    outTrain.pooledDim,
    train.header.labelIndex,
    train.header.labels.length,
    ctx.config.shrinkage,
  );
  return embeddingClipScores(test.header, outTest.pooled, outTest.pooledDim, gaussians);
}

async function run(ctx: StageContext<EvaluateAdConfig>): Promise<StageResult> {
  const config = ctx.config;
  const test = await loadFeatures(ctx, 'test');
  if (!test)
    throw new StageInputError(
      `stages.${ctx.stageName}: needs a features stage (type: logmel) in needs: (no "test" artifact)`,
    );
  const validation = await loadFeatures(ctx, 'validation');
  const model = await loadModelArtifacts(readModelDir(await ctx.fetchDir(requireUpstream(ctx, 'model', 'train'))));
  let testScores: ClipScore[];
  let valScores: ClipScore[];
  try {
    const scoreOf = await floatScorer(ctx, model);
    ctx.progress({ done: 1, total: 3, unit: 'splits', message: 'scoring test patches' });
    testScores = await scoreOf(test);
    ctx.progress({ done: 2, total: 3, unit: 'splits', message: 'scoring validation patches' });
    valScores = validation && validation.header.shape[0]! > 0 ? await scoreOf(validation) : [];
  } finally {
    model.dispose();
  }
  const metricsOf = (scores: readonly ClipScore[]) => {
    try {
      return anomalyMetrics(scores, config.p);
    } catch (e) {
      throw new StageInputError(`stages.${ctx.stageName}: ${(e as Error).message}`);
    }
  };
  const m = metricsOf(testScores);
  // The FC-autoencoder baseline on the same test clips (a train-ae stage in needs:).
  const aeRef = findInput(ctx, 'autoencoder');
  let baseline: ReturnType<typeof metricsOf> | undefined;
  if (aeRef) {
    ctx.progress({ done: 1, total: 2, unit: 'splits', message: 'scoring test patches with the autoencoder baseline' });
    const ae = await readAutoencoderDir(await ctx.fetchDir(aeRef));
    try {
      const [, rows, cols] = test.header.shape as [number, number, number];
      if (ae.patchShape[0] !== rows || ae.patchShape[1] !== cols) {
        throw new StageInputError(
          `stages.${ctx.stageName}: the autoencoder was trained on ${ae.patchShape.join('×')} patches, the test features are ${rows}×${cols}`,
        );
      }
      baseline = metricsOf(await autoencoderClipScores(test.header, test.data, ae));
    } finally {
      disposeAutoencoders(ae);
    }
  }
  // The integer model (a quantize stage in needs:), as the board computes it.
  const intRef = findInput(ctx, 'int-model');
  let integer: ReturnType<typeof metricsOf> | undefined;
  if (intRef) {
    const intModel = decodeIntModel(fs.readFileSync(await ctx.fetchFile(intRef), 'utf8'));
    integer = metricsOf(await integerClipScores(ctx, intModel, test));
  }
  const ids = m.ids.map((r) => {
    const mine = (s: ClipScore): boolean => s.type === r.type && s.id === r.id;
    const normal = testScores.filter((s) => mine(s) && !s.anomalous).map((s) => s.score);
    const anomalous = testScores.filter((s) => mine(s) && s.anomalous).map((s) => s.score);
    const valNormals = valScores.filter((s) => mine(s) && !s.anomalous).map((s) => s.score);
    const threshold = valNormals.length > 0 ? thresholdForFalseAlarms(valNormals, config.falseAlarmRate) : undefined;
    return {
      ...r,
      normalScores: normal,
      anomalousScores: anomalous,
      ...(valNormals.length > 0 ? { validationScores: valNormals } : {}),
      roc: rocCurve(normal, anomalous).map((pt) => ({ fpr: pt.fpr, tpr: pt.tpr })),
      ...(threshold !== undefined ? { threshold, ...ratesAt(normal, anomalous, threshold) } : {}),
    };
  });
  const evaluation = {
    task: 'anomaly-detection',
    score: config.score,
    ...(config.score === 'embedding-mahalanobis' ? { embeddingLayer: config.embeddingLayer } : {}),
    p: config.p,
    falseAlarmRate: config.falseAlarmRate,
    auc: m.auc,
    pauc: m.pauc,
    types: m.types,
    ids,
    ...(baseline
      ? { baseline: { auc: baseline.auc, pauc: baseline.pauc, types: baseline.types, ids: baseline.ids } }
      : {}),
    ...(integer ? { intModel: { auc: integer.auc, pauc: integer.pauc, types: integer.types, ids: integer.ids } } : {}),
    clips: testScores.map((s) => ({
      clip: s.clip,
      type: s.type,
      id: s.id,
      anomalous: s.anomalous,
      score: s.score,
      patches: s.patches,
    })),
  };
  const perType = Object.fromEntries(
    m.types.flatMap((t) => [
      [`auc.${t.type}`, t.auc],
      [`pauc.${t.type}`, t.pauc],
    ]),
  );
  return {
    artifacts: [await ctx.storeJson('evaluation', evaluation)],
    metrics: {
      auc: m.auc,
      pauc: m.pauc,
      ...(baseline ? { baselineAuc: baseline.auc, baselinePauc: baseline.pauc } : {}),
      ...(integer ? { intAuc: integer.auc, intPauc: integer.pauc } : {}),
      ...operatingMetrics(ids),
      machineIds: m.ids.length,
      testClips: testScores.length,
      ...perType,
    },
    summary:
      `AUC ${(100 * m.auc).toFixed(2)}%, pAUC ${(100 * m.pauc).toFixed(2)}% (p = ${config.p}) over ${m.ids.length} machine IDs; ` +
      m.types.map((t) => `${t.type} ${(100 * t.auc).toFixed(1)}/${(100 * t.pauc).toFixed(1)}`).join(', ') +
      (baseline ? `; FC-AE baseline ${(100 * baseline.auc).toFixed(2)}/${(100 * baseline.pauc).toFixed(2)}` : '') +
      (integer ? `; integer model AUC ${(100 * integer.auc).toFixed(2)}%` : ''),
  };
}

/** Mean TPR / FPR over the IDs that have an operating threshold (validation normals). */
function operatingMetrics(ids: ReadonlyArray<{ tpr?: number; fpr?: number }>): Record<string, number> {
  const at = ids.filter((r): r is { tpr: number; fpr: number } => r.tpr !== undefined && r.fpr !== undefined);
  if (at.length === 0) return {};
  return {
    operatingTpr: at.reduce((a, r) => a + r.tpr, 0) / at.length,
    operatingFpr: at.reduce((a, r) => a + r.fpr, 0) / at.length,
  };
}

export const evaluateAdStage: StageModule<EvaluateAdConfig> = {
  kind,
  version,
  description:
    'Anomaly detection: AUC / pAUC per machine ID and type of a machine-ID classifier on log-mel patches (score = mean −log p(true ID))',
  configSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
