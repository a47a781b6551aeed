/**
 * The largest posterior the board's detector can see: the int8 model's softmax output has
 * scale 1/256 and zero point −128 (src/quant/int-model.ts), so its codes stop at 255 and the
 * smoothed posterior at 255/256 ≈ 0.99609 (src/deploy/stream-detector.ts decides
 * 256 S ≥ θ₁₆ n). An operating threshold above it, which the float model's sweep can choose
 * (the default run's 0.998, docs/results/2026-12-04-stream-frr-diagnosis.md), never fires on
 * the device.
 */
export const INT8_POSTERIOR_MAX = 255 / 256;
