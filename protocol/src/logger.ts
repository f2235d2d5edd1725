import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  /** Process or package name, e.g. `core`, `agent`. */
  name: string;
  level?: LoggerOptions['level'];
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * The one way Prophasis creates a root logger. Subsystems receive it (or a child with
 * `{ component: 'scheduler' }`, `{ agentId }`) and never create their own; library code never
 * calls `console.*`. Secrets are redacted wherever they appear under these keys.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? process.env.PROPHASIS_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['password', 'secret', 'token', '*.password', '*.secret', '*.token', 'headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
    base: { pid: process.pid },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** A logger that drops everything, for code paths and tests that need one but read nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
