import pino, { type Logger, type LoggerOptions } from 'pino';
import { scrubDeep } from './redact';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line (credentials, connection strings). */
export const REDACTED_KEYS = [
  'password',
  '*.password',
  'database.url',
  '*.database.url',
  'url',
  '*.url',
  'token',
  '*.token',
  'headers.authorization',
];

export interface LoggerConfig {
  level?: string;
  /** Pretty output; defaults to stderr being a TTY. */
  pretty?: boolean;
}

/**
 * The process logger: pino, pretty-printed on a TTY, JSON lines otherwise; always on stderr so stdout
 * stays free for command output (reports, JSON). Known secret keys are censored, and every string of a
 * log call (message, fields, errors) has the URLs in it redacted (`scrubDeep`), whatever the caller did.
 */
export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? process.env.RXVISION_LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_KEYS, censor: '[redacted]' },
    base: undefined,
    hooks: {
      logMethod(args, method) {
        // A library error or a field may carry a URL with credentials the caller did not redact.
        return method.apply(this, args.map((a) => scrubDeep(a)) as Parameters<typeof method>);
      },
    },
  };
  const pretty = config.pretty ?? process.stderr.isTTY === true;
  if (pretty) {
    return pino(
      options,
      // pino-pretty as a stream (not a transport) keeps logging synchronous with the process.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('pino-pretty')({ destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', sync: true }),
    );
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

let rootLogger: Logger | undefined;

/** The shared logger; {@link setLogger} replaces it (the CLI does, from --log-level). */
export function logger(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}

export function setLogger(l: Logger): void {
  rootLogger = l;
}
