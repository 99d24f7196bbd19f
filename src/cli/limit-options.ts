/**
 * `naftiko run`'s inbound limits (issue 11): MCP session cap and idle time, request URL and
 * head sizes, and the optional per-client rate limit. Each option has an environment twin (the
 * option wins), shown in `--help` by commander.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { HttpLimits } from '../exposes/http-limits.js';
import { DEFAULT_HTTP_LIMITS } from '../exposes/http-limits.js';
import { DEFAULT_SESSION_LIMITS } from '../exposes/mcp/session-table.js';
import { parsePositiveInt } from './run-options.js';

/** The options as commander hands them over (strings, from the command line or environment). */
export interface LimitOptions {
  readonly mcpMaxSessions?: string;
  readonly mcpSessionIdle?: string;
  readonly maxUrlLength?: string;
  readonly maxHeaderSize?: string;
  readonly rateLimit?: string;
}

export interface InboundLimits {
  /** For every HTTP adapter; `rateLimit` is applied to REST, MCP and skill adapters only. */
  readonly http: HttpLimits;
  readonly mcp: { readonly maxSessions: number; readonly sessionIdleMs: number };
}

export function addLimitOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--mcp-max-sessions <n>',
        `most MCP sessions open at once per adapter; past it initialize gets 503 (default ${DEFAULT_SESSION_LIMITS.maxSessions})`,
      ).env('NAFTIKO_MCP_MAX_SESSIONS'),
    )
    .addOption(
      new Option(
        '--mcp-session-idle <seconds>',
        `close an MCP session unused this long; its id then answers 404 (default ${DEFAULT_SESSION_LIMITS.idleMs / 1000})`,
      ).env('NAFTIKO_MCP_SESSION_IDLE'),
    )
    .addOption(
      new Option(
        '--max-url-length <bytes>',
        `longest request URL accepted by every HTTP adapter; longer is 414 (default ${DEFAULT_HTTP_LIMITS.maxUrlLength})`,
      ).env('NAFTIKO_MAX_URL_LENGTH'),
    )
    .addOption(
      new Option(
        '--max-header-size <bytes>',
        `largest request line and headers accepted by every HTTP adapter; larger is 431 (default ${DEFAULT_HTTP_LIMITS.maxHeaderSize})`,
      ).env('NAFTIKO_MAX_HEADER_SIZE'),
    )
    .addOption(
      new Option(
        '--rate-limit <n>',
        'requests per minute per client IP on REST, MCP and skill adapters; past it 429 with Retry-After (default: off)',
      ).env('NAFTIKO_RATE_LIMIT'),
    );
}

/** Checks the options (USAGE_INVALID when one is not a positive integer) and fills defaults. */
export function parseLimitOptions(options: LimitOptions): InboundLimits {
  const idle = parsePositiveInt('--mcp-session-idle', options.mcpSessionIdle);
  return {
    http: {
      maxUrlLength:
        parsePositiveInt('--max-url-length', options.maxUrlLength) ??
        DEFAULT_HTTP_LIMITS.maxUrlLength,
      maxHeaderSize:
        parsePositiveInt('--max-header-size', options.maxHeaderSize) ??
        DEFAULT_HTTP_LIMITS.maxHeaderSize,
      rateLimit: parsePositiveInt('--rate-limit', options.rateLimit),
    },
    mcp: {
      maxSessions:
        parsePositiveInt('--mcp-max-sessions', options.mcpMaxSessions) ??
        DEFAULT_SESSION_LIMITS.maxSessions,
      sessionIdleMs: idle === undefined ? DEFAULT_SESSION_LIMITS.idleMs : idle * 1000,
    },
  };
}
