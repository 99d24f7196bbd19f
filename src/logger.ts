/**
 * Logging for `naftiko run`: JSON lines through pino (`--log-format json`), or short human lines
 * (`pretty`, the default). Every line has an `event` name; secrets are redacted before writing.
 */
import { pino } from 'pino';
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'pretty' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, message: string, fields?: LogFields): void;
  info(event: string, message: string, fields?: LogFields): void;
  warn(event: string, message: string, fields?: LogFields): void;
  error(event: string, message: string, fields?: LogFields): void;
  /** The same logger, redacting these secrets from now on. */
  withRedaction(redact: (text: string) => string): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly stream: Writable;
}

const ORDER: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

export function createLogger(
  options: LoggerOptions,
  redact: (text: string) => string = (t) => t,
): Logger {
  const write =
    options.format === 'json' ? jsonWriter(options, redact) : prettyWriter(options, redact);
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (event: string, message: string, fields: LogFields = {}) => {
      if (ORDER[level] >= ORDER[options.level]) write(level, event, message, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    withRedaction: (next) => createLogger(options, (text) => next(redact(text))),
  };
}

type Writer = (
  level: Exclude<LogLevel, 'silent'>,
  event: string,
  message: string,
  fields: LogFields,
) => void;

function jsonWriter(options: LoggerOptions, redact: (text: string) => string): Writer {
  const logger = pino(
    {
      level: options.level === 'silent' ? 'silent' : options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        streamWrite: redact,
      },
    },
    options.stream,
  );
  return (level, event, message, fields) => logger[level]({ event, ...fields }, message);
}

function prettyWriter(options: LoggerOptions, redact: (text: string) => string): Writer {
  return (level, event, message, fields) => {
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const tag = level === 'info' ? '' : `${level.toUpperCase()} `;
    options.stream.write(
      redact(`${tag}${message}${extra && level !== 'info' ? ` (${extra})` : ''}\n`),
    );
  };
}
