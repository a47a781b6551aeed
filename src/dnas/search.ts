import { createHash } from 'node:crypto';
import type * as TF from '@tensorflow/tfjs-node';
import { canonicalJson } from '../cache/canonical-json';
import type { Board } from '../boards/registry';
import { Adam, type AdamState } from '../nn/adam';
import { CheckpointError } from '../nn/checkpoint';
import type { DsCnnArchitecture } from '../nn/ds-cnn-arch';
import { learningRateAt } from '../nn/lr-schedule';
import { loadTf, type Tf } from '../nn/tf';
import { checkTrainData, digestTrainData, gatherBatch, type LabelledSet, type TrainData } from '../nn/train-data';
import { Prng } from '../util/prng';
import { architectureCosts, type ArchCosts } from './arch-costs';
import { expectedCosts } from './cost-model';
import type { FrontEndKind } from './cost-constants';
import type { DnasConfig } from './dnas-config';
import { stratifiedSplit, stratifiedSubset, voiceSplit, type ClipVoice } from './search-subset';
import { StageInputError } from '../errors';
import { deriveArchitecture, resolveSearchSpace, type ArchChoice, type SearchSpace } from './search-space';
import { argmaxChoice, buildSupernet, nodeProbabilities, oneHotProbabilities, type Supernet } from './supernet';
import { straightThrough } from './straight-through';
import { gumbel, sampleChoice, widestChoice } from './weight-paths';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * The DNAS search loop, first-order (DARTS, Liu et al. 2019 §2.3, as MicroNets §5.1 uses it).
 * By default (`weightPaths: mixture`, `archFraction: 0`) one pass per batch gives the gradients of
 * J (below) w.r.t. the weights and, after `warmupEpochs`, α, on the same training batch (v5). With
 * the sandwich or a held-apart split, two passes alternate per batch:
 * - after `warmupEpochs`, an architecture step on a batch of the held-apart clips
 *   (`archFraction`): the gradient of J = CE(supernet(x; z)) + Σ_r λ_r·(E_z[cost_r]/(target·budget_r) − 1)
 *   w.r.t. the logits α only (their own Adam), z the relaxation (`relaxation`: a soft mixture, or
 *   with `gumbel-hard` one sampled path, straight-through); then the multipliers λ
 *   rise by dual ascent while an expected cost is over its target and fall (to 0) when under it;
 * - a weight step on a batch of the other clips: CE of the paths `weightPaths` names (the
 *   widest and one sampled from softmax(α), src/dnas/weight-paths.ts; or the mixture) w.r.t.
 *   the weights only (Adam, the train stage's schedule).
 * All randomness (init, split, shuffling, dropout, Gumbel noise, sampled paths) comes from
 * seeded Prngs; the state after an epoch (weights, logits, λ, both optimizers, trace) is a
 * checkpoint a resumed run continues from exactly.
 */

export interface Budgets {
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly latencyMs?: number;
}

export interface Target {
  readonly core: Board['core'];
  readonly clockHz: number;
  /** The firmware's front end (fixed flash and SRAM of the cost models; default `mfcc`). */
  readonly frontEnd?: FrontEndKind;
}

export interface EpochTrace {
  readonly epoch: number;
  /** Weight steps' cross-entropy and accuracy, averaged over their paths and clips. */
  readonly loss: number;
  readonly accuracy: number;
  /** Supernet accuracy on validation along the epoch's argmax path (batch-statistics BN). */
  readonly valAccuracy: number;
  readonly temperature: number;
  readonly archPhase: boolean;
  /** Expected costs under softmax(α) at the end of the epoch. */
  readonly expected: { readonly flashBytes: number; readonly sramBytes: number; readonly latencyMs: number };
  readonly multipliers: { readonly flash: number; readonly sram: number; readonly latency: number };
  /** softmax(α) of every node. */
  readonly z: readonly number[][];
  readonly derived: { readonly architecture: DsCnnArchitecture; readonly costs: ArchCosts };
}

export interface SearchState {
  readonly fingerprint: string;
  readonly epochsDone: number;
  readonly weights: readonly Float32Array[];
  readonly logits: readonly Float32Array[];
  readonly multipliers: readonly number[];
  readonly weightOptimizer: AdamState;
  readonly archOptimizer: AdamState;
  readonly trace: readonly EpochTrace[];
}

export interface SearchHooks {
  readonly rng: Prng;
  readonly resumeFrom?: SearchState;
  readonly onEpoch?: (trace: EpochTrace, state: () => SearchState) => Promise<void>;
  readonly onStep?: (step: number, total: number) => void;
}

export interface SearchResult {
  readonly architecture: DsCnnArchitecture;
  readonly choice: ArchChoice;
  readonly costs: ArchCosts;
  readonly trace: readonly EpochTrace[];
  readonly searchSeconds: number;
  /** Training clips the search stepped over (all, or the `trainFraction` subset). */
  readonly searchClips: number;
  /** Of those, the clips held apart for architecture steps (`archFraction`). */
  readonly archClips: number;
  /** With `archSplitBy: voice`: the voices held apart per engine and the engines kept whole. */
  readonly archVoices?: {
    readonly held: Readonly<Record<string, readonly string[]>>;
    readonly wholeEngines: readonly string[];
  };
}

type Seeds = readonly [number, number, number, number];

/**
 * `voices`: who spoke each training clip (row i of `data.train`; null = no speaker), needed by
 * `archSplitBy: voice` only.
 */
export async function runSearch(
  data: TrainData,
  config: DnasConfig,
  target: Target,
  budgets: Budgets,
  hooks: SearchHooks,
  voices?: ReadonlyArray<ClipVoice | null>,
): Promise<SearchResult> {
  checkTrainData(data);
  const byVoice = config.archSplitBy === 'voice';
  if (byVoice && config.archFraction === 0)
    throw new StageInputError(
      'archSplitBy: voice holds apart `archFraction` of the clips, but archFraction is 0; set it (e.g. 0.3)',
    );
  if (byVoice && voices?.length !== data.train.n)
    throw new StageInputError(
      `archSplitBy: voice needs the voice of every training clip (${data.train.n}); got ${voices?.length ?? 'none'}`,
    );
  const tf = loadTf();
  const space = resolveSearchSpace(config.searchSpace);
  const words = (r: Prng): Seeds => [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
  const drawnInit = words(hooks.rng);
  const drawnData = words(hooks.rng);
  const initSeed =
    config.seeds.init === undefined ? drawnInit : words(Prng.derive('tinyops/dnas/init', config.seeds.init));
  const dataSeed =
    config.seeds.data === undefined ? drawnData : words(Prng.derive('tinyops/dnas/data', config.seeds.data));
  const fingerprint = createHash('sha256')
    .update(
      canonicalJson({
        format: 'tinyops-dnas/1',
        config,
        target,
        budgets,
        data: digestTrainData(data),
        initSeed,
        dataSeed,
        // The voices decide the split only with archSplitBy: voice (absent otherwise: fingerprints stay).
        ...(byVoice ? { voices: createHash('sha256').update(JSON.stringify(voices)).digest('hex') } : {}),
      }),
    )
    .digest('hex');
  const size0 = data.shape[0] * data.shape[1];
  // The clips the search steps over: all, or a seeded per-label subset (`trainFraction`).
  const subset = stratifiedSubset(
    data.train,
    size0,
    config.trainFraction,
    Prng.derive('tinyops/dnas/subset', ...dataSeed),
  );
  const trainSet = subset.kept;
  // Architecture steps on clips the weight steps never see (DARTS's split; `archFraction`): drawn
  // per label by clip, or (`archSplitBy: voice`) whole voices, so the α steps hear voices the
  // weight steps do not (a seed of its own: the clip split's draws stay as they were).
  const split = byVoice
    ? voiceSplit(
        trainSet,
        size0,
        subset.keptIndex.map((i) => voices![i] ?? null),
        config.archFraction,
        Prng.derive('tinyops/dnas/arch-split-voice', ...dataSeed),
      )
    : undefined;
  const { kept: weightSet, rest: archSet } =
    split ??
    (config.archFraction > 0
      ? stratifiedSplit(trainSet, size0, 1 - config.archFraction, Prng.derive('tinyops/dnas/arch-split', ...dataSeed))
      : { kept: trainSet, rest: trainSet });
  const resume = hooks.resumeFrom;
  if (resume !== undefined && (resume.fingerprint !== fingerprint || resume.epochsDone > config.epochs)) {
    throw new CheckpointError('dnas checkpoint belongs to another search (its config, data or seed differ)');
  }

  const net = buildSupernet(tf, space, {
    inputShape: data.shape,
    numClasses: data.numClasses,
    initRng: Prng.derive('tinyops/dnas/glorot', ...initSeed),
  });
  const weightOpt = new Adam(tf, net.weights, config.optimizer);
  const archOpt = new Adam(tf, net.archLogits, config.optimizer);
  let multipliers = [config.multipliers.initial, config.multipliers.initial, config.multipliers.initial];
  const trace: EpochTrace[] = [];
  const env = {
    space,
    inputShape: data.shape,
    numClasses: data.numClasses,
    core: target.core,
    clockHz: target.clockHz,
    ...(target.frontEnd === undefined ? {} : { frontEnd: target.frontEnd }),
  };
  try {
    if (resume !== undefined) {
      resume.weights.forEach((w, i) => net.weights[i]!.assign(tf.tensor(w, net.weights[i]!.shape)));
      resume.logits.forEach((w, i) => net.archLogits[i]!.assign(tf.tensor(w, net.archLogits[i]!.shape)));
      weightOpt.setState(resume.weightOptimizer);
      archOpt.setState(resume.archOptimizer);
      multipliers = [...resume.multipliers];
      trace.push(...resume.trace);
    }
    const n = weightSet.n;
    const stepsPerEpoch = Math.ceil(n / config.batchSize);
    const totalSteps = stepsPerEpoch * config.epochs;
    const size = data.shape[0] * data.shape[1];
    const budgetList = [budgets.flashBytes, budgets.sramBytes, budgets.latencyMs ?? Infinity];
    const xShape = (b: number): [number, number, number, number] => [b, data.shape[0], data.shape[1], 1];
    // Mixture weights and α on the weight batch: v5's joint pass (one forward for both); otherwise
    // alternating passes, α first on its own batch.
    const joint = config.weightPaths === 'mixture' && config.archFraction === 0;
    let seconds = 0;
    for (let epoch = trace.length + 1; epoch <= config.epochs; epoch++) {
      const t0 = process.hrtime.bigint();
      const rng = Prng.derive('tinyops/dnas/epoch', ...dataSeed, epoch);
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      const archOrder = joint ? [] : rng.shuffle(Array.from({ length: archSet.n }, (_, i) => i));
      const tau = temperatureAt(config, epoch);
      const archPhase = epoch > config.warmupEpochs;
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const step = (epoch - 1) * stepsPerEpoch + s;
        const lr = learningRateAt(config.learningRate, step, stepsPerEpoch, totalSteps);
        const start = s * config.batchSize;
        const batch = gatherBatch(weightSet, order, start, Math.min(n, start + config.batchSize), size);
        const b = batch.y.length;
        const relaxed = (noise: readonly Float32Array[]) =>
          nodeProbabilities(tf, space, net.archLogits as readonly TF.Tensor1D[], (l, i) =>
            config.relaxation === 'softmax'
              ? (tf.softmax(l) as TF.Tensor1D)
              : config.relaxation === 'gumbel-hard'
                ? straightThrough(tf, tf.softmax(tf.div(tf.add(l, tf.tensor1d(noise[i]!)), tau)) as TF.Tensor1D)
                : (tf.softmax(tf.div(tf.add(l, tf.tensor1d(noise[i]!)), tau)) as TF.Tensor1D),
          );
        const crossEntropy = (logits: TF.Tensor2D, oneHot: TF.Tensor2D) =>
          tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as TF.Scalar;
        /** Σ_r λ_r·(E[cost_r]/(target·budget_r) − 1) under softmax(α), and the ratios (kept). */
        const costTerm = () => {
          const p = nodeProbabilities(
            tf,
            space,
            net.archLogits as readonly TF.Tensor1D[],
            (l) => tf.softmax(l) as TF.Tensor1D,
          );
          const c = expectedCosts(tf, env, p, config.smoothMaxBytes);
          const ratios = tf.keep(
            tf.stack(
              [c.flashBytes, c.sramBytes, c.latencyMs].map((v, i) => tf.div(v, config.target * budgetList[i]!)),
            ) as TF.Tensor1D,
          );
          const active = tf.tensor1d(budgetList.map((bud, i) => (Number.isFinite(bud) ? multipliers[i]! : 0)));
          return { penalty: tf.sum(tf.mul(active, tf.sub(ratios, 1))) as TF.Scalar, ratios };
        };
        const dualAscent = (ratios: TF.Tensor1D) => {
          const r = ratios.dataSync();
          ratios.dispose();
          multipliers = multipliers.map((m, i) =>
            Number.isFinite(budgetList[i]!)
              ? Math.max(0, m + config.multipliers.learningRate * ((r[i] as number) - 1))
              : 0,
          );
        };

        if (joint) {
          // v5's step: one pass, the gradients of CE(mixture) + cost term for weights and α.
          const noise = net.archLogits.map((l) => Float32Array.from({ length: l.size }, () => gumbel(rng)));
          const mask = dropoutMask(rng, b, net.channels, space.dropout);
          const r = tf.tidy(() => {
            const x = tf.tensor4d(batch.x, xShape(b));
            const labels = tf.tensor1d(batch.y, 'int32');
            const oneHot = tf.oneHot(labels, data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
            const maskT = mask === undefined ? undefined : tf.tensor2d(mask, [b, net.channels]);
            const vars = archPhase ? [...net.weights, ...net.archLogits] : [...net.weights];
            let ce: TF.Scalar | undefined;
            let costs: TF.Tensor1D | undefined;
            let right: TF.Scalar | undefined;
            const { grads } = tf.variableGrads(() => {
              const logits = net.forward(x, relaxed(noise), maskT);
              right = tf.keep(tf.sum(tf.equal(tf.argMax(logits, 1), labels)) as TF.Scalar);
              ce = tf.keep(crossEntropy(logits, oneHot));
              if (!archPhase) return ce;
              const t = costTerm();
              costs = t.ratios;
              return tf.add(ce, t.penalty) as TF.Scalar;
            }, vars);
            weightOpt.apply(
              net.weights.map((v) => grads[v.name] as TF.Tensor),
              lr,
            );
            if (archPhase)
              archOpt.apply(
                net.archLogits.map((v) => grads[v.name] as TF.Tensor),
                config.archLearningRate,
              );
            return { ce: ce!, right: right!, costs };
          });
          lossSum += (r.ce.dataSync()[0] as number) * b;
          correct += r.right.dataSync()[0] as number;
          seen += b;
          if (r.costs !== undefined) dualAscent(r.costs);
          for (const t of [r.ce, r.right]) t.dispose();
          hooks.onStep?.(step + 1, totalSteps);
          await yieldToEventLoop();
          continue;
        }

        if (archPhase) {
          // Architecture step: α only, on held-apart clips (wrapping round if there are fewer).
          const a0 = (s * config.batchSize) % Math.max(1, archSet.n);
          const aBatch = gatherBatch(archSet, archOrder, a0, Math.min(archSet.n, a0 + config.batchSize), size);
          const ab = aBatch.y.length;
          const noise = net.archLogits.map((l) => Float32Array.from({ length: l.size }, () => gumbel(rng)));
          const aMask = dropoutMask(rng, ab, net.channels, space.dropout);
          const ratios = tf.tidy(() => {
            const x = tf.tensor4d(aBatch.x, xShape(ab));
            const oneHot = tf.oneHot(tf.tensor1d(aBatch.y, 'int32'), data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
            const maskT = aMask === undefined ? undefined : tf.tensor2d(aMask, [ab, net.channels]);
            let costs: TF.Tensor1D | undefined;
            const { grads } = tf.variableGrads(() => {
              const ce = crossEntropy(net.forward(x, relaxed(noise), maskT), oneHot);
              const t = costTerm();
              costs = t.ratios;
              return tf.add(ce, t.penalty) as TF.Scalar;
            }, [...net.archLogits]);
            archOpt.apply(
              net.archLogits.map((v) => grads[v.name] as TF.Tensor),
              config.archLearningRate,
            );
            return costs!;
          });
          dualAscent(ratios);
        }

        // Weight step: weights only, on the paths `weightPaths` names.
        const noise = net.archLogits.map((l) => Float32Array.from({ length: l.size }, () => gumbel(rng)));
        const mask = dropoutMask(rng, b, net.channels, space.dropout);
        const paths =
          config.weightPaths === 'sandwich'
            ? [
                widestChoice(space),
                sampleChoice(
                  space,
                  net.archLogits.map((l) => l.dataSync() as Float32Array),
                  rng,
                ),
              ]
            : undefined;
        const r = tf.tidy(() => {
          const x = tf.tensor4d(batch.x, xShape(b));
          const labels = tf.tensor1d(batch.y, 'int32');
          const oneHot = tf.oneHot(labels, data.numClasses, 1, 0, 'float32') as TF.Tensor2D;
          const maskT = mask === undefined ? undefined : tf.tensor2d(mask, [b, net.channels]);
          let ce: TF.Scalar | undefined;
          let right: TF.Scalar | undefined;
          const { grads } = tf.variableGrads(() => {
            const zs = paths === undefined ? [relaxed(noise)] : paths.map((c) => oneHotProbabilities(tf, space, c));
            const logits = zs.map((z) => net.forward(x, z, maskT));
            right = tf.keep(
              tf.div(tf.addN(logits.map((l) => tf.sum(tf.equal(tf.argMax(l, 1), labels)))), logits.length) as TF.Scalar,
            );
            ce = tf.keep(tf.div(tf.addN(logits.map((l) => crossEntropy(l, oneHot))), logits.length) as TF.Scalar);
            return ce;
          }, [...net.weights]);
          weightOpt.apply(
            net.weights.map((v) => grads[v.name] as TF.Tensor),
            lr,
          );
          return { ce: ce!, right: right! };
        });
        lossSum += (r.ce.dataSync()[0] as number) * b;
        correct += r.right.dataSync()[0] as number;
        seen += b;
        for (const t of [r.ce, r.right]) t.dispose();
        hooks.onStep?.(step + 1, totalSteps);
        await yieldToEventLoop();
      }
      seconds += Number(process.hrtime.bigint() - t0) / 1e9;
      const logits = net.archLogits.map((l) => Float32Array.from(l.dataSync() as Float32Array));
      const choice = argmaxChoice(space, logits);
      const architecture = deriveArchitecture(space, choice);
      const costs = architectureCosts(tf, architecture, env);
      const expected = tf.tidy(() => {
        const c = expectedCosts(
          tf,
          env,
          nodeProbabilities(tf, space, net.archLogits as readonly TF.Tensor1D[], (l) => tf.softmax(l) as TF.Tensor1D),
        );
        return [c.flashBytes, c.sramBytes, c.latencyMs].map((v) => v.dataSync()[0] as number);
      });
      const rec: EpochTrace = {
        epoch,
        loss: lossSum / seen,
        accuracy: correct / seen,
        valAccuracy: await pathAccuracy(tf, net, space, choice, data, data.validation),
        temperature: tau,
        archPhase,
        expected: { flashBytes: expected[0]!, sramBytes: expected[1]!, latencyMs: expected[2]! },
        multipliers: { flash: multipliers[0]!, sram: multipliers[1]!, latency: multipliers[2]! },
        z: tf.tidy(() => net.archLogits.map((l) => Array.from(tf.softmax(l).dataSync()))),
        derived: { architecture, costs },
      };
      trace.push(rec);
      if (hooks.onEpoch !== undefined) {
        await hooks.onEpoch(rec, () => ({
          fingerprint,
          epochsDone: epoch,
          weights: net.weights.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
          logits,
          multipliers: [...multipliers],
          weightOptimizer: weightOpt.getState(),
          archOptimizer: archOpt.getState(),
          trace: [...trace],
        }));
      }
    }
    const last = trace[trace.length - 1]!;
    const logits = net.archLogits.map((l) => Float32Array.from(l.dataSync() as Float32Array));
    return {
      architecture: last.derived.architecture,
      choice: argmaxChoice(space, logits),
      costs: last.derived.costs,
      trace,
      searchSeconds: seconds,
      searchClips: trainSet.n,
      archClips: config.archFraction > 0 ? archSet.n : 0,
      ...(split === undefined ? {} : { archVoices: { held: split.heldVoices, wholeEngines: split.wholeEngines } }),
    };
  } finally {
    weightOpt.dispose();
    archOpt.dispose();
    net.dispose();
  }
}

function temperatureAt(config: DnasConfig, epoch: number): number {
  const { initial, final } = config.temperature;
  return config.epochs <= 1 ? final : initial * Math.pow(final / initial, (epoch - 1) / (config.epochs - 1));
}

function dropoutMask(rng: Prng, batch: number, features: number, rate: number): Float32Array | undefined {
  if (rate <= 0) return undefined;
  const scale = 1 / (1 - rate);
  const mask = new Float32Array(batch * features);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : scale;
  return mask;
}

/** Accuracy of the supernet along one path (one-hot z), BN on batch statistics of 256-example batches. */
async function pathAccuracy(
  tf: Tf,
  net: Supernet,
  space: SearchSpace,
  choice: ArchChoice,
  data: TrainData,
  set: LabelledSet,
): Promise<number> {
  const size = data.shape[0] * data.shape[1];
  let correct = 0;
  for (let start = 0; start < set.n; start += 256) {
    const end = Math.min(set.n, start + 256);
    const c = tf.tidy(() => {
      const x = tf.tensor4d(set.x.subarray(start * size, end * size), [end - start, data.shape[0], data.shape[1], 1]);
      const logits = net.forward(x, oneHotProbabilities(tf, space, choice), undefined);
      return tf
        .sum(tf.equal(tf.argMax(logits, 1), tf.tensor1d(set.y.subarray(start, end), 'int32')))
        .dataSync()[0] as number;
    });
    correct += c;
    await yieldToEventLoop();
  }
  return set.n === 0 ? 0 : correct / set.n;
}

/** Checkpoint bytes: JSON with float arrays as base64 (little-endian float32). */
export function encodeSearchState(s: SearchState): Buffer {
  const f = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const adam = (o: AdamState) => ({ step: o.step, m: o.m.map(f), v: o.v.map(f) });
  return Buffer.from(
    JSON.stringify({
      format: 'tinyops-dnas-checkpoint/1',
      ...s,
      weights: s.weights.map(f),
      logits: s.logits.map(f),
      weightOptimizer: adam(s.weightOptimizer),
      archOptimizer: adam(s.archOptimizer),
    }),
  );
}

export function decodeSearchState(buf: Uint8Array): SearchState {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(Buffer.from(buf).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CheckpointError('dnas checkpoint is not JSON');
  }
  if (j.format !== 'tinyops-dnas-checkpoint/1')
    throw new CheckpointError(`dnas checkpoint: unknown format ${String(j.format)}`);
  const f = (s: string) => {
    const b = Buffer.from(s, 'base64');
    return Float32Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
  };
  const adam = (o: { step: number; m: string[]; v: string[] }): AdamState => ({
    step: o.step,
    m: o.m.map(f),
    v: o.v.map(f),
  });
  return {
    fingerprint: j.fingerprint as string,
    epochsDone: j.epochsDone as number,
    weights: (j.weights as string[]).map(f),
    logits: (j.logits as string[]).map(f),
    multipliers: j.multipliers as number[],
    weightOptimizer: adam(j.weightOptimizer as never),
    archOptimizer: adam(j.archOptimizer as never),
    trace: j.trace as EpochTrace[],
  };
}
