import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  ConfigError,
  PipelineSpecError,
  StageInputError,
  StoreUnavailableError,
  ToolMissingError,
  ToolTimeoutError,
} from '../../../src/errors';
import { FirmwareDoesNotFitError, FirmwareTimeoutError } from '../../../src/deploy/errors';
import { stageConfigFailure, toStageFailure } from '../../../src/temporal/stage-failure';

/** Issue #15: user errors are final, environment errors are retried, kinds are told apart. */
describe('toStageFailure', () => {
  const cases: Array<[string, Error, string, boolean]> = [
    ['bad input', new StageInputError('data/x.wav: not a WAV file'), 'StageInputError', true],
    ['a bad pipeline', new PipelineSpecError(['kws.yaml:1:1: x: expected y']), 'PipelineSpecError', true],
    ['a wrong bucket', new ConfigError('S3 bucket "b" not found'), 'ConfigError', true],
    [
      'a model that does not fit',
      new FirmwareDoesNotFitError('stm32f446re', 'SRAM', 200_000, 131_072),
      'FirmwareDoesNotFitError',
      true,
    ],
    [
      'an unreachable store',
      new StoreUnavailableError('cannot reach S3 endpoint http://x (ECONNRESET)'),
      'StoreUnavailableError',
      false,
    ],
    ['a tool missing on this worker', new ToolMissingError('espeak-ng', 'run setup'), 'ToolMissingError', false],
    ['a hung tool', new ToolTimeoutError('arm-none-eabi-gcc', 120_000, 'tops_model.c'), 'ToolTimeoutError', false],
    ['a QEMU timeout', new FirmwareTimeoutError('fw.elf', 600_000), 'FirmwareTimeoutError', false],
  ];
  it.each(cases)('%s → type %s, nonRetryable %s', (_what, err, type, nonRetryable) => {
    const f = toStageFailure(err);
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect((f as ApplicationFailure).type).toBe(type);
    expect((f as ApplicationFailure).nonRetryable).toBe(nonRetryable);
    expect((f as ApplicationFailure).message).toBe(err.message);
  });

  it('keeps cancellation a cancellation', () => {
    const c = new CancelledFailure('stage cancelled');
    expect(toStageFailure(c)).toBe(c);
  });

  it('reports a config the stage schema rejects as a non-retryable StageConfigError naming the stage', () => {
    const r = z.strictObject({ epochs: z.number() }).safeParse({ epochs: 'x' });
    const f = stageConfigFailure(r.error, 'train') as ApplicationFailure;
    expect(f.type).toBe('StageConfigError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/^stages\.train\.with: /);
  });

  it("leaves bugs alone so Temporal retries them, and does not call an artifact's ZodError a config error", () => {
    const bug = new TypeError('cannot read x of undefined');
    expect(toStageFailure(bug)).toBe(bug);
    const artifact = z.strictObject({ label: z.string() }).safeParse({ label: 'yes', heldOut: false }).error!;
    expect(toStageFailure(artifact)).toBe(artifact);
  });
});
