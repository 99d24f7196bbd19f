/**
 * `naftiko run`'s limits and resilience knobs (issue 11): MCP session cap and idle time, request
 * URL and head sizes, the optional per-client rate limit; the upstream body limit, retries and
 * circuit breaker; the access log. Each option has an environment twin (the option wins), shown
 * in `--help` by commander.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { HttpLimits } from '../exposes/http-limits.js';
import { DEFAULT_HTTP_LIMITS } from '../exposes/http-limits.js';
import { DEFAULT_SESSION_LIMITS } from '../exposes/mcp/session-table.js';
// Leaf modules only: every command (validate too) loads this file to declare its options, so
// it must not pull in the HTTP client (undici) or the adapters.
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_RESILIENCE } from '../consumes/http/resilience.js';
import type { ResilienceOptions } from '../consumes/http/resilience.js';
import { NaftikoError } from '../errors.js';
import { parseCount, parsePositiveInt } from './run-options.js';

/** The options as commander hands them over (strings, from the command line or environment). */
export interface LimitOptions {
  readonly mcpMaxSessions?: string;
  readonly mcpSessionIdle?: string;
  readonly maxUrlLength?: string;
  readonly maxHeaderSize?: string;
  readonly rateLimit?: string;
  readonly requestTimeout?: string;
  readonly maxUpstreamBody?: string;
  readonly upstreamRetries?: string;
  readonly circuitThreshold?: string;
  readonly circuitCooldown?: string;
  readonly accessLog?: boolean;
}

/** How the engine treats its upstreams, and whether it logs each request. */
export interface UpstreamSettings {
  readonly maxUpstreamBodyBytes: number;
  readonly resilience: ResilienceOptions;
  readonly accessLog: boolean;
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
    )
    .addOption(
      new Option(
        '--request-timeout <seconds>',
        `longest time to receive a whole request (head and body) on every HTTP adapter; past it 408 and the connection is closed (default ${DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000})`,
      ).env('NAFTIKO_REQUEST_TIMEOUT'),
    )
    .addOption(
      new Option(
        '--max-upstream-body <bytes>',
        `largest upstream response body read; larger is 502 UPSTREAM_TOO_LARGE (default ${DEFAULT_MAX_BODY_BYTES})`,
      ).env('NAFTIKO_MAX_UPSTREAM_BODY'),
    )
    .addOption(
      new Option(
        '--upstream-retries <n>',
        `retries of an idempotent upstream call after a transient failure, 0 for none (default ${DEFAULT_RESILIENCE.maxRetries})`,
      ).env('NAFTIKO_UPSTREAM_RETRIES'),
    )
    .addOption(
      new Option(
        '--circuit-threshold <n>',
        `consecutive upstream failures that open its circuit, 0 for no breaker (default ${DEFAULT_RESILIENCE.breakerThreshold})`,
      ).env('NAFTIKO_CIRCUIT_THRESHOLD'),
    )
    .addOption(
      new Option(
        '--circuit-cooldown <seconds>',
        `how long an open circuit refuses calls before a probe (default ${DEFAULT_RESILIENCE.breakerCooldownMs / 1000})`,
      ).env('NAFTIKO_CIRCUIT_COOLDOWN'),
    )
    .addOption(
      // Not commander's .env(): it would turn a boolean on for any value, "0" included.
      new Option(
        '--access-log',
        'one info log line per REST request and tool call: route, status, duration, request id, upstream calls (env: NAFTIKO_ACCESS_LOG=1)',
      ),
    );
}

/** The upstream knobs and the access log switch, checked (USAGE_INVALID) with defaults filled. */
export function parseUpstreamOptions(
  options: LimitOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): UpstreamSettings {
  const cooldown = parsePositiveInt('--circuit-cooldown', options.circuitCooldown);
  return {
    maxUpstreamBodyBytes:
      parsePositiveInt('--max-upstream-body', options.maxUpstreamBody) ?? DEFAULT_MAX_BODY_BYTES,
    resilience: {
      maxRetries:
        parseCount('--upstream-retries', options.upstreamRetries) ?? DEFAULT_RESILIENCE.maxRetries,
      breakerThreshold:
        parseCount('--circuit-threshold', options.circuitThreshold) ??
        DEFAULT_RESILIENCE.breakerThreshold,
      breakerCooldownMs:
        cooldown === undefined ? DEFAULT_RESILIENCE.breakerCooldownMs : cooldown * 1000,
    },
    accessLog: options.accessLog === true || flag('NAFTIKO_ACCESS_LOG', env['NAFTIKO_ACCESS_LOG']),
  };
}

/** A switch's environment twin: 1/true/yes/on, or 0/false/no/off/empty. */
function flag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new NaftikoError('USAGE_INVALID', `${name} expects 1 or 0, got "${raw}"`);
}

/** Checks the options (USAGE_INVALID when one is not a positive integer) and fills defaults. */
export function parseLimitOptions(options: LimitOptions): InboundLimits {
  const idle = parsePositiveInt('--mcp-session-idle', options.mcpSessionIdle);
  const requestTimeout = parsePositiveInt('--request-timeout', options.requestTimeout);
  return {
    http: {
      maxUrlLength:
        parsePositiveInt('--max-url-length', options.maxUrlLength) ??
        DEFAULT_HTTP_LIMITS.maxUrlLength,
      maxHeaderSize:
        parsePositiveInt('--max-header-size', options.maxHeaderSize) ??
        DEFAULT_HTTP_LIMITS.maxHeaderSize,
      rateLimit: parsePositiveInt('--rate-limit', options.rateLimit),
      requestTimeoutMs:
        requestTimeout === undefined ? DEFAULT_HTTP_LIMITS.requestTimeoutMs : requestTimeout * 1000,
    },
    mcp: {
      maxSessions:
        parsePositiveInt('--mcp-max-sessions', options.mcpMaxSessions) ??
        DEFAULT_SESSION_LIMITS.maxSessions,
      sessionIdleMs: idle === undefined ? DEFAULT_SESSION_LIMITS.idleMs : idle * 1000,
    },
  };
}
