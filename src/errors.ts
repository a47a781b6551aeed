/**
 * Error classes for mistakes a user can make and fix. The CLI prints `message` of a
 * TinyopsError without a stack trace and exits non-zero; anything else is a bug and keeps
 * its stack. (Pattern: small classes with readonly context, as in @temporalio/common errors.)
 */
export class TinyopsError extends Error {
  override readonly name: string = 'TinyopsError';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
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
  constructor(readonly uri: string, readonly expected: string, readonly actual: string) {
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

/** A required external tool (temporal, arm-none-eabi-gcc, espeak-ng, ...) is not installed. */
export class ToolMissingError extends TinyopsError {
  override readonly name = 'ToolMissingError';
  constructor(readonly tool: string, hint: string) {
    super(`${tool} not found: ${hint}`);
  }
}

/** Store or Temporal configuration from the environment is invalid or unreachable. */
export class ConfigError extends TinyopsError {
  override readonly name = 'ConfigError';
}

export function isTinyopsError(e: unknown): e is TinyopsError {
  return e instanceof TinyopsError;
}
