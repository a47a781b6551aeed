import type { MfccParams } from './mfcc-config';
import { MfccQ15 } from './mfcc-q15';
import { MfccQ31 } from './mfcc-q31';

/**
 * The integer MFCC front end of a config, whichever fixed-point contract it names
 * (`contract:` of the features config; mfcc-q15.ts for q30, the default, mfcc-q31.ts for
 * q31-fast). Everything that must compute what the board computes (features, evaluate,
 * deploy's checks) builds its front end here.
 */
export interface FixedMfcc {
  readonly params: MfccParams;
  /** Steps 1–6 for the frame at `offset`: Q16 log2 mel energies. */
  logMelFrame(x: Int16Array, offset: number, out: Int32Array): void;
  /** [frames][coefficients] Q5 int16 MFCCs of a whole signal. */
  compute(x: Int16Array): Int16Array;
}

export function makeFixedMfcc(params: MfccParams): FixedMfcc {
  return params.contract === 'q31-fast' ? new MfccQ31(params) : new MfccQ15(params);
}
