/**
 * Second-order IIR sections (biquads) designed by the bilinear transform, as in R. Bristow-
 * Johnson's "Audio EQ Cookbook" formulas, and Butterworth cascades built from them. The
 * band limits of a microphone/channel (mic.ts) and the high-pass that Allen & Berkley
 * apply to an image-source RIR (room-ir.ts) use these. Float64 state, fixed order: the same
 * input gives the same output bytes.
 */

export interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  /** Denominator a1, a2 (a0 normalised to 1). */
  readonly a1: number;
  readonly a2: number;
}

function normalised(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): Biquad {
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

/** Cutoff in (0, Nyquist) or a RangeError naming the value. */
function checkCutoff(hz: number, sampleRate: number): void {
  if (!(hz > 0 && hz < sampleRate / 2)) throw new RangeError(`cutoff ${hz} Hz outside (0, ${sampleRate / 2}) Hz`);
}

/** Cookbook low-pass with quality factor q (1/√2 = Butterworth 2nd order). */
export function lowPassBiquad(hz: number, q: number, sampleRate: number): Biquad {
  checkCutoff(hz, sampleRate);
  const w = (2 * Math.PI * hz) / sampleRate;
  const alpha = Math.sin(w) / (2 * q);
  const c = Math.cos(w);
  return normalised((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

/** Cookbook high-pass with quality factor q. */
export function highPassBiquad(hz: number, q: number, sampleRate: number): Biquad {
  checkCutoff(hz, sampleRate);
  const w = (2 * Math.PI * hz) / sampleRate;
  const alpha = Math.sin(w) / (2 * q);
  const c = Math.cos(w);
  return normalised((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

/**
 * Q of each biquad in an order-`order` (even) Butterworth cascade: the poles sit at angles
 * (2k+1)π/(2·order) from the imaginary axis, Q_k = 1 / (2·sin((2k+1)π/(2·order))).
 */
export function butterworthQs(order: number): number[] {
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0)
    throw new RangeError(`Butterworth order must be even ≥ 2, got ${order}`);
  return Array.from({ length: order / 2 }, (_, k) => 1 / (2 * Math.sin(((2 * k + 1) * Math.PI) / (2 * order))));
}

/** Run biquads in series over x (Direct Form I, float64 state); returns a new array. */
export function filterCascade(x: Float32Array, sections: readonly Biquad[]): Float32Array {
  const out = Float32Array.from(x);
  for (const s of sections) {
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < out.length; i++) {
      const xi = out[i]!;
      const y = s.b0 * xi + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
      x2 = x1;
      x1 = xi;
      y2 = y1;
      y1 = y;
      out[i] = y;
    }
  }
  return out;
}

/** Order-`order` Butterworth high-pass at `hz` (−3 dB), as a cascade of biquads. */
export function butterworthHighPass(x: Float32Array, hz: number, sampleRate: number, order = 4): Float32Array {
  return filterCascade(
    x,
    butterworthQs(order).map((q) => highPassBiquad(hz, q, sampleRate)),
  );
}

/** Order-`order` Butterworth low-pass at `hz` (−3 dB). */
export function butterworthLowPass(x: Float32Array, hz: number, sampleRate: number, order = 4): Float32Array {
  return filterCascade(
    x,
    butterworthQs(order).map((q) => lowPassBiquad(hz, q, sampleRate)),
  );
}
