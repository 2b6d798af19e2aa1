/**
 * pino loggers for both programs: JSON lines to a file or to stderr, or
 * human-readable lines when stderr is a terminal. Secrets are redacted by
 * path so that a careless `log.info({ headers })` cannot leak a token.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Append JSON lines here; empty means stderr. */
  file?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY and no file. */
  pretty?: boolean;
  name?: string;
}

export const REDACT_PATHS = [
  'token', '*.token', 'authorization', '*.authorization', 'headers.authorization',
  '*.headers.authorization', 'req.headers.authorization', 'webhook', '*.webhook',
];

export function createLogger(opts: LoggerOptions): Logger {
  const base = {
    level: opts.level,
    name: opts.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (opts.file) {
    return pino(base, pino.destination({ dest: opts.file, append: true, mkdir: true, sync: true }));
  }
  const usePretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (usePretty) {
    // Loaded only for a terminal: it costs ~20 ms of every start, and cron and systemd runs never use it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(base, pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}
