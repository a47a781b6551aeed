import { z } from 'zod';
import { boardNames } from '../boards/registry';
import { learningRateSchema, optimizerSchema } from '../nn/train-config';
import { searchSpaceSchema } from './search-space';

/** `with:` of a `dnas` stage (docs/stages/dnas.md). Every field has a default. */
export const dnasConfigSchema = z.strictObject({
  board: z
    .enum(boardNames as [string, ...string[]])
    .optional()
    .meta({
      description: "Board whose flash, SRAM and clock bound the search; defaults to the pipeline's top-level board.",
    }),
  searchSpace: searchSpaceSchema.prefault({}).meta({
    description:
      'DS-CNN backbone to search: first-conv widths, blocks (widths, stride, skippable); widths are multiples of 4.',
  }),
  /** Latency budget per inference (network only, not the MFCC front end); absent = no latency constraint. */
  latencyMs: z
    .number()
    .positive()
    .max(100000)
    .optional()
    .meta({ description: 'Latency budget per inference (network only); absent = no latency constraint.' }),
  /** Fractions of the board's flash and SRAM kept free (budget = size × (1 − headroom)). */
  headroom: z
    .strictObject({
      flash: z
        .number()
        .min(0)
        .lt(1)
        .default(0.1)
        .meta({ description: "Fraction of the board's flash kept free: flash budget = flash × (1 − headroom)." }),
      sram: z
        .number()
        .min(0)
        .lt(1)
        .default(0.1)
        .meta({ description: "Fraction of the board's SRAM kept free: SRAM budget = SRAM × (1 − headroom)." }),
    })
    .prefault({}),
  epochs: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .meta({ description: 'Search epochs over the training split, warm-up included.' }),
  /**
   * Fraction of the training clips the search steps over (a seeded subset stratified by label,
   * src/dnas/search-subset.ts); the search's cost scales with it. `train` then trains the
   * derived architecture on every clip.
   */
  trainFraction: z.number().gt(0).max(1).default(1).meta({
    description:
      'Fraction of the training clips the search uses (seeded, per-label subset; its cost scales with it); train still uses them all.',
  }),
  /** Epochs that train the supernet's weights only (random paths) before the architecture logits move. */
  warmupEpochs: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(2)
    .meta({ description: 'Epochs that train supernet weights only before the architecture logits move.' }),
  batchSize: z.number().int().min(1).max(65536).default(100).meta({
    description: "Examples per search step (weights, logits and multipliers); 100 as `train` (Hello Edge's training).",
  }),
  learningRate: learningRateSchema.prefault({}),
  optimizer: optimizerSchema.prefault({}),
  /** Adam learning rate of the architecture logits (their own optimizer). */
  archLearningRate: z
    .number()
    .positive()
    .max(10)
    .default(0.01)
    .meta({ description: 'Adam learning rate of the architecture logits (own optimizer).' }),
  /**
   * What a weight step trains: `mixture` the relaxed supernet, `sandwich` the widest path and one
   * path sampled from softmax(α) (BigNAS's sandwich rule; src/dnas/weight-paths.ts). The mixture
   * scales the wide channels' gradient by P(width > c); with the cost off it still goes wide, and
   * under a budget the sandwich did not land nearer it (docs/results/2026-12-05-dnas-width-bias.md).
   */
  weightPaths: z.enum(['sandwich', 'mixture']).default('mixture').meta({
    description:
      "Weight steps train the relaxed mixture (`mixture`), or the widest path plus one path sampled from softmax(α) (`sandwich`, BigNAS's rule: wide channels train whatever α is; not the default: it did not move budget searches, docs/results/2026-12-05-dnas-width-bias.md).",
  }),
  /**
   * Share of the search's clips held apart for the architecture steps (DARTS §2.3: α is
   * updated on data the weights do not train on); 0: α steps on the weight step's batch.
   */
  archFraction: z.number().min(0).max(0.9).default(0).meta({
    description:
      "Share of the search's clips (seeded, per label) held apart for architecture steps, which the weight steps never see (DARTS's split); 0 = architecture steps on the weight batch.",
  }),
  /**
   * How the `archFraction` clips are drawn. Absent or `clip`: per label, by clip (the held-apart
   * clips are of the voices the weights train on). `voice`: per engine, a seeded set of voices with
   * about that share of the engine's clips, every clip they spoke held apart (src/dnas/search-subset.ts
   * voiceSplit), so the architecture steps are scored on voices the weight steps never hear; needs the
   * data stage in `needs:` (its dataset's sources.json). Optional without a default so configs that
   * do not name it keep their cache keys.
   */
  archSplitBy: z.enum(['clip', 'voice']).optional().meta({
    description:
      'How the `archFraction` clips are held apart: `clip` (absent: per label, by clip) or `voice` (per engine, a seeded set of its voices with about that share of its clips, so architecture steps see voices the weight steps never hear; engines with one voice stay with the weights; needs the data stage in needs: for its sources.json).',
  }),
  /**
   * `gumbel`: z = softmax((α + Gumbel noise)/τ), seeded; `gumbel-hard`: its one-hot argmax in the
   * forward pass, its gradient in the backward (straight-through, src/dnas/straight-through.ts);
   * `softmax`: z = softmax(α).
   */
  relaxation: z.enum(['gumbel', 'gumbel-hard', 'softmax']).default('gumbel').meta({
    description:
      'Architecture steps see z = softmax((α + seeded Gumbel noise)/τ) (`gumbel`), its one-hot argmax with the soft gradient (`gumbel-hard`, straight-through: one path per step), or softmax(α).',
  }),
  /** Gumbel temperature, annealed geometrically from `initial` to `final` over the epochs. */
  temperature: z
    .strictObject({
      initial: z.number().positive().default(5).meta({
        description: 'Gumbel-softmax temperature τ of the first epoch (high: z near uniform, every path trained).',
      }),
      final: z.number().positive().default(0.5).meta({
        description:
          'τ of the last epoch, reached by geometric annealing (low: z near one-hot, so the weights train on near-discrete paths).',
      }),
    })
    .prefault({}),
  /**
   * Lagrangian multipliers of the constraints E[cost]/(target·budget) − 1 ≤ 0: start value and dual-ascent
   * step per optimizer step (λ ← max(0, λ + η·(E[cost]/(target·budget) − 1)); src/dnas/search.ts).
   */
  multipliers: z
    .strictObject({
      initial: z
        .number()
        .min(0)
        .default(1)
        .meta({ description: 'Start value of each constraint multiplier λ (flash, SRAM, latency).' }),
      learningRate: z.number().min(0).default(0.05).meta({
        description: 'Dual-ascent step of λ per architecture step: λ ← max(0, λ + η·(E[cost]/(target·budget) − 1)).',
      }),
    })
    .prefault({}),
  /** The expected cost is steered to this fraction of each budget, so the argmax lands under it. */
  target: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .meta({ description: 'Expected costs are steered to this fraction of each budget.' }),
  /** Temperature (bytes) of the smooth max over ops in the SRAM model. */
  smoothMaxBytes: z
    .number()
    .positive()
    .default(256)
    .meta({ description: 'Temperature (bytes) of the smooth max over ops in the SRAM model.' }),
  /** Fixed seeds instead of the pipeline-derived ones (init: weights; data: shuffling, dropout, Gumbel noise). */
  seeds: z
    .strictObject({
      init: z.number().int().min(0).max(0xffffffff).optional().meta({
        description:
          "Seed of the supernet's initial weights (the logits start at 0); default derived from the pipeline seed and stage.",
      }),
      data: z.number().int().min(0).max(0xffffffff).optional().meta({
        description:
          'Seed of shuffling, dropout masks and Gumbel noise; default derived from the pipeline seed and stage.',
      }),
    })
    .prefault({}),
});

export type DnasConfig = z.output<typeof dnasConfigSchema>;
