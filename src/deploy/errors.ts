import { EnvironmentError, TinyopsError } from '../errors';

/**
 * Errors of the firmware build/run library (src/deploy). User mistakes (a model too big for the
 * board, an unknown board) are TinyopsErrors so the CLI prints the message without a stack.
 */

/** The linked firmware is larger than the board's flash or SRAM (ld reported a region overflow). */
export class FirmwareDoesNotFitError extends TinyopsError {
  override readonly name = 'FirmwareDoesNotFitError';
  constructor(
    readonly board: string,
    readonly memory: 'flash' | 'SRAM',
    readonly neededBytes: number,
    readonly availableBytes: number,
    detail = '',
  ) {
    super(
      `model needs ${Math.ceil(neededBytes / 1024)} KB ${memory}${detail}, ${board} has ${Math.ceil(availableBytes / 1024)} KB`,
    );
  }
}

/** A board name that is not in src/boards/registry.ts. */
export class UnknownBoardError extends TinyopsError {
  override readonly name = 'UnknownBoardError';
  constructor(
    readonly board: string,
    known: readonly string[],
  ) {
    super(`unknown board "${board}": expected one of ${known.join(', ')}`);
  }
}

/** The C sources did not compile or link for a reason other than size; carries the compiler's output. */
export class FirmwareBuildError extends TinyopsError {
  override readonly name = 'FirmwareBuildError';
  constructor(
    readonly board: string,
    readonly compilerOutput: string,
  ) {
    super(`firmware for ${board} did not build:\n${compilerOutput.trim()}`);
  }
}

/**
 * QEMU did not finish within the time limit (firmware hung, the limit is too small, or the
 * machine was overloaded). Retryable: an overloaded worker is the common cause; a firmware
 * that really hangs fails after the workflow's few attempts with the same message.
 */
export class FirmwareTimeoutError extends EnvironmentError {
  override readonly name = 'FirmwareTimeoutError';
  constructor(
    readonly elfPath: string,
    readonly timeoutMs: number,
  ) {
    super(`firmware ${elfPath} did not exit within ${timeoutMs} ms in QEMU`);
  }
}

/** A marker symbol asked for is not in the ELF's symbol table. */
export class MarkerNotFoundError extends TinyopsError {
  override readonly name = 'MarkerNotFoundError';
  constructor(
    readonly symbol: string,
    readonly elfPath: string,
  ) {
    super(
      `marker function "${symbol}" is not in ${elfPath}: expected a non-inlined function of that name (see firmware/include/tops_board.h)`,
    );
  }
}
