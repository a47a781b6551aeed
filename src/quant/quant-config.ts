/**
 * The training-time quantization block of a pipeline YAML (thesis ch. 4: hybrid
 * {1, 2, 4, 8}-bit weights, §4.2; regularizer, Eq. 4.2–4.6; schedule, Table 4.2.1):
 *
 *   quantization:
 *     bits: {default: 8, overrides: {conv1: 4, fc: 2}}   # or `4`, or {conv1: 4, fc: 2}
 *     bits: {default: 8, overrides: {depthwise: 4, pointwise: 4}}   # layer groups, below
 *     regularizer: reg-n
 *     lambda: 0.0001
 *     schedule: {type: linear}
 *
 * Defaults (`{}` is plain int8 PTQ, nothing regularized):
 * - bits: 8. A plain map {layer: bits} leaves unlisted layers at 8 bits (§4.3 "the
 *   remaining layers are quantized to 8-bits"). A key may also name a layer group
 *   (LAYER_GROUPS: `depthwise`, `pointwise`): every DS-CNN block's depthwise or pointwise
 *   conv, however many blocks the architecture has — what a `dnas` upstream needs, whose
 *   block count is not known when the YAML is written. A layer's own name wins over its group.
 * - regularizer: 'reg-n' — Reg_N (Eq. 4.6) on layers of N ≥ 2 bits, Reg_1^c (Eq. 4.5) on
 *   1-bit layers. 'reg-1-<variant>' picks the 1-bit function (Eq. 4.1, 4.3–4.5) and still
 *   uses Reg_N on 2/4-bit layers (a Reg_1 function only has minima at ±1). 'none' disables
 *   regularization (then PTQ rounding alone quantizes).
 * - regularize8Bit: false — 8-bit layers are not regularized (the thesis' hybrid {N, 8}
 *   setting, §4.3; §4.4 found Reg_8 does not beat the plain 8-bit baseline). Set true for
 *   the thesis' Reg_8 experiments.
 * - lambda: 1e-4. The thesis gives no value for λ (Eq. 4.2); this is a tinyops choice that
 *   keeps λ·Σ Reg (≤ 2 per weight) near a cross-entropy's scale for ~10⁴–10⁵ weights.
 * - schedule: {type: 'linear'} (Fig. 4.2.5 uses the linear schedule); scheduleUnit 'epoch'
 *   (Fig. 4.2.4 is over epochs, t_final = 350).
 */
import { z } from 'zod';
import type { BitWidth } from './regularizers';
import { scheduleSchema } from './schedules';

export const bitWidthSchema = z.literal([1, 2, 4, 8]);

const layerBitsSchema = z.record(z.string().min(1), bitWidthSchema);

/** `{default, overrides}` is tried before a plain layer map, so name a layer "default" via overrides. */
export const bitsSchema = z.union([
  bitWidthSchema,
  z.strictObject({ default: bitWidthSchema.default(8), overrides: layerBitsSchema.default({}) }),
  layerBitsSchema,
]);

export const REGULARIZER_KINDS = [
  'none',
  'reg-1-r1',
  'reg-1-r1-squared',
  'reg-1-a',
  'reg-1-b',
  'reg-1-c',
  'reg-n',
] as const;
export type RegularizerKind = (typeof REGULARIZER_KINDS)[number];

export const quantConfigSchema = z.strictObject({
  bits: bitsSchema
    .default(8)
    .describe(
      'Weight bits: one width for every layer, {default, overrides: {layer: bits}}, or a map {layer: bits} (unlisted layers 8 bits, thesis §4.3); a key may be a layer group, depthwise or pointwise (every block).',
    ),
  regularizer: z
    .enum(REGULARIZER_KINDS)
    .default('reg-n')
    .describe(
      'Quantization regularizer: reg-n = Reg_N (thesis Eq. 4.6) on N ≥ 2-bit layers and Reg_1^c on 1-bit ones; reg-1-<variant> picks the 1-bit function; none = PTQ rounding only.',
    ),
  regularize8Bit: z
    .boolean()
    .default(false)
    .describe('Also regularize 8-bit layers; off because the thesis (§4.4) found Reg_8 no better than plain 8-bit.'),
  lambda: z
    .number()
    .min(0)
    .max(1e3)
    .default(1e-4)
    .describe(
      "Weight λ of the regularizer in the loss (thesis Eq. 4.2); 1e-4 keeps λ·Σ Reg near the cross-entropy's scale for 10⁴–10⁵ weights.",
    ),
  schedule: scheduleSchema
    .default({ type: 'linear' })
    .describe('How λ ramps up over training (src/quant/schedules.ts); linear as in thesis Fig. 4.2.5.'),
  scheduleUnit: z
    .enum(['epoch', 'step'])
    .default('epoch')
    .describe('Whether the schedule advances per epoch or per training step.'),
});

export type QuantConfig = z.output<typeof quantConfigSchema>;
export type QuantConfigInput = z.input<typeof quantConfigSchema>;

/** Parse a user's `quantization` block, filling in defaults. */
export function parseQuantConfig(input: unknown): QuantConfig {
  return quantConfigSchema.parse(input);
}

/** Bits as `{default, overrides}`, whichever form the user wrote. */
export function normalizeBits(bits: QuantConfig['bits']): { default: BitWidth; overrides: Record<string, BitWidth> } {
  if (typeof bits === 'number') return { default: bits, overrides: {} };
  if ('default' in bits && 'overrides' in bits && typeof bits.overrides === 'object') {
    return { default: bits.default as BitWidth, overrides: { ...(bits.overrides as Record<string, BitWidth>) } };
  }
  return { default: 8, overrides: { ...(bits as Record<string, BitWidth>) } };
}

/**
 * Override keys that stand for a kind of layer rather than one layer: the depthwise
 * (`block<i>_dw`) or pointwise (`block<i>_pw`) conv of every DS-CNN block (src/nn/ds-cnn.ts).
 */
export const LAYER_GROUPS: Readonly<Record<string, RegExp>> = {
  depthwise: /^block\d+_dw$/,
  pointwise: /^block\d+_pw$/,
};

/** The bit width of one layer (weight matrix): its own override, else its group's, else the default. */
export function layerBits(config: QuantConfig, layer: string): BitWidth {
  const b = normalizeBits(config.bits);
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(b.overrides, key);
  if (has(layer)) return b.overrides[layer]!;
  const group = Object.keys(LAYER_GROUPS).find((g) => has(g) && LAYER_GROUPS[g]!.test(layer));
  return group === undefined ? b.default : b.overrides[group]!;
}

/** Whether a layer's weights are regularized (thesis Eq. 4.2; 8-bit layers only with regularize8Bit). */
export function isLayerRegularized(config: QuantConfig, layer: string): boolean {
  if (config.regularizer === 'none') return false;
  return layerBits(config, layer) !== 8 || config.regularize8Bit;
}
