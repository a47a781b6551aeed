/**
 * Regularized quantization and QAT inside one training run (train-loop.ts calls this when
 * the config has a `quantization:` block):
 *
 * - every epoch: J = L + λ·S(t)·Σ_i Reg(W_i) (thesis Eq. 4.2 with Eq. 4.8; S from Table
 *   4.2.1 via src/quant/schedules.ts, t = epoch or step per `scheduleUnit`, counted from 1);
 * - from `qatStartEpoch` on (if `qat`): the forward pass is QatNetwork's BN-folded,
 *   fake-quantized network; before the first QAT step, activation ranges are calibrated on
 *   `calibrationBatches` training batches (min/max through the folded float network), then
 *   tracked as an EMA of each batch's min/max (TF's MovingAverageQuantize). The batch's
 *   min/max update the EMA *after* its step, so a step quantizes with the ranges of the
 *   steps before it (one step of lag; TF updates first — a simplification that saves a
 *   device sync per tensor);
 * - validation in QAT epochs runs the fake-quantized network, so `valAccuracy` is the
 *   accuracy of the simulated integer model.
 */
import type * as TF from '@tensorflow/tfjs-node';
import { layerBits } from '../../quant/quant-config';
import { QUANT_JSON_FORMAT, type QuantJson } from '../../quant/quant-json';
import { scheduleValue } from '../../quant/schedules';
import type { DsCnnNetwork } from '../ds-cnn';
import type { Tf } from '../tf';
import { activationParams, weightQmax } from './fake-quant';
import { qatStartEpoch, type TrainQuantization } from './qat-config';
import { foldedWeights, QatNetwork } from './qat-network';
import { gridDistance, histogram, HISTOGRAM_BINS, normalizePerChannel } from './weight-stats';

/** Per-epoch regularization record, stored in the training history. */
export interface QuantEpochMetrics {
  /** S(t) of the epoch's last step (Table 4.2.1). */
  readonly schedule: number;
  /** Mean over the epoch's steps of λ·S(t)·Σ Reg (the term added to the loss). */
  readonly regLoss: number;
  /** Mean distance of normalized regularized weights to their grid after the epoch (weight-stats.ts); 0 if none. */
  readonly gridDistance: number;
  /** Whether the epoch trained (and validated) with fake quantization. */
  readonly qat: boolean;
}

/** What a checkpoint must carry to resume a quantized run. */
export interface QuantCheckpointState {
  readonly ranges: Record<string, { min: number; max: number }>;
  readonly bestRanges: Record<string, { min: number; max: number }>;
  readonly initialHistograms: Record<string, number[]>;
}

/** The `weightHistograms` artifact: 64 bins of u = w/max|w_c| over [−1, 1], per layer. */
export interface WeightHistograms {
  readonly format: 'tinyops-weight-histograms/1';
  readonly bins: number;
  readonly range: readonly [number, number];
  readonly layers: Record<string, { bits: number; regularized: boolean; before: number[]; after: number[] }>;
}

export class QuantSession {
  readonly qat: QatNetwork;
  readonly qatStart: number;
  private initialHistograms: Record<string, number[]> = {};
  bestRanges: Record<string, { min: number; max: number }> = {};

  constructor(
    private readonly tf: Tf,
    net: DsCnnNetwork,
    readonly config: TrainQuantization,
    private readonly epochs: number,
  ) {
    this.qat = new QatNetwork(tf, net, config);
    this.qatStart = config.qat ? qatStartEpoch(config, epochs) : Number.POSITIVE_INFINITY;
  }

  /** Whether `epoch` (1-based) trains with fake quantization. */
  inQat(epoch: number): boolean {
    return epoch >= this.qatStart;
  }

  /** S(t) for a step (0-based global step) of an epoch (1-based). */
  scheduleAt(epoch: number, globalStep: number, totalSteps: number): number {
    return this.config.scheduleUnit === 'epoch'
      ? scheduleValue(this.config.schedule, epoch, this.epochs)
      : scheduleValue(this.config.schedule, globalStep + 1, totalSteps);
  }

  /** Call once before training starts (fresh run): records the "before" histograms. */
  recordInitialWeights(): void {
    this.initialHistograms = this.histogramsNow();
  }

  private normalized(): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    for (const l of this.qat.layers) {
      const t = l.kernel.read();
      out.set(l.name, normalizePerChannel(t.dataSync() as Float32Array, t.shape, l.channelAxis));
    }
    return out;
  }

  private histogramsNow(): Record<string, number[]> {
    return Object.fromEntries([...this.normalized()].map(([k, u]) => [k, histogram(u)]));
  }

  /** Mean grid distance over all regularized weights (weighted by count); 0 when none is regularized. */
  gridDistanceNow(): number {
    const u = this.normalized();
    let sum = 0;
    let n = 0;
    for (const l of this.qat.layers) {
      if (l.regularizer === null) continue;
      const v = u.get(l.name)!;
      sum += gridDistance(v, l.bits) * v.length;
      n += v.length;
    }
    return n === 0 ? 0 : sum / n;
  }

  /** Per-layer grid distances (all layers, regularized or not). */
  layerGridDistances(): Record<string, number> {
    const u = this.normalized();
    return Object.fromEntries(this.qat.layers.map((l) => [l.name, gridDistance(u.get(l.name)!, l.bits)]));
  }

  /** Sets ranges from the min/max over `batches` (each [batch, frames, coeffs, 1]) of the folded float network. */
  calibrate(batches: readonly TF.Tensor4D[]): void {
    const tf = this.tf;
    const lo = new Array<number>(this.qat.names.length).fill(Number.POSITIVE_INFINITY);
    const hi = new Array<number>(this.qat.names.length).fill(Number.NEGATIVE_INFINITY);
    for (const x of batches) {
      const obs = tf.tidy(() => this.qat.forward(x, { quantize: false, observe: true }).observed!);
      const v = obs.dataSync() as Float32Array;
      obs.dispose();
      this.qat.names.forEach((_, i) => {
        lo[i] = Math.min(lo[i]!, v[2 * i]!);
        hi[i] = Math.max(hi[i]!, v[2 * i + 1]!);
      });
    }
    this.qat.ranges.set(Object.fromEntries(this.qat.names.map((n, i) => [n, { min: lo[i]!, max: hi[i]! }])));
  }

  checkpointState(): QuantCheckpointState {
    return {
      ranges: this.qat.ranges.snapshot(),
      bestRanges: this.bestRanges,
      initialHistograms: this.initialHistograms,
    };
  }

  restore(s: QuantCheckpointState): void {
    this.qat.ranges.set(s.ranges);
    this.bestRanges = s.bestRanges;
    this.initialHistograms = s.initialHistograms;
  }

  /** quant.json for the weights the model holds now (call after the best weights are written back). */
  quantJson(): QuantJson {
    const tf = this.tf;
    const ranges = Object.keys(this.bestRanges).length > 0 ? this.bestRanges : this.qat.ranges.snapshot();
    const layers: QuantJson['layers'] = {};
    for (const l of this.qat.layers) {
      const scalesT = tf.tidy(() => {
        const k = foldedWeights(tf, l).kernel;
        const axes = Array.from({ length: k.rank }, (_, i) => i).filter((i) => i !== l.channelAxis);
        return tf.max(tf.abs(k), axes);
      });
      const maxAbs = Array.from(scalesT.dataSync() as Float32Array);
      scalesT.dispose();
      layers[l.name] = {
        bits: l.bits,
        channelAxis: l.channelAxis,
        foldedBatchNorm: l.bn?.name ?? null,
        regularized: l.regularizer !== null,
        weightScales: maxAbs.map((m) => (m > 0 ? m / weightQmax(l.bits) : 1)),
      };
    }
    const activations: QuantJson['activations'] = {};
    for (const n of this.qat.names) {
      const r = ranges[n];
      if (r === undefined) continue;
      const p = activationParams(r);
      activations[n] = {
        min: p.min,
        max: p.max,
        scale: p.scale,
        zeroPoint: p.zeroPoint,
        observedMin: r.min,
        observedMax: r.max,
      };
    }
    const c = this.config;
    const qatRan = c.qat && this.qatStart <= this.epochs;
    return {
      format: QUANT_JSON_FORMAT,
      scheme: 'tflite-int8',
      qat: {
        enabled: qatRan,
        startEpoch: qatRan ? this.qatStart : null,
        rangeTracking: qatRan ? 'ema-min-max' : 'calibration-min-max',
        emaDecay: c.activationEmaDecay,
      },
      batchNorm: 'folded-moving-stats',
      layers,
      activations,
      regularization: {
        regularizer: c.regularizer,
        lambda: c.lambda,
        schedule: c.schedule,
        scheduleUnit: c.scheduleUnit,
        regularize8Bit: c.regularize8Bit,
      },
    };
  }

  /** Before (initial weights) / after (weights held now) histograms per layer. */
  weightHistograms(): WeightHistograms {
    const after = this.histogramsNow();
    const layers: WeightHistograms['layers'] = {};
    for (const l of this.qat.layers) {
      layers[l.name] = {
        bits: layerBits(this.config, l.name),
        regularized: l.regularizer !== null,
        before: this.initialHistograms[l.name] ?? [],
        after: after[l.name]!,
      };
    }
    return { format: 'tinyops-weight-histograms/1', bins: HISTOGRAM_BINS, range: [-1, 1], layers };
  }
}
