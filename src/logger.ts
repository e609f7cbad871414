import { type DestinationStream, type Logger, pino } from 'pino';
import { SECRET_SETTINGS } from './config.js';

export type { Logger };

/** One pino logger to stderr (stdout is for command output); secrets are redacted wherever they appear as keys. */
export function createLogger(
  level: string,
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      base: { service: 'scout' },
      redact: {
        paths: [
          ...SECRET_SETTINGS,
          ...SECRET_SETTINGS.map((s) => `*.${s}`),
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
