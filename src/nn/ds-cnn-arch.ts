/**
 * The DS-CNN keyword-spotting architecture family as plain data (no tfjs here), and the
 * shape walk that both the tfjs builder (ds-cnn.ts) and the cost counters (ds-cnn-cost.ts)
 * follow, so a count can never disagree with the network that is built.
 *
 * Network (Zhang et al. 2017 "Hello Edge" DS-CNN, the backbone of MicroNets §5.2.2):
 *
 *   input [frames, coeffs, 1]
 *     → conv kh×kw / stride, 'same' → BN → ReLU
 *     → N × depthwise-separable block:
 *          depthwise 3×3 / stride, 'same' → BN → ReLU → pointwise 1×1 → BN → ReLU
 *          (+ skip branch when `skip` and the block keeps its channel count:
 *           identity, or 'same' average pooling if the block downsamples — MicroNets §5.2.2)
 *     → global average pool → dropout → dense (logits) → softmax
 */

/** [height, width] = [frames, coefficients] for KWS features. */
export type Pair = readonly [number, number];
/** [height, width, channels] of one example (batch dimension left out). */
export type Shape3 = readonly [number, number, number];

export interface DsCnnBlock {
  /** Output channels of the pointwise conv. */
  readonly filters: number;
  /** Stride of the depthwise conv; [1, 1] keeps the feature map's size. */
  readonly stride: Pair;
}

/** A fully resolved DS-CNN: every field explicit (see `resolveArchitecture` for shorthands). */
export interface DsCnnArchitecture {
  readonly firstConv: { readonly filters: number; readonly kernel: Pair; readonly stride: Pair };
  readonly blocks: readonly DsCnnBlock[];
  /** Add a shortcut around every block that keeps its channel count (MicroNets §5.2.2). */
  readonly skip: boolean;
  /** Dropout rate on the pooled features, training only. */
  readonly dropout: number;
  readonly batchNorm: { readonly momentum: number; readonly epsilon: number };
}

export type DsCnnPresetName = 'ds-cnn-s' | 'ds-cnn-m' | 'ds-cnn-l';

/**
 * BatchNormalization defaults: tf.keras' epsilon, but momentum 0.9 rather than its 0.99. A
 * tiny model trains for a few hundred to a few thousand steps; with 0.99 the moving
 * statistics lag the weights so far that validation (which uses them) stays near chance for
 * many epochs, and the integer model, which folds them into the weights, inherits the lag
 * (docs/results/2026-12-04-kws-pipeline-choices.md).
 */
export const DEFAULT_BATCH_NORM = { momentum: 0.9, epsilon: 0.001 } as const;

function uniformBlocks(filters: number, strides: readonly Pair[]): DsCnnBlock[] {
  return strides.map((stride) => ({ filters, stride }));
}

/**
 * The three DS-CNN sizes of Hello Edge (Zhang et al. 2017, Table 7 and the ARM ML-KWS-for-MCU
 * training configs it published), for 49×10 MFCC input:
 *
 * | preset   | first conv           | blocks (filters, depthwise stride)   | MACs    | params* |
 * |----------|----------------------|--------------------------------------|---------|---------|
 * | ds-cnn-s | 64, 10×4, stride 2×2 | 4 × (64, 1×1)                        | 2.66 M  | 22.6 K  |
 * | ds-cnn-m | 172, 10×4, stride 2×1| (172, 2×2), 3 × (172, 1×1)           | 9.82 M  | 135 K   |
 * | ds-cnn-l | 276, 10×4, stride 2×1| (276, 2×2), 4 × (276, 1×1), skips    | 28.3 M  | 411 K   |
 *
 * *parameters after folding BN into the convs, 12 classes (`countParams(...).folded`).
 * MACs × 2 are within 2 % of Hello Edge's 5.4 M / 19.8 M / 56.9 M ops. `ds-cnn-l` adds the parallel
 * skip branches MicroNets §5.2.2 puts around every block of its DS-CNN(L)-based backbone;
 * the four extra 276-channel blocks of that DNAS backbone are not part of the preset.
 * Dropout 0.2 on the pooled features is our choice (Hello Edge does not state one).
 */
export const DS_CNN_PRESETS: Readonly<Record<DsCnnPresetName, DsCnnArchitecture>> = {
  'ds-cnn-s': {
    firstConv: { filters: 64, kernel: [10, 4], stride: [2, 2] },
    blocks: uniformBlocks(64, [
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]),
    skip: false,
    dropout: 0.2,
    batchNorm: DEFAULT_BATCH_NORM,
  },
  'ds-cnn-m': {
    firstConv: { filters: 172, kernel: [10, 4], stride: [2, 1] },
    blocks: uniformBlocks(172, [
      [2, 2],
      [1, 1],
      [1, 1],
      [1, 1],
    ]),
    skip: false,
    dropout: 0.2,
    batchNorm: DEFAULT_BATCH_NORM,
  },
  'ds-cnn-l': {
    firstConv: { filters: 276, kernel: [10, 4], stride: [2, 1] },
    blocks: uniformBlocks(276, [
      [2, 2],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]),
    skip: true,
    dropout: 0.2,
    batchNorm: DEFAULT_BATCH_NORM,
  },
};

/** How a block's input reaches its output besides the block itself. */
export type SkipKind = 'none' | 'identity' | 'avgpool';

export interface PlannedBlock extends DsCnnBlock {
  readonly input: Shape3;
  readonly output: Shape3;
  readonly skipKind: SkipKind;
}

/** Every tensor shape of a DS-CNN for one input size: what builder and counters share. */
export interface DsCnnPlan {
  readonly input: Shape3;
  readonly firstConv: DsCnnArchitecture['firstConv'] & { readonly output: Shape3 };
  readonly blocks: readonly PlannedBlock[];
  /** Channels after global average pooling = input width of the dense layer. */
  readonly features: number;
  readonly numClasses: number;
}

/** Output length of a 'same'-padded window with this stride (TF: ceil(in / stride)). */
export function sameOutput(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/** Walks the architecture over an input of [frames, coeffs] (one channel). Pure. */
export function planDsCnn(arch: DsCnnArchitecture, inputShape: Pair, numClasses: number): DsCnnPlan {
  const [h, w] = inputShape;
  const fc = arch.firstConv;
  let shape: Shape3 = [sameOutput(h, fc.stride[0]), sameOutput(w, fc.stride[1]), fc.filters];
  const firstConv = { ...fc, output: shape };
  const blocks = arch.blocks.map((b): PlannedBlock => {
    const input = shape;
    const output: Shape3 = [sameOutput(input[0], b.stride[0]), sameOutput(input[1], b.stride[1]), b.filters];
    const downsamples = output[0] !== input[0] || output[1] !== input[1];
    const skipKind: SkipKind = !arch.skip || b.filters !== input[2] ? 'none' : downsamples ? 'avgpool' : 'identity';
    shape = output;
    return { ...b, input, output, skipKind };
  });
  return { input: [h, w, 1], firstConv, blocks, features: shape[2], numClasses };
}
