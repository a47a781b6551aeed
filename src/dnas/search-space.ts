import { z } from 'zod';
import { DEFAULT_BATCH_NORM, type DsCnnArchitecture, type Pair } from '../nn/ds-cnn-arch';

/**
 * The DNAS search space over the DS-CNN backbone (src/nn/ds-cnn-arch.ts), as data.
 *
 * Decision nodes (MicroNets §5.1, eq. 1: y = Σ_k z_k f_k(x), Σ_k z_k = 1):
 * - the first conv's width (one of `firstConv.widths`);
 * - every block's pointwise width (one of its `widths`);
 * - for a `skippable` block, keep or skip the whole block (depth choice; a skipped block is
 *   dropped from the derived architecture, so only stride-1 blocks may be skippable).
 * Widths are multiples of 4 so the DSP kernels stay on their 4-channel fast path (DS-CNN-M's
 * 172 channels run there: the pointwise path asks C_IN % 4 = 0, firmware/README.md).
 */

const widthSchema = z.number().int().min(8).max(1024).multipleOf(4);
const widthsSchema = z
  .array(widthSchema)
  .min(1)
  .max(32)
  .refine((ws) => new Set(ws).size === ws.length, { message: 'widths must not repeat' });
const pairSchema = (max: number) => z.tuple([z.number().int().min(1).max(max), z.number().int().min(1).max(max)]);

export const searchBlockSchema = z
  .strictObject({
    widths: widthsSchema,
    stride: pairSchema(8).default([1, 1]),
    /** The search may drop this block (depth choice). Only for stride-1 blocks. */
    skippable: z.boolean().default(true),
  })
  .refine((b) => !b.skippable || (b.stride[0] === 1 && b.stride[1] === 1), {
    message: 'only stride-1 blocks can be skippable (dropping a strided block would change every later shape)',
    path: ['skippable'],
  });

export const searchSpaceSchema = z.strictObject({
  firstConv: z
    .strictObject({
      widths: widthsSchema
        .default([16, 24, 32, 48, 64])
        .meta({ description: 'Output channels the search may pick for the first conv (multiples of 4, no repeats).' }),
      /** [frames, coeffs]: Hello Edge's 10×4. */
      kernel: pairSchema(64).default([10, 4]).meta({
        description: "First conv kernel, [frames, coefficients] (Hello Edge's DS-CNN: 10×4); fixed, not searched.",
      }),
      stride: pairSchema(8)
        .default([2, 2])
        .meta({ description: 'First conv stride, [frames, coefficients] (ds-cnn-s: 2×2); fixed, not searched.' }),
    })
    .prefault({}),
  /** Explicit blocks, or `{depth, widths}`: `depth` stride-1 blocks sharing one width list. */
  blocks: z
    .union([
      z.array(searchBlockSchema).min(1).max(16),
      z.strictObject({
        depth: z.number().int().min(1).max(16),
        widths: widthsSchema,
        skippable: z.boolean().default(true),
      }),
    ])
    .default({ depth: 4, widths: [16, 24, 32, 48, 64], skippable: true })
    .meta({
      description:
        'Depthwise-separable blocks after the first conv: a list of {widths, stride, skippable}, or {depth, widths, skippable} for `depth` stride-1 blocks sharing one width list (default: 4 skippable blocks, as ds-cnn-s).',
    }),
  /** Dropout on the pooled features, in the supernet and in the derived architecture. */
  dropout: z.number().min(0).max(0.95).default(0.2).meta({
    description:
      'Dropout on the pooled features, in the supernet and in the derived architecture (DS-CNN presets: 0.2).',
  }),
  batchNorm: z
    .strictObject({
      momentum: z.number().min(0).lt(1).default(DEFAULT_BATCH_NORM.momentum).meta({
        description:
          "Batch-norm moving-statistics momentum of the derived architecture (the supernet uses batch statistics); 0.9, not tf.keras' 0.99, so short trainings' statistics keep up (src/nn/ds-cnn-arch.ts).",
      }),
      epsilon: z.number().positive().max(1).default(DEFAULT_BATCH_NORM.epsilon).meta({
        description:
          "Batch-norm epsilon added to the variance, in the supernet and the derived architecture (tf.keras' 0.001).",
      }),
    })
    .prefault({}),
});

export type SearchSpaceConfig = z.output<typeof searchSpaceSchema>;

export interface SearchBlock {
  readonly widths: readonly number[];
  readonly stride: Pair;
  readonly skippable: boolean;
}

/** The resolved space: every block explicit. */
export interface SearchSpace {
  readonly firstConv: { readonly widths: readonly number[]; readonly kernel: Pair; readonly stride: Pair };
  readonly blocks: readonly SearchBlock[];
  readonly dropout: number;
  readonly batchNorm: { readonly momentum: number; readonly epsilon: number };
}

export function resolveSearchSpace(c: SearchSpaceConfig): SearchSpace {
  const b = c.blocks;
  const blocks: SearchBlock[] = Array.isArray(b)
    ? b.map((x) => ({ widths: [...x.widths], stride: x.stride, skippable: x.skippable }))
    : Array.from({ length: b.depth }, () => ({
        widths: [...b.widths],
        stride: [1, 1] as const,
        skippable: b.skippable,
      }));
  return {
    firstConv: { ...c.firstConv, widths: [...c.firstConv.widths] },
    blocks,
    dropout: c.dropout,
    batchNorm: c.batchNorm,
  };
}

/** Channels of the supernet: the widest choice anywhere (every layer is a slice of it). */
export function supernetChannels(space: SearchSpace): number {
  return Math.max(...space.firstConv.widths, ...space.blocks.flatMap((b) => b.widths));
}

/** Every width that can occur, ascending: the grid the cost model's width distributions live on. */
export function widthGrid(space: SearchSpace): number[] {
  return [...new Set([...space.firstConv.widths, ...space.blocks.flatMap((b) => b.widths)])].sort((a, b) => a - b);
}

/** One point of the space: an index per decision node. */
export interface ArchChoice {
  readonly firstConv: number;
  readonly blocks: readonly { readonly width: number; readonly keep: boolean }[];
}

/** The plain DS-CNN a choice stands for (skipped blocks removed, no residual branches). */
export function deriveArchitecture(space: SearchSpace, choice: ArchChoice): DsCnnArchitecture {
  const blocks = space.blocks.flatMap((b, i) => {
    const c = choice.blocks[i]!;
    return c.keep || !b.skippable ? [{ filters: b.widths[c.width]!, stride: b.stride }] : [];
  });
  return {
    firstConv: {
      filters: space.firstConv.widths[choice.firstConv]!,
      kernel: space.firstConv.kernel,
      stride: space.firstConv.stride,
    },
    blocks,
    skip: false,
    dropout: space.dropout,
    batchNorm: space.batchNorm,
  };
}
