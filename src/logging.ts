import winston from 'winston';

/**
 * The CLI's logger (docs/architecture.md#code-conventions): human-readable lines on stderr by default, one JSON
 * object per line with `--log-format json`. Never log secrets (store credentials stay in
 * the AWS SDK's own environment handling).
 */
export type LogFormat = 'text' | 'json';

export function createLogger(
  format: LogFormat = 'text',
  level = process.env.TINYOPS_LOG_LEVEL ?? 'info',
): winston.Logger {
  return winston.createLogger({
    level,
    format:
      format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.printf(({ level: l, message }) =>
            l === 'info' ? String(message) : `${l}: ${String(message)}`,
          ),
    transports: [
      new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] }),
    ],
  });
}
