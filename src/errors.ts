/**
 * Error classes for problems a user can understand and act on. The CLI prints `message` of
 * a TinyopsError without a stack trace and exits non-zero; anything else is a bug and keeps
 * its stack. (Pattern: small classes with readonly context, as in @temporalio/common errors.)
 *
 * Two families, because a stage activity must tell Temporal whether trying again can help
 * (activities/execute-stage.ts turns the class name into the failure type):
 *  - user errors (`retryable = false`): the pipeline, its config or its data are wrong;
 *    a retry gives the same answer, so the stage fails at once with the message;
 *  - environment errors (`retryable = true`, EnvironmentError and subclasses): the store or
 *    a tool was unreachable, missing on this worker or hung; another attempt, possibly on
 *    another worker, can succeed, and the stage resumes from its checkpoint.
 */
export class TinyopsError extends Error {
  override readonly name: string = 'TinyopsError';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  /** Whether another attempt of the same stage can succeed. */
  readonly retryable: boolean = false;
}

/** A pipeline file is malformed: bad YAML, schema violation, unknown stage, cycle in `needs`. */
export class PipelineSpecError extends TinyopsError {
  override readonly name = 'PipelineSpecError';
  /** Every problem found, each already formatted as `file:line:col: path: message`. */
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** A `--set path=value` override that does not parse or names nothing settable. */
export class OverrideError extends TinyopsError {
  override readonly name = 'OverrideError';
}

/** Input data a stage was given is unusable (corrupt WAV, empty folder, ...). */
export class StageInputError extends TinyopsError {
  override readonly name = 'StageInputError';
}

/** An artifact's bytes do not match the digest it was stored under. */
export class DigestMismatchError extends TinyopsError {
  override readonly name = 'DigestMismatchError';
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`artifact ${uri} is corrupt: expected sha256 ${expected}, got ${actual}`);
  }
}

/** An artifact named by a cache entry or run is not in the store. */
export class ArtifactNotFoundError extends TinyopsError {
  override readonly name = 'ArtifactNotFoundError';
  constructor(readonly uri: string) {
    super(`artifact ${uri} is missing from the store`);
  }
}

/**
 * The machine, not the user's input, is at fault: a store or server is unreachable, a tool
 * is missing on this worker or did not finish in time. Retryable (see above).
 */
export class EnvironmentError extends TinyopsError {
  override readonly name: string = 'EnvironmentError';
  override readonly retryable: boolean = true;
}

/** A store (S3 endpoint, network) could not be reached or timed out. */
export class StoreUnavailableError extends EnvironmentError {
  override readonly name = 'StoreUnavailableError';
}

/** An external tool did not finish within its time limit (a hung QEMU, gcc, TTS engine). */
export class ToolTimeoutError extends EnvironmentError {
  override readonly name = 'ToolTimeoutError';
  constructor(
    readonly tool: string,
    readonly timeoutMs: number,
    what: string,
  ) {
    super(
      `${tool} did not finish within ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s (${what}); killed`,
    );
  }
}

/**
 * A required external tool (temporal, arm-none-eabi-gcc, espeak-ng, ...) is not installed
 * on this machine. Retryable: in a cluster another worker may have it.
 */
export class ToolMissingError extends EnvironmentError {
  override readonly name = 'ToolMissingError';
  constructor(
    readonly tool: string,
    hint: string,
  ) {
    super(`${tool} not found: ${hint}`);
  }
}

/** Store or Temporal configuration from the environment is invalid or unreachable. */
export class ConfigError extends TinyopsError {
  override readonly name = 'ConfigError';
}

/**
 * The user stopped `tinyops run` (Ctrl-C / SIGTERM) while its in-process worker served the run.
 * Not a failure of the pipeline: the workflow stays open on the Temporal server, and the message
 * says how to finish it. Exit code 128 + SIGINT's number, as shells report an interrupted command.
 */
export class InterruptedError extends TinyopsError {
  override readonly name = 'InterruptedError';
  override readonly exitCode = 130;
}

export function isTinyopsError(e: unknown): e is TinyopsError {
  return e instanceof TinyopsError;
}
