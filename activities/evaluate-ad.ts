import { z } from 'zod';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import { StageInputError } from '../src/errors';
import { anomalyMetrics, ratesAt, rocCurve, thresholdForFalseAlarms } from '../src/eval/auc';
import { clipAnomalyScores, type ClipScore } from '../src/eval/anomaly-scores';
import { loadModelArtifacts, predict, readModelDir } from '../src/nn';
import { findInput, requireUpstream } from '../src/stage/inputs';
import type { StageContext, StageModule, StageResult } from './stage-module';
import { tfjsVersions } from './tool-versions';

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
export const version = 1;

export const configSchema = z.strictObject({
  /** pAUC's maximum false-positive rate (DCASE 2020 task 2: 0.1). */
  p: z.number().gt(0).max(1).default(0.1),
  score: z.enum(['neg-log-prob', 'one-minus-prob']).default('neg-log-prob'),
  /** Share of validation normals allowed to alarm at each ID's operating threshold. */
  falseAlarmRate: z.number().min(0).max(1).default(0.05),
});
export type EvaluateAdConfig = z.output<typeof configSchema>;

async function loadFeatures(ctx: StageContext<EvaluateAdConfig>, name: string): Promise<FeatureTensor | undefined> {
  const ref = findInput(ctx, name);
  if (!ref) return undefined;
  const t = readFeatureTensor(await ctx.fetchFile(ref));
  if (t.header.frontEnd.type !== 'logmel') {
    throw new StageInputError(`stages.${ctx.stageName}: the ${name} features are ${String(t.header.frontEnd.type)}, evaluate-ad needs log-mel patches (features type: logmel)`);
  }
  return t;
}

async function scoresOf(model: Parameters<typeof predict>[0], t: FeatureTensor, kind: EvaluateAdConfig['score']): Promise<ClipScore[]> {
  const [, rows, cols] = t.header.shape as [number, number, number];
  const post = await predict(model, t.data, [rows, cols]);
  return clipAnomalyScores(t.header, post, kind);
}

async function run(ctx: StageContext<EvaluateAdConfig>): Promise<StageResult> {
  const config = ctx.config;
  const test = await loadFeatures(ctx, 'test');
  if (!test) throw new StageInputError(`stages.${ctx.stageName}: needs a features stage (type: logmel) in needs: (no "test" artifact)`);
  const validation = await loadFeatures(ctx, 'validation');
  const model = await loadModelArtifacts(readModelDir(await ctx.fetchDir(requireUpstream(ctx, 'model', 'train'))));
  ctx.progress({ done: 0, total: 2, unit: 'splits', message: 'scoring test patches' });
  const testScores = await scoresOf(model, test, config.score);
  ctx.progress({ done: 1, total: 2, unit: 'splits', message: 'scoring validation patches' });
  const valScores = validation && validation.header.shape[0]! > 0 ? await scoresOf(model, validation, config.score) : [];
  model.dispose();
  let m;
  try {
    m = anomalyMetrics(testScores, config.p);
  } catch (e) {
    throw new StageInputError(`stages.${ctx.stageName}: ${(e as Error).message}`);
  }
  const ids = m.ids.map((r) => {
    const mine = (s: ClipScore): boolean => s.type === r.type && s.id === r.id;
    const normal = testScores.filter((s) => mine(s) && !s.anomalous).map((s) => s.score);
    const anomalous = testScores.filter((s) => mine(s) && s.anomalous).map((s) => s.score);
    const valNormals = valScores.filter((s) => mine(s) && !s.anomalous).map((s) => s.score);
    const threshold = valNormals.length > 0 ? thresholdForFalseAlarms(valNormals, config.falseAlarmRate) : undefined;
    return {
      ...r,
      roc: rocCurve(normal, anomalous).map((pt) => ({ fpr: pt.fpr, tpr: pt.tpr })),
      ...(threshold !== undefined ? { threshold, ...ratesAt(normal, anomalous, threshold) } : {}),
    };
  });
  const evaluation = {
    task: 'anomaly-detection',
    score: config.score,
    p: config.p,
    falseAlarmRate: config.falseAlarmRate,
    auc: m.auc,
    pauc: m.pauc,
    types: m.types,
    ids,
    clips: testScores.map((s) => ({ clip: s.clip, type: s.type, id: s.id, anomalous: s.anomalous, score: s.score, patches: s.patches })),
  };
  const perType = Object.fromEntries(m.types.flatMap((t) => [[`auc.${t.type}`, t.auc], [`pauc.${t.type}`, t.pauc]]));
  return {
    artifacts: [await ctx.storeJson('evaluation', evaluation)],
    metrics: { auc: m.auc, pauc: m.pauc, machineIds: m.ids.length, testClips: testScores.length, ...perType },
    summary:
      `AUC ${(100 * m.auc).toFixed(2)}%, pAUC ${(100 * m.pauc).toFixed(2)}% (p = ${config.p}) over ${m.ids.length} machine IDs; ` +
      m.types.map((t) => `${t.type} ${(100 * t.auc).toFixed(1)}/${(100 * t.pauc).toFixed(1)}`).join(', '),
  };
}

export const evaluateAdStage: StageModule<EvaluateAdConfig> = {
  kind,
  version,
  description: 'Anomaly detection: AUC / pAUC per machine ID and type of a machine-ID classifier on log-mel patches (score = mean −log p(true ID))',
  configSchema,
  toolVersions: async () => tfjsVersions(),
  run,
};
