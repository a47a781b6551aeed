import { StageInputError } from '../errors';
import { logmelConfigSchema, logmelParams } from '../dsp/logmel-config';
import { mfccConfigSchema, mfccParams } from '../dsp/mfcc-config';

/**
 * The model input a feature file's front end gives, for quantization: its implementation
 * (the board runs the fixed-point one) and the [rows, cols] of one example. MFCC (KWS):
 * frames × coefficients; log-mel patches (anomaly detection): the patch shape. Both store
 * Q5 codes / 32, so the front-end scale is 1/32 for either (with `normalize: band` the Q5
 * values are standardized log-mel, src/dsp/band-normalization.ts).
 */
export function frontEndInput(frontEnd: Readonly<Record<string, unknown>>): {
  implementation: 'fixed' | 'float';
  shape: [number, number];
} {
  if (frontEnd.type === 'logmel') {
    // bandStats are fitted constants, not config.
    const { bandStats: _stats, ...config } = frontEnd;
    const parsed = logmelConfigSchema.safeParse(config);
    if (!parsed.success)
      throw new StageInputError(
        `features front end: not a valid log-mel config (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      );
    const [rows, cols] = logmelParams(parsed.data).patchShape;
    return { implementation: parsed.data.implementation, shape: [rows, cols] };
  }
  const mfcc = mfccConfigSchema.parse(frontEnd);
  const p = mfccParams(mfcc);
  return { implementation: mfcc.implementation, shape: [p.frames, p.coefficients] };
}
