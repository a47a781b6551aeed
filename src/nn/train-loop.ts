import { createHash } from 'node:crypto';
import type * as TF from '@tensorflow/tfjs-node';
import { canonicalJson } from '../cache/canonical-json';
import { StageInputError } from '../errors';
import { Prng } from '../util/prng';
import { Adam } from './adam';
import { CheckpointError, type NamedWeights, type SeedWords, type TrainCheckpoint } from './checkpoint';
import type { DsCnnArchitecture } from './ds-cnn-arch';
import { buildDsCnn, type DsCnnNetwork } from './ds-cnn';
import { dsCnnTrainForward, type TrainForward, type TrainHead } from './ds-cnn-train';
import { adaCosScale, angularMarginLogits } from './angular-margin';
import { learningRateAt } from './lr-schedule';
import { readWeights, writeWeights } from './model-weights';
import { resolveArchitecture, type TrainConfig, type TrainStageConfig } from './train-config';
import { QuantSession, type WeightHistograms } from './qat/quant-session';
import type { QuantJson } from '../quant/quant-json';
import {
  addChannelOffsets,
  augmentBatch,
  augmentEnabled,
  cepstralMeanSpread,
  channelOffsetEnabled,
  checkTrainData,
  digestTrainData,
  gatherBatch,
  type LabelledSet,
  type TrainData,
} from './train-data';
import { isBetterEpoch, type EpochMetrics } from './train-metrics';
import { batchTargets, type TargetOptions } from './train-targets';
import { loadTf, type Tf } from './tf';
import { recomputeBatchNormStatistics, WeightAverager } from './weight-averaging';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Seeded, resumable DS-CNN training on tfjs-node (native TensorFlow).
 *
 * Reproducibility: all randomness comes from the caller's Prng, never from tf's or
 * Math.random. Eight words are drawn from it up front — four seed the per-layer
 * initializer seeds, four (`dataSeed`) seed one generator per epoch,
 * Prng.derive(dataSeed, epoch), which shuffles that epoch and then draws its dropout masks
 * step by step. Learning rates are a pure function of the step and Adam's state is explicit,
 * so the state after epoch e is (weights, Adam t/m/v, history, best) and a run resumed from
 * a checkpoint of epoch e repeats the uninterrupted run's remaining epochs exactly.
 *
 * Batching is manual (one `tf.variableGrads` per batch) so the loop owns the order of
 * examples, reports every step, and yields to the event loop between steps so an activity's
 * heartbeats and cancellation get through.
 */

export interface TrainHooks {
  /** Source of the initializer and data seeds (e.g. ctx.rng('train')). */
  readonly rng: Prng;
  /**
   * After each completed epoch (1-based) with its metrics. `checkpoint()` snapshots the
   * state to resume from after this epoch; call it before the returned promise settles
   * (training continues afterwards) and only when saving, as it copies every weight.
   * A throw stops training (the model is disposed) and propagates.
   */
  readonly onEpoch?: (epoch: number, metrics: EpochMetrics, checkpoint: () => TrainCheckpoint) => Promise<void>;
  /** After each optimizer step: steps done over the whole run (1-based) and the total. */
  readonly onStep?: (step: number, totalSteps: number) => void;
  /** Continue after `resumeFrom.epochsDone` epochs. Must come from the same config, data and rng. */
  readonly resumeFrom?: TrainCheckpoint;
  /**
   * Start from these weights (all of them, `readWeights` order and names, e.g. an upstream
   * model for fine-tuning) instead of the seeded initialisation. Part of the fingerprint.
   */
  readonly initialWeights?: readonly NamedWeights[];
}

export interface TrainResult {
  /** Input [n, frames, coeffs, 1] → posteriors, holding the best epoch's weights. The caller disposes it. */
  readonly model: TF.LayersModel;
  readonly architecture: DsCnnArchitecture;
  /** One entry per epoch, including epochs restored from a checkpoint. */
  readonly history: readonly EpochMetrics[];
  /** 1-based epoch whose weights `model` holds (best validation metric, `config.bestBy`). */
  readonly bestEpoch: number;
  /** Epochs trained by this call (fewer than `config.epochs` after a resume). */
  readonly epochsRun: number;
  /** Training throughput of this call's epochs (batching + forward + backward + update); 0 if none ran. */
  readonly trainSamplesPerSec: number;
  /** Present when the config has a `quantization:` block (thesis ch. 4 regularization, QAT). */
  readonly quant?: QuantResult;
  /** Present with `weightAveraging:`: `model` then holds the averaged weights, not the best epoch's. */
  readonly averaged?: AveragedResult;
}

/** The averaged model of a run with `weightAveraging:` (src/nn/weight-averaging.ts). */
export interface AveragedResult {
  readonly fromEpoch: number;
  readonly every: 'step' | 'epoch';
  /** Weight snapshots in the mean (steps or epochs from `fromEpoch` to the end). */
  readonly snapshots: number;
  /** Of the averaged weights with recomputed BatchNorm statistics, inference mode. */
  readonly valLoss: number;
  readonly valAccuracy: number;
}

/** Outputs of regularized quantization / QAT for the model's (best) weights. */
export interface QuantResult {
  /** The quant.json content (src/quant/quant-json.ts). */
  readonly quantJson: QuantJson;
  readonly weightHistograms: WeightHistograms;
  /** Mean distance of each layer's normalized weights to its bit grid (weight-stats.ts). */
  readonly gridDistances: Record<string, number>;
}

/** What one training run's helpers share. */
interface Session {
  readonly tf: Tf;
  readonly net: DsCnnNetwork;
  /** Training-mode input → logits over `net`'s variables (the non-QAT steps). */
  readonly forward: TrainForward;
  readonly adam: Adam;
  readonly vars: readonly TF.Variable[];
  readonly data: TrainData;
  readonly config: TrainStageConfig;
  readonly dropout: number;
  readonly quant: QuantSession | undefined;
  /** σ_k of `augment.channelOffset`, computed once from the training split; undefined when off. */
  readonly channelSigma: Float64Array | undefined;
  /** The running weight mean of `config.weightAveraging`; undefined when off. */
  readonly averager: WeightAverager | undefined;
}

/** Examples per forward pass when evaluating (inference mode: results do not depend on it). */
const EVAL_BATCH = 256;

export async function trainModel(data: TrainData, config: TrainStageConfig, hooks: TrainHooks): Promise<TrainResult> {
  checkTrainData(data);
  const tf = loadTf();
  const arch = resolveArchitecture(config.architecture);
  const seeds = drawSeeds(hooks.rng, config);
  const init = hooks.initialWeights;
  const dataDigest = digestTrainData(data) + (init === undefined ? '' : `+init:${digestWeights(init)}`);
  const fingerprint = trainFingerprint(config, dataDigest, seeds.init, seeds.data);
  const resume = hooks.resumeFrom;
  if (resume !== undefined) checkResumable(resume, fingerprint, config.epochs);
  const averaging = config.weightAveraging;
  if (averaging !== undefined) checkAveraging(config);

  const net = buildDsCnn(arch, { inputShape: data.shape, numClasses: data.numClasses, initRng: new Prng(seeds.init) });
  const vars = net.model.trainableWeights.map((w) => w.read() as TF.Variable);
  const adam = new Adam(tf, vars, config.optimizer);
  const quant =
    config.quantization === undefined ? undefined : new QuantSession(tf, net, config.quantization, config.epochs);
  const session: Session = {
    tf,
    net,
    forward: dsCnnTrainForward(tf, net),
    adam,
    vars,
    data,
    config,
    dropout: arch.dropout,
    quant,
    channelSigma: channelOffsetEnabled(config.augment.channelOffset)
      ? cepstralMeanSpread(data.train, data.shape)
      : undefined,
    averager: averaging === undefined ? undefined : new WeightAverager(tf, vars),
  };
  try {
    const { history, ...best } = startingPoint(session, resume, init);
    let { bestEpoch, bestWeights } = best;

    const n = data.train.n;
    const firstEpoch = history.length + 1;
    let trainSeconds = 0;
    for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
      if (quant !== undefined && quant.inQat(epoch) && !quant.qat.ranges.ready) calibrate(session, quant);
      const t = await trainEpoch(session, epoch, seeds.data, hooks.onStep);
      trainSeconds += t.seconds;
      if (averaging?.every === 'epoch' && epoch >= averaging.fromEpoch) session.averager?.update();
      const val = await evaluate(session, data.validation, quant?.inQat(epoch) ?? false);
      const metrics = epochMetrics(session, epoch, t, val);
      history.push(metrics);
      // QAT: only fake-quantized epochs compete for "best" (their accuracy is the integer model's).
      const incumbent = quant !== undefined && epoch === quant.qatStart ? undefined : history[bestEpoch - 1];
      if (isBetterEpoch(metrics, incumbent, config.bestBy)) {
        bestEpoch = epoch;
        bestWeights = readWeights(net.model).map((w) => w.values);
        if (quant !== undefined) quant.bestRanges = quant.qat.ranges.snapshot();
      }
      if (hooks.onEpoch !== undefined) {
        const snapshot = { history: [...history], bestEpoch, bestWeights };
        await hooks.onEpoch(epoch, metrics, () => ({
          fingerprint,
          epochsDone: epoch,
          initSeed: seeds.init,
          dataSeed: seeds.data,
          ...snapshot,
          weights: readWeights(net.model),
          optimizer: adam.getState(),
          ...(quant === undefined ? {} : { quant: quant.checkpointState() }),
          ...(session.averager === undefined || session.averager.count === 0
            ? {}
            : { averaging: session.averager.getState() }),
        }));
      }
    }

    let averaged: AveragedResult | undefined;
    if (averaging !== undefined && session.averager !== undefined) {
      session.averager.apply();
      await recomputeBatchNormStatistics(tf, net.model, session.forward, data.train, data.shape, config.batchSize, {
        rng: Prng.derive('tinyops/train/bn-recompute', ...seeds.data),
        augment: config.augment,
      });
      const val = await evaluate(session, data.validation);
      averaged = { ...averaging, snapshots: session.averager.count, valLoss: val.loss, valAccuracy: val.accuracy };
    } else {
      writeWeights(tf, net.model, bestWeights);
    }
    const epochsRun = config.epochs - firstEpoch + 1;
    const quantResult = quant === undefined ? undefined : quantOutputs(session, quant);
    return {
      model: net.model,
      architecture: arch,
      history,
      bestEpoch,
      epochsRun,
      trainSamplesPerSec: trainSeconds > 0 ? (epochsRun * n) / trainSeconds : 0,
      ...(quantResult === undefined ? {} : { quant: quantResult }),
      ...(averaged === undefined ? {} : { averaged }),
    };
  } catch (e) {
    net.model.dispose();
    throw e;
  } finally {
    adam.dispose();
    session.averager?.dispose();
  }
}

/**
 * `weightAveraging` with a config that did not pass the stage schema's checks (e.g. built
 * in code): the same rules, as a StageInputError.
 */
function checkAveraging(config: TrainStageConfig): void {
  const a = config.weightAveraging;
  if (a === undefined) return;
  if (a.fromEpoch < 1 || a.fromEpoch > config.epochs)
    throw new StageInputError(
      `weightAveraging.fromEpoch is ${a.fromEpoch}, but training has ${config.epochs} epochs; expected 1 … ${config.epochs}`,
    );
  if (config.quantization !== undefined)
    throw new StageInputError(
      'weightAveraging supports float training only; it cannot be combined with a quantization: block',
    );
}

/** Training state carried from epoch to epoch: the history and the best epoch's weights. */
interface EpochProgress {
  readonly history: EpochMetrics[];
  readonly bestEpoch: number;
  readonly bestWeights: Float32Array[];
}

/**
 * Where training starts: a checkpoint (weights, optimizer moments, history, quantization
 * state), the upstream model's weights (`initFrom: upstream`), or the seeded initialisation.
 */
function startingPoint(
  s: Session,
  resume: TrainCheckpoint | undefined,
  init: readonly NamedWeights[] | undefined,
): EpochProgress {
  const { tf, net, adam, quant } = s;
  if (resume !== undefined) {
    writeWeights(
      tf,
      net.model,
      resume.weights.map((w) => w.values),
      resume.weights.map((w) => w.name),
    );
    adam.setState(resume.optimizer);
    if (quant !== undefined) {
      if (resume.quant === undefined)
        throw new CheckpointError('training checkpoint lacks the quantization state this run needs');
      quant.restore(resume.quant);
    }
    const averaging = s.config.weightAveraging;
    if (s.averager !== undefined && averaging !== undefined) {
      if (resume.averaging !== undefined) s.averager.setState(resume.averaging);
      else if (resume.epochsDone >= averaging.fromEpoch)
        throw new CheckpointError('training checkpoint lacks the weight average this run needs');
    }
    return { history: [...resume.history], bestEpoch: resume.bestEpoch, bestWeights: [...resume.bestWeights] };
  }
  if (init !== undefined) {
    try {
      writeWeights(
        tf,
        net.model,
        init.map((w) => w.values),
        init.map((w) => w.name),
      );
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      throw new StageInputError(
        `initFrom: upstream: the upstream model does not match this architecture (${e.message})`,
      );
    }
  }
  quant?.recordInitialWeights();
  return { history: [], bestEpoch: 0, bestWeights: [] };
}

/** One epoch's metrics; with a quantization block also its schedule value, Reg loss, grid distance and QAT flag. */
function epochMetrics(
  s: Session,
  epoch: number,
  t: Awaited<ReturnType<typeof trainEpoch>>,
  val: Awaited<ReturnType<typeof evaluate>>,
): EpochMetrics {
  const n = s.data.train.n;
  const base = {
    loss: t.lossSum / n,
    accuracy: t.correct / n,
    valLoss: val.loss,
    valAccuracy: val.accuracy,
    learningRate: t.learningRate,
  };
  const quant = s.quant;
  if (quant === undefined) return base;
  return {
    ...base,
    quant: {
      schedule: t.schedule,
      regLoss: t.regLossSum / t.steps,
      gridDistance: quant.gridDistanceNow(),
      qat: quant.inQat(epoch),
    },
  };
}

/** quant.json, weight histograms and grid distances of the best weights (now in the model). */
function quantOutputs(s: Session, quant: QuantSession): QuantResult {
  // Without QAT, ranges come from a calibration pass of the final (folded float) model.
  if (Object.keys(quant.bestRanges).length === 0) {
    calibrate(s, quant);
    quant.bestRanges = quant.qat.ranges.snapshot();
  }
  return {
    quantJson: quant.quantJson(),
    weightHistograms: quant.weightHistograms(),
    gridDistances: quant.layerGridDistances(),
  };
}

/**
 * One pass over the training split in the order Prng.derive(dataSeed, epoch) shuffles it;
 * the same generator then draws the dropout masks, step by step.
 */
async function trainEpoch(
  session: Session,
  epoch: number,
  dataSeed: SeedWords,
  onStep: TrainHooks['onStep'],
): Promise<{
  lossSum: number;
  correct: number;
  learningRate: number;
  seconds: number;
  regLossSum: number;
  schedule: number;
  steps: number;
}> {
  const { data, config, net } = session;
  const n = data.train.n;
  const stepsPerEpoch = Math.ceil(n / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const rng = Prng.derive('tinyops/train/epoch', ...dataSeed, epoch);
  const order = Array.from({ length: n }, (_, i) => i);
  if (config.shuffle) rng.shuffle(order);
  // Own generator, so switching augmentation on leaves shuffling and dropout masks unchanged.
  const augmentRng = augmentEnabled(config.augment)
    ? Prng.derive('tinyops/train/augment', ...dataSeed, epoch)
    : undefined;
  // Own generator again: the channel offset leaves shuffling, dropout, shift/mask and mixup draws unchanged.
  const channel = config.augment.channelOffset;
  const channelRng =
    session.channelSigma && channelOffsetEnabled(channel)
      ? {
          sigma: session.channelSigma,
          c: channel,
          rng: Prng.derive('tinyops/train/channel-offset', ...dataSeed, epoch),
        }
      : undefined;
  const targetOptions: TargetOptions = { labelSmoothing: config.labelSmoothing ?? 0, mixupAlpha: config.mixup?.alpha };
  // Own generator too: mixup leaves shuffling, dropout and augment draws as they were.
  const mixupRng = config.mixup === undefined ? undefined : Prng.derive('tinyops/train/mixup', ...dataSeed, epoch);
  let lossSum = 0;
  let correct = 0;
  let learningRate = 0;
  let seconds = 0;
  let regLossSum = 0;
  let schedule = 0;
  const quant = session.quant;
  const averaging = config.weightAveraging;
  const averageSteps = averaging?.every === 'step' && epoch >= averaging.fromEpoch;
  for (let s = 0; s < stepsPerEpoch; s++) {
    const globalStep = (epoch - 1) * stepsPerEpoch + s;
    learningRate = learningRateAt(config.learningRate, globalStep, stepsPerEpoch, totalSteps);
    const t0 = process.hrtime.bigint();
    const start = s * config.batchSize;
    const batch = gatherBatch(data.train, order, start, Math.min(n, start + config.batchSize), exampleSize(data));
    // The channel acts on the signal, so its offset comes before the shift and masks (which commute with it
    // except the coefficient masks, which then average the offset coefficients like the others).
    if (channelRng)
      addChannelOffsets(batch.x, batch.y.length, data.shape, channelRng.sigma, channelRng.c, channelRng.rng);
    if (augmentRng) augmentBatch(batch.x, batch.y.length, data.shape, config.augment, augmentRng);
    const targets = batchTargets(batch.x, batch.y, exampleSize(data), data.numClasses, targetOptions, mixupRng);
    const mask = dropoutMask(rng, batch.y.length, net.plan.features, session.dropout);
    let r: { lossSum: number; correct: number };
    if (quant === undefined) {
      r = trainStep(session, batch, mask, learningRate, targets);
    } else {
      schedule = quant.scheduleAt(epoch, globalStep, totalSteps);
      const q = quantStep(session, quant, batch, mask, learningRate, schedule, quant.inQat(epoch), targets);
      regLossSum += q.regLoss;
      r = q;
    }
    if (averageSteps) session.averager?.update();
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    lossSum += r.lossSum;
    correct += r.correct;
    onStep?.(globalStep + 1, totalSteps);
    await yieldToEventLoop();
  }
  return { lossSum, correct, learningRate, seconds, regLossSum, schedule, steps: stepsPerEpoch };
}

/**
 * Activation ranges from the folded float network on the first `calibrationBatches`
 * training batches in file order (deterministic), before QAT's first step or after a run
 * without QAT.
 */
function calibrate({ tf, data, config }: Session, quant: QuantSession): void {
  const size = exampleSize(data);
  const n = data.train.n;
  const batches: TF.Tensor4D[] = [];
  for (let b = 0; b < quant.config.calibrationBatches && b * config.batchSize < n; b++) {
    const start = b * config.batchSize;
    const end = Math.min(n, start + config.batchSize);
    batches.push(
      tf.tensor4d(data.train.x.subarray(start * size, end * size), [end - start, data.shape[0], data.shape[1], 1]),
    );
  }
  try {
    quant.calibrate(batches);
  } finally {
    for (const b of batches) b.dispose();
  }
}

/**
 * One Adam step on J = L + λ·S(t)·Σ_i Reg(W_i) (thesis Eq. 4.2, 4.8). In QAT epochs the
 * forward pass is the BN-folded fake-quantized network and the batch's activation min/max
 * update the tracked ranges afterwards. Returns the batch's summed cross-entropy (without
 * the penalty), correct count, and the penalty's value.
 */
function quantStep(
  { tf, net, adam, vars, data }: Session,
  quant: QuantSession,
  batch: { x: Float32Array; y: Int32Array },
  mask: Float32Array | undefined,
  learningRate: number,
  schedule: number,
  qat: boolean,
  targets: Float32Array | undefined,
): { lossSum: number; correct: number; regLoss: number } {
  const b = batch.y.length;
  const kept: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(t: T): T => {
    kept.push(tf.keep(t));
    return t;
  };
  let ce: TF.Scalar | undefined;
  let reg: TF.Scalar | undefined;
  let correct: TF.Scalar | undefined;
  let observed: TF.Tensor | undefined;
  try {
    tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [b, data.shape[0], data.shape[1], 1]);
      const labels = tf.tensor1d(batch.y, 'int32');
      const oneHot = tf.oneHot(labels, data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
      const maskT = mask === undefined ? undefined : tf.tensor2d(mask, [b, net.plan.features]);
      const { grads } = tf.variableGrads(() => {
        let logits: TF.Tensor2D;
        if (qat) {
          const r = quant.qat.forward(x, {
            quantize: true,
            observe: true,
            ...(maskT === undefined ? {} : { dropoutMask: maskT }),
          });
          logits = r.logits;
          observed = keep(r.observed!);
        } else {
          const f = net.features.apply(x, { training: true }) as TF.Tensor2D;
          logits = net.classifier.apply(maskT === undefined ? f : f.mul(maskT)) as TF.Tensor2D;
        }
        correct = keep(logits.argMax(1).equal(labels).sum() as TF.Scalar);
        ce = keep(meanCrossEntropy(tf, logits, targetRows(tf, targets, oneHot)));
        const p = quant.qat.penalty();
        if (p === null) return ce;
        reg = keep(tf.mul(p, schedule) as TF.Scalar);
        return tf.add(ce, reg) as TF.Scalar;
      }, [...vars]);
      adam.apply(
        vars.map((v) => grads[v.name] as TF.Tensor),
        learningRate,
      );
    });
    if (observed !== undefined) quant.qat.ranges.update(observed.dataSync() as Float32Array);
    return {
      lossSum: (ce!.dataSync()[0] as number) * b,
      correct: correct!.dataSync()[0] as number,
      regLoss: reg === undefined ? 0 : (reg.dataSync()[0] as number),
    };
  } finally {
    for (const t of kept) t.dispose();
  }
}

/**
 * Identifies a training run: config, data bytes and seeds. A checkpoint is only resumed
 * into the run that wrote it (a retry of the same activity), never into a changed one.
 */
/** sha256 over names, shapes and values of a weight list (initial weights in the fingerprint). */
function digestWeights(weights: readonly NamedWeights[]): string {
  const h = createHash('sha256');
  for (const w of weights) {
    h.update(`${w.name}[${w.shape.join(',')}]`);
    h.update(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
  }
  return h.digest('hex');
}

export function trainFingerprint(
  config: TrainConfig,
  dataDigest: string,
  initSeed: SeedWords,
  dataSeed: SeedWords,
): string {
  const text = canonicalJson({ format: 'tinyops-train/1', config, dataDigest, initSeed, dataSeed });
  return createHash('sha256').update(text).digest('hex');
}

function checkResumable(c: TrainCheckpoint, fingerprint: string, epochs: number): void {
  if (c.fingerprint !== fingerprint) {
    throw new CheckpointError(
      'training checkpoint belongs to another run (its config, data or seed differ); delete it or start without it',
    );
  }
  if (
    c.epochsDone < 1 ||
    c.epochsDone > epochs ||
    c.history.length !== c.epochsDone ||
    c.bestEpoch < 1 ||
    c.bestEpoch > c.epochsDone
  ) {
    throw new CheckpointError(
      `training checkpoint is inconsistent: ${c.epochsDone} epochs done, ${c.history.length} in its history, best ${c.bestEpoch}`,
    );
  }
}

/** Always draws 8 words, so fixing one seed in the config leaves the other unchanged. */
function drawSeeds(rng: Prng, config: TrainConfig): { init: SeedWords; data: SeedWords } {
  const words = (r: Prng): SeedWords => [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
  const init = words(rng);
  const data = words(rng);
  return {
    init: config.seeds.init === undefined ? init : words(Prng.derive('tinyops/train/init', config.seeds.init)),
    data: config.seeds.data === undefined ? data : words(Prng.derive('tinyops/train/data', config.seeds.data)),
  };
}

function exampleSize(d: TrainData): number {
  return d.shape[0] * d.shape[1];
}

/** Inverted dropout on the pooled features: keep with 1 − rate, scale kept values by 1/(1 − rate). */
function dropoutMask(rng: Prng, batch: number, features: number, rate: number): Float32Array | undefined {
  if (rate <= 0) return undefined;
  const scale = 1 / (1 - rate);
  const mask = new Float32Array(batch * features);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : scale;
  return mask;
}

/** The batch's soft targets (label smoothing, mixup) as a tensor, or its exact one-hot rows. */
function targetRows(tf: Tf, targets: Float32Array | undefined, oneHot: TF.Tensor2D): TF.Tensor2D {
  return targets === undefined ? oneHot : tf.tensor2d(targets, oneHot.shape);
}

function meanCrossEntropy(tf: Tf, logits: TF.Tensor2D, oneHot: TF.Tensor2D): TF.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as TF.Scalar;
}

/** One Adam step on a batch; returns the batch's summed loss and correct count. */
function trainStep(
  session: Session,
  batch: { x: Float32Array; y: Int32Array },
  mask: Float32Array | undefined,
  learningRate: number,
  targets: Float32Array | undefined,
): { lossSum: number; correct: number } {
  const { tf, net, forward, adam, vars, data } = session;
  const b = batch.y.length;
  let correct: TF.Scalar | undefined;
  let loss: TF.Scalar | undefined;
  try {
    loss = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [b, data.shape[0], data.shape[1], 1]);
      const labels = tf.tensor1d(batch.y, 'int32');
      const oneHot = tf.oneHot(labels, data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
      const maskT = mask === undefined ? undefined : tf.tensor2d(mask, [b, net.plan.features]);
      const margin = session.config.angularMargin;
      const head: TrainHead | undefined = margin
        ? (f, kernel, bias) =>
            // The bias enters times 0: the margin head has no bias, but Adam's variable list
            // (and so the optimizer state) stays that of the plain head, and b stays at its init (0).
            tf.add(
              angularMarginLogits(tf, f, kernel, oneHot, {
                margin: margin.margin,
                scale: margin.scale ?? adaCosScale(data.numClasses),
              }),
              tf.mul(bias, 0),
            )
        : undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = forward(x, maskT, head);
        // Kept: variableGrads frees everything its function creates except the loss.
        correct = tf.keep(logits.argMax(1).equal(labels).sum() as TF.Scalar);
        return meanCrossEntropy(tf, logits, targetRows(tf, targets, oneHot));
      }, [...vars]);
      adam.apply(
        vars.map((v) => grads[v.name] as TF.Tensor),
        learningRate,
      );
      return value;
    });
    return {
      lossSum: (loss.dataSync()[0] as number) * b,
      correct: correct === undefined ? 0 : (correct.dataSync()[0] as number),
    };
  } finally {
    loss?.dispose();
    correct?.dispose();
  }
}

/** Mean loss and accuracy on a split in inference mode (moving BN statistics, no dropout). */
async function evaluate(
  { tf, net, data, quant }: Session,
  set: LabelledSet,
  qat = false,
): Promise<{ loss: number; accuracy: number }> {
  const size = exampleSize(data);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.n; start += EVAL_BATCH) {
    const end = Math.min(set.n, start + EVAL_BATCH);
    const sums = tf.tidy(() => {
      const x = tf.tensor4d(set.x.subarray(start * size, end * size), [end - start, data.shape[0], data.shape[1], 1]);
      const labels = tf.tensor1d(set.y.subarray(start, end), 'int32');
      const logits =
        qat && quant !== undefined
          ? quant.qat.forward(x, { quantize: true, observe: false }).logits
          : (net.classifier.apply(net.features.apply(x, { training: false })) as TF.Tensor2D);
      const oneHot = tf.oneHot(labels, data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
      const lossSum = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits))));
      return tf.stack([lossSum, logits.argMax(1).equal(labels).sum().toFloat()]);
    });
    const [l, c] = (await sums.data()) as Float32Array;
    sums.dispose();
    lossSum += l as number;
    correct += c as number;
    await yieldToEventLoop();
  }
  return { loss: lossSum / set.n, accuracy: correct / set.n };
}
