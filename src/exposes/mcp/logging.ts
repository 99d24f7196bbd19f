/**
 * MCP logging for tool calls (utilities/logging: `notifications/message`), and `toolCallEvents`,
 * which the dispatcher calls for each `tools/call` to get the engine hooks (`CallEvents`) that
 * feed the call's log messages and progress notifications (progress.ts).
 *
 * A message is sent only when its level is at least the client's: `logging/setLevel` on a legacy
 * session, `_meta["io.modelcontextprotocol/logLevel"]` of the request itself in the modern era
 * (none without it). Logger `naftiko.<adapter>`; `data` is an object with an `event`:
 *
 * | event | level | fields |
 * |---|---|---|
 * | `tool.start` | info | tool |
 * | `upstream.request` | debug | tool, step?, upstream, method, url |
 * | `upstream.response` | debug; warning for a status >= 400; error for a failure code | tool, step?, upstream, method, url, status or code, durationMs |
 * | `tool.end` | info | tool, isError, durationMs |
 *
 * `url` is scheme, host and path, never the query; no header, body or bound value is ever sent,
 * and every string goes through the runtime's redaction first (a secret bound into the base URI's
 * path shows as `[redacted]`).
 */
import type { CallEvents } from '../../observability/request-context.js';
import { progressReporter } from './progress.js';
import type { CallReporter, ProgressToken } from './progress.js';

/** Sends one notification on the call's response stream (or the session's). */
export type Notify = (method: string, params: Record<string, unknown>) => void;

/** RFC 5424 severities, least severe first (MCP `LoggingLevel`). */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: ReadonlyMap<string, number> = new Map(LOG_LEVELS.map((level, i) => [level, i]));

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && RANK.has(v);
}

export interface ToolCallEventsOptions {
  readonly adapter: string;
  readonly tool: string;
  /** The client's level; undefined: no log message at all. */
  readonly logLevel: LogLevel | undefined;
  /** The request's `_meta.progressToken`; undefined: no progress. */
  readonly progressToken: ProgressToken | undefined;
  readonly notify: Notify;
  /** The runtime's redaction of bound values. */
  readonly redact: (text: string) => string;
}

/**
 * The hooks of one tool call and its start/end (call `start()` before running it and `end()`
 * after its result); undefined when the client wants neither log messages nor progress (the
 * engine then runs as for REST).
 */
export function toolCallEvents(options: ToolCallEventsOptions): CallReporter | undefined {
  const { logLevel, progressToken, redact } = options;
  if (logLevel === undefined && progressToken === undefined) return undefined;
  // A failing transport must not fail the call: a notification that cannot be sent is dropped.
  const notify: Notify = (method, params) => {
    try {
      options.notify(method, params);
    } catch {
      // the stream is gone; the call goes on
    }
  };
  const logger =
    logLevel !== undefined
      ? callLogger(options.adapter, options.tool, logLevel, notify, redact)
      : undefined;
  const progress =
    progressToken !== undefined
      ? progressReporter(
          progressToken,
          (params) => notify('notifications/progress', params),
          redact,
        )
      : undefined;
  if (progress === undefined) return logger;
  if (logger === undefined) return progress;
  return both(logger, progress);
}

/** The log messages of one call, at or above `threshold`. */
function callLogger(
  adapter: string,
  tool: string,
  threshold: LogLevel,
  notify: Notify,
  redact: (text: string) => string,
): CallReporter {
  const min = RANK.get(threshold) as number;
  const logger = `naftiko.${redact(adapter)}`;
  const toolName = redact(tool);
  let started = 0;
  let step: string | undefined;
  const log = (level: LogLevel, data: Record<string, unknown>): void => {
    if ((RANK.get(level) as number) < min) return;
    notify('notifications/message', { level, logger, data });
  };
  const wants = (level: LogLevel) => (RANK.get(level) as number) >= min;
  const exchange = (e: { upstream: string; method: string; url: string }) => ({
    tool: toolName,
    ...(step !== undefined ? { step } : {}),
    upstream: redact(e.upstream),
    method: redact(e.method),
    url: redact(e.url),
  });
  const events: CallEvents = {
    stepStart(_index, _total, name) {
      step = redact(name);
    },
    stepEnd() {
      step = undefined;
    },
    exchangeEnd(e) {
      const { outcome } = e;
      const failed = typeof outcome === 'string';
      const level: LogLevel = failed ? 'error' : outcome >= 400 ? 'warning' : 'debug';
      if (!wants(level)) return;
      log(level, {
        event: 'upstream.response',
        ...exchange(e),
        ...(failed ? { code: redact(outcome) } : { status: outcome }),
        durationMs: round(e.ms),
      });
    },
  };
  // Requests are debug only: no hook at all above it.
  if (wants('debug')) {
    events.exchangeStart = (e) => log('debug', { event: 'upstream.request', ...exchange(e) });
  }
  return {
    events,
    start() {
      started = performance.now();
      log('info', { event: 'tool.start', tool: toolName });
    },
    end(isError) {
      log('info', {
        event: 'tool.end',
        tool: toolName,
        isError,
        durationMs: round(performance.now() - started),
      });
    },
  };
}

/** Milliseconds to the microsecond, as the access log writes them. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Both reporters on the same hooks. */
function both(a: CallReporter, b: CallReporter): CallReporter {
  const x = a.events;
  const y = b.events;
  const events: CallEvents = {};
  if (x.exchangeStart || y.exchangeStart) {
    events.exchangeStart = (e) => {
      x.exchangeStart?.(e);
      y.exchangeStart?.(e);
    };
  }
  if (x.exchangeEnd || y.exchangeEnd) {
    events.exchangeEnd = (e) => {
      x.exchangeEnd?.(e);
      y.exchangeEnd?.(e);
    };
  }
  if (x.bytes || y.bytes) {
    events.bytes = (received, total) => {
      x.bytes?.(received, total);
      y.bytes?.(received, total);
    };
  }
  if (x.stepStart || y.stepStart) {
    events.stepStart = (index, total, name) => {
      x.stepStart?.(index, total, name);
      y.stepStart?.(index, total, name);
    };
  }
  if (x.stepEnd || y.stepEnd) {
    events.stepEnd = (index, total, name) => {
      x.stepEnd?.(index, total, name);
      y.stepEnd?.(index, total, name);
    };
  }
  return {
    events,
    start() {
      a.start();
      b.start();
    },
    end(isError) {
      a.end(isError);
      b.end(isError);
    },
  };
}
