import type { EventEvalOptionsInput } from './options';

/**
 * A device that cannot run the model at every front-end hop runs it every k hops (deploy's
 * `stream.every`, firmware/stream/tops_stream.c): DS-CNN-M needs ≈ 37 ms per inference on the
 * stm32f746zg, longer than a 20 ms hop. The host evaluation must then score what that device
 * sees — one posterior every k hops — or its FRR and false-accept rate describe a detector
 * the board cannot run (docs/stages/evaluate.md, "Inference stride").
 *
 * The YAML counts the smoothing window and the frame tolerances in front-end hops, whatever k
 * is, so one number means the same time span on the host and on the board.
 */

/** Posteriors in a causal moving average of `smoothingHops` hops when one posterior comes every `every` hops. */
export function smoothingPosteriors(smoothingHops: number, every: number): number {
  return Math.max(1, Math.ceil(smoothingHops / every));
}

/**
 * Event options in hops → the same options over posteriors `every` hops apart, `hopMs` each:
 * the smoothing window shrinks to ⌈W / every⌉ posteriors (as the device's detector), and
 * tolerances given in frames become milliseconds so they keep their length in time.
 */
export function eventOptionsAtStride<T extends EventEvalOptionsInput>(options: T, every: number, hopMs: number): T {
  if (every === 1) return options;
  const out: T = { ...options };
  if (options.smoothingFrames !== undefined) out.smoothingFrames = smoothingPosteriors(options.smoothingFrames, every);
  if (options.earlyFrames !== undefined) {
    out.earlyMs = options.earlyFrames * hopMs;
    delete out.earlyFrames;
  }
  if (options.lateFrames !== undefined) {
    out.lateMs = options.lateFrames * hopMs;
    delete out.lateFrames;
  }
  return out;
}

/** Start frames of the model windows a device running every `every` hops classifies: 0, k, 2k, … */
export function windowStarts(frames: number, windowFrames: number, every: number): number[] {
  const starts: number[] = [];
  for (let w = 0; w + windowFrames <= frames; w += every) starts.push(w);
  return starts;
}
