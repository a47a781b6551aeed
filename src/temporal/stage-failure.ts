import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { isTinyopsError } from '../errors';

/**
 * How a stage activity's error reaches Temporal (issue #15 "errors and retries"):
 *
 *  - cancellation stays a CancelledFailure, so Temporal records a cancelled activity
 *    instead of retrying it;
 *  - a TinyopsError becomes an ApplicationFailure whose `type` is its class name
 *    (`StageInputError`, `ToolTimeoutError`, ...), so the UI and `--json` tell kinds apart,
 *    and that is non-retryable exactly when the error is a user error (src/errors.ts);
 *  - a config rejected by the stage's zod schema is a user error (`StageConfigError`,
 *    stageConfigFailure, for the config parse only);
 *  - anything else is a bug or an unforeseen environment problem: left as is, so Temporal
 *    retries it and the stage resumes from its checkpoint.
 */
export function toStageFailure(err: unknown): unknown {
  if (err instanceof CancelledFailure) return err;
  if (isTinyopsError(err)) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: !err.retryable });
  }
  return err;
}

/**
 * The stage's `with:` rejected by its own schema: a user error. Only for the config parse
 * itself: a ZodError from reading an artifact (a stream index, a model file) is not the
 * user's config and must not be reported as `stages.<name>.with` (the first default run after
 * the engine merge said `stages.evaluate.with: Unrecognized key "heldOut"` about a stream index).
 */
export function stageConfigFailure(err: unknown, stageName: string): unknown {
  if (err instanceof Error && err.name === 'ZodError') {
    return ApplicationFailure.create({
      message: `stages.${stageName}.with: ${err.message}`,
      type: 'StageConfigError',
      nonRetryable: true,
    });
  }
  return err;
}
